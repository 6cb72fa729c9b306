"""The vectorised fusion path (intense.vectorised) against the per-block modules (the reference):
the same blocks, outputs, gradients and running statistics, in train and eval mode, for every
interaction order up to 5 and every normalisation scheme."""

import copy

import pytest
import torch

from intense import MNL, InTense, MLPEncoder, penalty_weight


def _pair(m: int, dtype: torch.dtype, **kwargs) -> tuple[InTense, InTense]:
    """A model (vectorised) and its exact copy that computes block by block."""
    torch.manual_seed(0)
    encoders = [MLPEncoder(4, 5, hidden=(6,)) for _ in range(m)]
    # the penalty's weight given as eq. 3's Lambda / n at n = 1000 (no trainer resolves it here)
    kwargs.setdefault("reg_param", penalty_weight(1000))
    model = (MNL if kwargs.pop("mnl", False) else InTense)(encoders, 2, **kwargs).to(dtype)
    reference = copy.deepcopy(model)
    reference.vectorised = False
    return model, reference


def _step(model: InTense, inputs: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    model.zero_grad()
    out = model(inputs)
    (out.pow(2).sum() + model.penalty()).backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


def _assert_same(model, reference, inputs, tol):
    with torch.no_grad():  # the blocks themselves (the audit reads them), before the step's update
        blocks = model.fusion_blocks(model.encode(inputs))
        expected_blocks = reference.fusion_blocks(reference.encode(inputs))
    for name, a, b in zip(model.head.block_names, blocks, expected_blocks):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol, msg=name)
    out, grads = _step(model, inputs)
    expected, expected_grads = _step(reference, inputs)
    torch.testing.assert_close(out, expected, rtol=tol, atol=tol)
    for (name, _), a, b in zip(model.named_parameters(), grads, expected_grads):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * max(1.0, b.abs().max().item()), msg=name)
    for (name, a), b in zip(model.named_buffers(), reference.buffers()):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol, msg=name)


SETTINGS = [(2, {"max_order": 2}), (3, {"max_order": 3}), (4, {"max_order": 4}), (5, {"max_order": 5})]
SETTINGS += [(5, {"max_order": 3}), (4, {"interactions": ["134", "12", "1x4"]})]  # any order; modality 3 alone
SETTINGS += [(4, {"interactions": ["12", "134", "23"]})]  # the pairs' columns of the fusion layer apart


@pytest.mark.parametrize("scheme", ["iterbn", "naive", "naive-pairwise", "none"])
@pytest.mark.parametrize("m,kwargs", SETTINGS)
def test_vectorised_blocks_equal_the_per_block_modules(scheme, m, kwargs):
    model, reference = _pair(m, torch.float64, tf_latent_dim=3, interaction_norm=scheme, **kwargs)
    g = torch.Generator().manual_seed(1)
    for _ in range(3):  # train mode: outputs, gradients, running statistics, step after step
        inputs = [torch.randn(7, 4, generator=g, dtype=torch.float64) for _m in range(m)]
        _assert_same(model, reference, inputs, tol=1e-10)
    model.eval(), reference.eval()  # eval mode: every block's own running statistics
    _assert_same(model, reference, inputs, tol=1e-10)
    _assert_same(model, reference, [x[:1] for x in inputs], tol=1e-10)  # a single sample


@pytest.mark.parametrize("m,order", [(3, 3), (4, 4)])
def test_vectorised_path_agrees_to_1e6_in_float32(m, order):
    model, reference = _pair(m, torch.float32, tf_latent_dim=8, max_order=order)
    g = torch.Generator().manual_seed(2)
    inputs = [torch.randn(32, 4, generator=g) for _ in range(m)]
    _assert_same(model, reference, inputs, tol=1e-6)
    model.eval(), reference.eval()
    _assert_same(model, reference, inputs, tol=1e-6)


def test_mnl_and_a_moved_model_agree_too():
    # float32 at 1e-5: the two paths sum in other orders, a few units in the last place apart
    # (by how much depends on the CPU's kernels); the float32 test above holds 1e-6 on its inputs
    model, reference = _pair(3, torch.float32, mnl=True)
    inputs = [torch.randn(6, 4) for _ in range(3)]
    _assert_same(model, reference, inputs, tol=1e-5)
    model, reference = _pair(3, torch.float32, tf_latent_dim=3)
    _assert_same(model, reference, inputs, tol=1e-5)  # the plan now holds views of the buffers ...
    model.double(), reference.double()  # ... which .double() replaces (float32's rounding stays)
    _assert_same(model, reference, [x.double() for x in inputs], tol=1e-5)


def test_state_dict_is_the_per_block_modules_one():
    model, reference = _pair(3, torch.float32)
    model([torch.randn(6, 4) for _ in range(3)])
    assert list(model.state_dict()) == list(reference.state_dict())
    assert not any("column_block" in key for key in model.state_dict())


def test_train_mode_still_needs_two_samples():
    model, _ = _pair(3, torch.float32)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model([torch.randn(1, 4) for _ in range(3)])


def test_an_intense_model_has_every_part_that_a_fusion_plan_reads():
    """`FusionModules` names what `FusionPlan` reads of a model; InTense has each, of its type."""
    import typing

    from intense.fusion import FusionHead
    from intense.vectorised import FusionModules

    model, _ = _pair(3, torch.float32, max_order=3)
    names = {"FusionHead": FusionHead, "nn": torch.nn}  # what the protocol's annotations name
    for name, kind in typing.get_type_hints(FusionModules, names).items():
        assert isinstance(getattr(model, name), kind), name
