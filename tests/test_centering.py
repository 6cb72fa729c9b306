"""eq. 9 (higher-order centring) and Theorem 2, as specifications."""

import pytest
import torch

from intense import VBN, IteratedPairwiseNorm, IterBN, NaiveInteractionNorm, center_interaction, outer_product
from intense.reference import center_interaction_bruteforce, centering_coefficients, full_layout, monomial

DIMS = [3, 2, 4, 1, 2]  # unequal multi-dimensional representations


def random_factors(k: int, batch: int = 24, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    # non-zero means, so that every term of eq. 9 matters
    return [
        torch.randn(batch, d, generator=g, dtype=torch.float64) + torch.randn(d, generator=g, dtype=torch.float64)
        for d in DIMS[:k]
    ]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_recursion_equals_bruteforce_eq9(k):
    features = random_factors(k)
    fast = center_interaction(features)
    assert fast.shape == (24, *DIMS[:k])  # index of features[0] first
    torch.testing.assert_close(fast, center_interaction_bruteforce(features), rtol=1e-10, atol=1e-10)


def test_layout_puts_first_modality_first():
    f1, f2 = torch.tensor([[1.0, 2.0]]), torch.tensor([[10.0, 20.0, 30.0]])
    assert torch.equal(outer_product([f1, f2])[0], torch.outer(f1[0], f2[0]))


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_theorem2_batch_mean_is_zero(k):
    # Theorem 2 with J = {}: E[Psi_I] = 0 for every multi-index component
    centred = center_interaction(random_factors(k, seed=k))
    torch.testing.assert_close(centred.mean(dim=0), torch.zeros(DIMS[:k], dtype=torch.float64), atol=1e-12, rtol=0)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_theorem2_polynomial_form_and_eq11_for_every_proper_subset(k):
    features = random_factors(k, seed=10 + k)
    factors = full_layout(features)  # laid out independently of the fast path's broadcast_layout
    coefficients = centering_coefficients(features)  # eq. 26: G_J for every J subset-of I

    # first statement: Psi_I = sum_J G_J prod_{m in J} f^m
    polynomial = sum(g * monomial(factors, j) for j, g in coefficients.items())
    torch.testing.assert_close(torch.broadcast_to(polynomial, (24, *DIMS[:k])), center_interaction(features))
    # eq. 11: E( sum_{K: J subset K subset I} G_K prod_{m in K \ J} f^m ) = 0 for every J != I
    modalities = frozenset(range(k))
    for j in coefficients:
        if j == modalities:
            continue
        contribution = sum(g * monomial(factors, kk - j) for kk, g in coefficients.items() if j <= kk)
        assert contribution.mean(dim=0).abs().max() < 1e-12, f"J = {sorted(j)}"


def test_appendix_b1_expansion_for_three_one_dimensional_modalities():
    g = torch.Generator().manual_seed(3)
    f1, f2, f3 = (torch.randn(50, 1, generator=g, dtype=torch.float64) + 1.5 for _ in range(3))
    e = lambda t: t.mean()  # noqa: E731  (the paper's bar)
    expected = (
        f1 * f2 * f3
        - e(f1) * f2 * f3
        - e(f2) * f1 * f3
        - e(f3) * f1 * f2
        - e(f1 * f2) * f3
        - e(f1 * f3) * f2
        - e(f2 * f3) * f1
        - e(f1 * f2 * f3)
        + 2 * e(f1) * e(f2) * f3
        + 2 * e(f1) * e(f3) * f2
        + 2 * e(f2) * e(f3) * f1
        + 2 * e(f1) * e(f2 * f3)
        + 2 * e(f2) * e(f1 * f3)
        + 2 * e(f3) * e(f1 * f2)
        - 6 * e(f1) * e(f2) * e(f3)
    )
    torch.testing.assert_close(center_interaction([f1, f2, f3])[:, :, 0, 0], expected)

    # with standardised factors (all means zero) it reduces to the main text's form (Sec. 3.3)
    s1, s2, s3 = (f - f.mean() for f in (f1, f2, f3))
    reduced = s1 * s2 * s3 - e(s1 * s2) * s3 - e(s1 * s3) * s2 - e(s2 * s3) * s1 - e(s1 * s2 * s3)
    torch.testing.assert_close(center_interaction([s1, s2, s3])[:, :, 0, 0], reduced)


def rademacher_example(n_distinct: int = 200, seed: int = 0):
    """Sec. 3.3: f^2 = f^3 a balanced Rademacher variable, independent of f^1. Each value of
    f^1 appears once with f^2 = +1 and once with -1, so the independence holds exactly in
    the batch as well as in distribution."""
    g = torch.Generator().manual_seed(seed)
    f1 = torch.randn(n_distinct, 1, generator=g, dtype=torch.float64).repeat(2, 1)  # (2n, 1)
    f2 = torch.cat([torch.ones(n_distinct, 1), -torch.ones(n_distinct, 1)]).double()
    return f1, f2, f2.clone()


def test_rademacher_example_naive_scheme_copies_f1():
    f1, f2, f3 = rademacher_example()
    naive = NaiveInteractionNorm([1, 1, 1]).double()([f1, f2, f3]).flatten()
    reference = VBN(1).double()(f1).flatten()
    correlation = torch.corrcoef(torch.stack([naive, f1.flatten()]))[0, 1]
    assert correlation > 0.999  # the "3-way" block is f^1 in disguise
    torch.testing.assert_close(naive, reference, rtol=1e-4, atol=1e-4)


def test_rademacher_example_iterated_pairwise_scheme_copies_f1_too():
    # Sec. 3.3's "trivial extension": VBN(VBN(f1 (x) f2) (x) f3) still carries f^1
    f1, f2, f3 = rademacher_example()
    iterated = IteratedPairwiseNorm([1, 1, 1]).double()([f1, f2, f3]).flatten()
    correlation = torch.corrcoef(torch.stack([iterated, f1.flatten()]))[0, 1]
    assert correlation.abs() > 0.999


def test_iterated_pairwise_scheme_of_two_factors_is_the_naive_scheme():
    g = torch.Generator().manual_seed(4)
    features = [torch.randn(32, d, generator=g, dtype=torch.float64) + 1.0 for d in (3, 2)]
    torch.testing.assert_close(
        IteratedPairwiseNorm([3, 2]).double()(features), NaiveInteractionNorm([3, 2]).double()(features)
    )
    three = [*features, torch.randn(32, 4, generator=g, dtype=torch.float64)]
    assert IteratedPairwiseNorm([3, 2, 4]).double()(three).shape == (32, 3, 2, 4)


def test_rademacher_example_iterbn_block_vanishes():
    f1, f2, f3 = rademacher_example()
    normed = [VBN(1).double()(f) for f in (f1, f2, f3)]
    assert center_interaction(normed).abs().max() < 1e-10  # eq. 9 removes f^1 entirely
    assert IterBN([1, 1, 1]).double()([f1, f2, f3]).abs().max() < 1e-6


def test_constant_component_lets_plain_product_absorb_unimodal_terms_but_not_after_centring():
    # Sec. 3.3: u = [1, u2, u3], v = [1, v2, v3]; alpha1 u2 + alpha2 v2 is a linear function of u (x) v
    g = torch.Generator().manual_seed(1)
    n = 2000
    u = torch.cat([torch.ones(n, 1), torch.randn(n, 2, generator=g)], 1).double()
    v = torch.cat([torch.ones(n, 1), torch.randn(n, 2, generator=g)], 1).double()
    target = 0.7 * u[:, 1] - 1.3 * v[:, 1]

    def r_squared(block):
        design = torch.cat([block.flatten(1), torch.ones(n, 1, dtype=torch.float64)], 1)
        solution = torch.linalg.lstsq(design, target[:, None], driver="gelsd").solution  # rank-deficient: SVD
        residual = target - (design @ solution)[:, 0]
        return 1 - residual.pow(2).sum() / (target - target.mean()).pow(2).sum()

    plain = outer_product([u, v])
    torch.testing.assert_close(0.7 * plain[:, 1, 0] - 1.3 * plain[:, 0, 1], target)
    assert r_squared(plain) > 1 - 1e-10
    assert r_squared(center_interaction([u, v])) < 0.02


def test_iterbn_scales_to_unit_mean_squared_frobenius_norm():
    out = IterBN([3, 2, 4], eps=0.0).double()(random_factors(3))
    torch.testing.assert_close(out.pow(2).flatten(1).sum(1).mean(), torch.tensor(1.0, dtype=torch.float64))


def test_iterbn_eval_reuses_running_estimates_and_scores_single_samples():
    features = random_factors(3)
    norm = IterBN([3, 2, 4], momentum=1.0).double()  # running estimates = last batch's
    train_out = norm(features)
    norm.eval()
    torch.testing.assert_close(norm(features), train_out)
    single = norm([f[:1] for f in features])
    torch.testing.assert_close(single, train_out[:1])


def test_iterbn_gradient_flows_to_all_factors():
    features = [f.clone().requires_grad_() for f in random_factors(3)]
    (IterBN([3, 2, 4]).double()(features) * torch.randn(24, 3, 2, 4, dtype=torch.float64)).sum().backward()
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in features)


def test_bad_factors_give_clear_errors():
    with pytest.raises(ValueError, match="at least one factor"):
        center_interaction([])
    with pytest.raises(ValueError, match="same batch size"):
        center_interaction([torch.randn(4, 2), torch.randn(5, 2)])
    with pytest.raises(ValueError, match=r"\(batch, d\)"):
        center_interaction([torch.randn(4, 2, 2)])
    with pytest.raises(ValueError, match="got 2"):
        IterBN([2, 2, 2])([torch.randn(4, 2)] * 2)


def test_recursion_gradients_equal_bruteforce_gradients():
    features = [f.requires_grad_() for f in random_factors(3, batch=6)]
    weights = torch.randn(6, *DIMS[:3], dtype=torch.float64)
    fast = torch.autograd.grad((center_interaction(features) * weights).sum(), features)
    literal = torch.autograd.grad((center_interaction_bruteforce(features) * weights).sum(), features)
    for a, b in zip(fast, literal):
        torch.testing.assert_close(a, b)
    assert torch.autograd.gradcheck(lambda *f: center_interaction(list(f)), tuple(features))
