"""The fusion layer: block-norm penalty (eq. 3) and relevance scores (eq. 4)."""

import pytest
import torch

from intense import FusionHead, block_norm_penalty, relevance_scores


def head(p=1.0, reg_param=0.05, seed=0):
    torch.manual_seed(seed)
    return FusionHead([3, 4, 8], ["1", "2", "1x2"], output_dim=2, p=p, reg_param=reg_param)


def test_penalty_for_p1_is_squared_sum_of_block_frobenius_norms():
    h = head(p=1.0, reg_param=0.3)
    w = h.linear.weight.detach()
    norms = [w[:, :3].norm(), w[:, 3:7].norm(), w[:, 7:].norm()]
    torch.testing.assert_close(h.penalty(), 0.3 * sum(norms) ** 2)


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_penalty_is_eq3_with_q_2p_over_p_plus_1(p):
    norms = torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64)
    q = 2 * p / (p + 1)
    expected = 0.05 * (norms.pow(q).sum()) ** (2 / q)
    torch.testing.assert_close(block_norm_penalty(norms, p, 0.05), expected)


def test_penalty_ignores_bias_and_is_differentiable():
    h = head()
    before = h.penalty().item()
    with torch.no_grad():
        h.linear.bias.fill_(100.0)
    assert h.penalty().item() == before
    h.penalty().backward()
    assert h.linear.weight.grad.abs().sum() > 0
    assert h.linear.bias.grad is None


def test_relevance_for_p1_sums_to_one_and_follows_block_norms():
    h = head(p=1.0)
    scores = h.relevance()
    assert list(scores) == ["1", "2", "1x2"]
    assert sum(scores.values()) == pytest.approx(1.0)
    norms = h.block_norms().detach()
    assert list(scores.values()) == pytest.approx((norms / norms.sum()).tolist())


@pytest.mark.parametrize("p", [1.5, 2.0, 4.0])
def test_relevance_has_unit_p_norm(p):
    scores = torch.tensor(list(head(p=p).relevance().values()))
    assert scores.pow(p).sum().pow(1 / p).item() == pytest.approx(1.0, rel=1e-5)


def test_relevance_zero_block_gets_zero_score():
    norms = torch.tensor([0.0, 1.0, 3.0])
    assert relevance_scores(norms, 1.0).tolist() == pytest.approx([0.0, 0.25, 0.75])


def test_bad_parameters():
    with pytest.raises(ValueError, match="1 <= p"):
        head(p=0.5)
    with pytest.raises(ValueError, match="reg_param"):
        head(reg_param=-1.0)
    with pytest.raises(ValueError, match="unique"):
        FusionHead([1, 1], ["a", "a"], 1)
    with pytest.raises(ValueError, match="^every fusion weight block is zero: relevance scores are undefined$"):
        relevance_scores(torch.zeros(3), 1.0)
    with pytest.raises(ValueError, match="^one name per block is needed$"):
        FusionHead([3, 4], ["1"], 1)
    with pytest.raises(ValueError, match="output_dim must be >= 1, got 0"):
        FusionHead([3, 4], ["1", "2"], 0)
    with pytest.raises(ValueError, match=r"init must be one of \['default', 'equal-norm'\], got 'xavier'"):
        FusionHead([3, 4], ["1", "2"], 1, init="xavier")
    with pytest.raises(ValueError, match="block '2' has 5 features"):
        head()([torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 8)])


def test_equal_norm_init_starts_every_block_at_one_norm_and_keeps_the_total():
    torch.manual_seed(0)
    dims = [16, 16, 64, 512, 4096]
    default = FusionHead(dims, ["a", "b", "axb", "axbxc", "axbxcxd"], 1)
    assert default.block_norms()[-1] > 10 * default.block_norms()[0]  # default: norm grows like sqrt(d_b)
    torch.manual_seed(0)
    equal = FusionHead(dims, ["a", "b", "axb", "axbxc", "axbxcxd"], 1, init="equal-norm")
    norms = equal.block_norms()
    torch.testing.assert_close(norms, norms.mean().expand(5))
    torch.testing.assert_close(norms.pow(2).sum(), default.block_norms().pow(2).sum())
    assert all(abs(v - 0.2) < 1e-6 for v in equal.relevance().values())  # eq. 4 at p = 1: uniform
    with pytest.raises(ValueError, match="init must be one of"):
        FusionHead(dims, ["a", "b", "c", "d", "e"], 1, init="zeros")


def test_block_norms_in_one_segment_sum_equal_the_per_block_norms_and_their_gradients():
    torch.manual_seed(0)
    head = FusionHead([3, 5, 2, 9], ["1", "2", "3", "1x2"], 4, p=1.5, reg_param=0.01)
    with torch.no_grad():
        head.linear.weight[:, 8:10] = 0.0  # an all-zero block: norm 0, gradient 0 (not nan)
    fast = head.block_norms()
    torch.testing.assert_close(fast, head.reference_block_norms())
    assert fast[2] == 0.0
    (grad,) = torch.autograd.grad(head.penalty(), head.linear.weight)
    reference = FusionHead([3, 5, 2, 9], ["1", "2", "3", "1x2"], 4, p=1.5, reg_param=0.01)
    reference.load_state_dict(head.state_dict())
    reference.block_norms = reference.reference_block_norms
    (expected,) = torch.autograd.grad(reference.penalty(), reference.linear.weight)
    torch.testing.assert_close(grad, expected)
    assert torch.isfinite(grad).all()


def test_p_must_be_finite_and_at_least_one():
    for p in (float("inf"), 0.999):
        with pytest.raises(ValueError, match=rf"p must satisfy 1 <= p < inf \(Sec. 3.2\), got {p}"):
            head(p=p)
    assert head(p=1.0).p == 1.0


def test_the_heads_state_is_its_linear_layer_alone():
    # the table of each column's block is derived from the sizes, not saved with the weights
    assert list(head().state_dict()) == ["linear.weight", "linear.bias"]


def test_without_a_penalty_weight_the_head_waits_for_eq3s_lambda_over_n():
    fused = FusionHead([3, 4], ["1", "2"], output_dim=1)
    assert fused.reg_param is None and fused.n_train is None and fused.p == 1.0
