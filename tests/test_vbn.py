"""VBN (eq. 5-7)."""

import pytest
import torch

from intense.norms import VBN, IteratedPairwiseNorm, IterBN, NaiveInteractionNorm, PlainProduct, outer_product


def batch(seed=0, n=64, d=5):
    g = torch.Generator().manual_seed(seed)
    return 3.0 * torch.randn(n, d, generator=g, dtype=torch.float64) + torch.arange(d, dtype=torch.float64)


def test_train_mode_zero_mean_and_unit_mean_squared_norm():
    y = VBN(5, eps=0.0).double()(batch())
    torch.testing.assert_close(y.mean(0), torch.zeros(5, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(y.pow(2).sum(1).mean(), torch.tensor(1.0, dtype=torch.float64))


def test_one_scalar_variance_not_per_feature():
    x = batch()
    y = VBN(5, eps=0.0).double()(x)
    # every feature is divided by the same scalar, so per-feature spreads keep their ratios
    torch.testing.assert_close(y.std(0) / y.std(0)[0], x.std(0) / x.std(0)[0])


def test_no_affine_parameters():
    assert list(VBN(5).parameters()) == []


def test_eval_mode_uses_running_statistics():
    x = batch()
    norm = VBN(5, eps=1e-5, momentum=1.0).double()
    norm(x)
    mu, var = x.mean(0), (x - x.mean(0)).pow(2).sum(1).mean()
    torch.testing.assert_close(norm.running_mean, mu)
    torch.testing.assert_close(norm.running_var, var)
    norm.eval()
    new = batch(seed=1, n=1)
    torch.testing.assert_close(norm(new), (new - mu) / torch.sqrt(var + 1e-5))


def test_running_statistics_are_moving_averages():
    norm = VBN(5, momentum=0.1).double()
    x = batch()
    norm(x)
    torch.testing.assert_close(norm.running_mean, 0.1 * x.mean(0))


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"\(batch, 5\)"):
        VBN(5)(torch.randn(4, 3))
    with pytest.raises(
        ValueError,
        match=r"^VBN needs at least 2 samples per batch in train mode to estimate batch statistics; "
        r"use a larger batch or call model\.eval\(\)$",
    ):
        VBN(5)(torch.randn(1, 5))
    with pytest.raises(ValueError, match="momentum"):
        VBN(5, momentum=2.0)


SCHEMES = [IterBN, NaiveInteractionNorm, IteratedPairwiseNorm, PlainProduct]


@pytest.mark.parametrize("norm", [VBN, *SCHEMES])
def test_every_normalisation_checks_its_settings_alike(norm):
    """The shared base (as torch.nn's _NormBase): sizes, eps and momentum are checked once, for
    VBN and every interaction scheme, and the printed module shows them."""
    size = 3 if norm is VBN else [3, 2]
    with pytest.raises(ValueError, match=rf"{norm.__name__} momentum must lie in \[0, 1\], got 1.5"):
        norm(size, momentum=1.5)
    with pytest.raises(ValueError, match=rf"{norm.__name__} eps must be a finite number >= 0, got -1"):
        norm(size, eps=-1.0)
    with pytest.raises(ValueError, match=rf"{norm.__name__} needs the sizes of at least one factor"):
        norm(0 if norm is VBN else [3, 0])
    assert "eps=0.001, momentum=0.2" in repr(norm(size, eps=1e-3, momentum=0.2))


@pytest.mark.parametrize("norm", SCHEMES)
def test_every_interaction_scheme_names_a_missing_or_misshaped_factor(norm):
    scheme = norm([3, 2])
    with pytest.raises(ValueError, match=rf"{norm.__name__} over 2 factors got 1"):
        scheme([torch.randn(8, 3)])
    with pytest.raises(ValueError, match=rf"{norm.__name__}: factor 1 must have 2 features, got 4"):
        scheme([torch.randn(8, 3), torch.randn(8, 4)])
    assert scheme([torch.randn(8, 3), torch.randn(8, 2)]).shape == (8, 3, 2)


def test_vbn_defaults_to_batchnorms_eps_and_momentum_and_accepts_both_ends_of_momentum():
    assert (VBN(3).eps, VBN(3).momentum) == (1e-5, 0.1)
    frozen = VBN(3, momentum=0.0)  # momentum 0: the running estimates stay where they start
    frozen(torch.randn(8, 3) * 5 + 2)
    assert torch.equal(frozen.running_mean, torch.zeros(3)) and VBN(3, momentum=1.0).momentum == 1.0


@pytest.mark.parametrize("norm", SCHEMES)
def test_a_scheme_gives_its_eps_and_momentum_to_every_normalisation_inside_it(norm):
    for settings in ({}, {"eps": 1e-3, "momentum": 0.3}):
        scheme = norm([3, 2, 2], **settings)
        inside = [m for m in scheme.modules() if isinstance(m, VBN)]
        expected = (settings.get("eps", 1e-5), settings.get("momentum", 0.1))  # the defaults: BatchNorm's
        assert all((m.eps, m.momentum) == expected for m in [scheme, *inside]), norm.__name__


def test_the_iterated_pairwise_scheme_normalises_each_partial_product_once():
    # z_2 = VBN(f~1 (x) f~2), z_3 = VBN(z_2 (x) f~3): one VBN per factor, one per product
    scheme = IteratedPairwiseNorm([3, 2, 2])
    assert [n.num_features for n in scheme.factor_norms] == [3, 2, 2]
    assert [n.num_features for n in scheme.product_norms] == [6, 12]


def test_the_plain_product_is_the_tensor_product_of_the_factors_as_given():
    f, g = torch.randn(4, 3), torch.randn(4, 2)
    out = PlainProduct([3, 2])([f, g])
    torch.testing.assert_close(out, torch.einsum("bi,bj->bij", f, g))  # no centring, no scaling
    assert list(PlainProduct([3, 2]).buffers()) == []  # nothing to estimate


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ([], "an interaction needs at least one factor, got an empty list"),
        ([torch.randn(4, 3), torch.randn(4, 2, 1)], r"factor 1 must be a \(batch, d\) tensor, got \(4, 2, 1\)"),
        ([torch.randn(4, 3), [[1.0, 2.0]]], r"factor 1 must be a \(batch, d\) tensor, got list"),
        ([torch.randn(4, 3), torch.randn(5, 2)], r"all factors need the same batch size, got \[4, 5\]"),
    ],
)
def test_the_tensor_product_names_the_factor_it_cannot_use(factors, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        outer_product(factors)


def test_iterbn_keeps_one_running_moment_per_non_empty_subset_of_its_factors_and_one_norm():
    norm = IterBN([3, 2, 4])
    moments = {name: tuple(b.shape) for name, b in norm.named_buffers() if name.startswith("running_moment")}
    assert moments == {  # subset bit mask -> shape (1, ...) broadcast over the factors outside it
        "running_moment_1": (1, 3, 1, 1),
        "running_moment_2": (1, 1, 2, 1),
        "running_moment_3": (1, 3, 2, 1),
        "running_moment_4": (1, 1, 1, 4),
        "running_moment_5": (1, 3, 1, 4),
        "running_moment_6": (1, 1, 2, 4),
        "running_moment_7": (1, 3, 2, 4),
    }
    assert tuple(norm.running_sq_norm.shape) == ()
