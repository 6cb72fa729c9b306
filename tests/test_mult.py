"""MulT's fast path (`MulT.forward`) against its readable reference (`MulT.reference_forward`):
the same outputs and gradients from the same parameters, and in training the same dropout
masks from the same random stream."""

import pytest
import torch

from intense.baselines.mult import MulT, dropout_at_last_step, key_mask


def _inputs(dims: list[int], steps: list[int], dtype: torch.dtype) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    xs = [torch.randn(6, t, d, generator=g, dtype=dtype) for t, d in zip(steps, dims)]
    xs[0][:2, :3] = 0.0  # front padding in two samples of the first modality
    return xs


def _run(model: MulT, forward, inputs: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    model.zero_grad()
    torch.manual_seed(7)  # the same dropout stream for both paths
    out = forward(inputs)
    out.pow(2).sum().backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(
    "dims,steps,attention_dropout",
    [
        ([6, 5], [7, 9], [0.0, 0.0]),  # image-like: no attention dropout, the weights by matrix products
        ([5, 3, 4], [7, 6, 5], [0.1, 0.0, 0.0]),  # a "text" target with dropout on attention weights
    ],
)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_fast_path_equals_the_reference(dims, steps, attention_dropout, train, dtype):
    torch.manual_seed(0)
    model = MulT(dims, 3, d=12, heads=3, layers=2, dropout=0.2, attention_dropout=attention_dropout).to(dtype)
    model.train(train)
    inputs = _inputs(dims, steps, dtype)
    fast, fast_grads = _run(model, model.forward, inputs)
    reference, reference_grads = _run(model, model.reference_forward, inputs)
    tol = 1e-6 if dtype == torch.float32 else 1e-12  # float rounding of the reordered sums
    torch.testing.assert_close(fast, reference, rtol=tol, atol=tol)
    for p, a, b in zip(model.parameters(), fast_grads, reference_grads):
        torch.testing.assert_close(a, b, rtol=10 * tol, atol=10 * tol * p.grad.abs().max().item())


def test_key_mask_is_none_without_padding_and_minus_infinity_at_padding():
    assert key_mask(torch.zeros(2, 3, dtype=torch.bool)) is None
    mask = key_mask(torch.tensor([[True, False, False], [False, False, False]]))
    assert mask.shape == (2, 1, 1, 3)
    assert mask[0, 0, 0].tolist() == [float("-inf"), 0.0, 0.0] and mask[1].eq(0).all()


@pytest.mark.parametrize("time_major", [False, True])
def test_dropout_at_last_step_draws_the_full_tensors_mask(time_major):
    full = torch.randn(3, 5, 4)
    if time_major:  # a (B, T, w) view of a (T, B, w) tensor, as nn.MultiheadAttention returns
        full = full.transpose(0, 1).contiguous().transpose(0, 1)
    torch.manual_seed(2)
    expected = torch.nn.functional.dropout(full, 0.5, training=True)[:, -1:]
    state_after_full = torch.get_rng_state()
    torch.manual_seed(2)
    last = dropout_at_last_step(full[:, -1:], 0.5, True, steps=5, time_major=time_major)
    assert torch.equal(last, expected)
    assert torch.equal(torch.get_rng_state(), state_after_full)  # as many draws as the full tensor's


def test_fast_path_without_gradients_equals_the_reference():
    """Evaluation (no gradients) takes scaled_dot_product_attention's kernel: the same outputs."""
    torch.manual_seed(0)
    model = MulT([6, 5], 3, d=12, heads=3, layers=2).eval()
    inputs = _inputs([6, 5], [7, 9], torch.float32)
    with torch.no_grad():
        torch.testing.assert_close(model(inputs), model.reference_forward(inputs), rtol=1e-6, atol=1e-6)
