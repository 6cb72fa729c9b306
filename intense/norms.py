"""Normalisation for interpretable fusion: VBN (eq. 5-7) and IterBN (eq. 9-10).

Shapes: B is the batch size, d_m the size of modality m's representation.
An interaction of k modalities is laid out as a tensor of shape (B, d_1, ..., d_k),
the index of the first listed modality first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = [
    "VBN",
    "IterBN",
    "NaiveInteractionNorm",
    "IteratedPairwiseNorm",
    "PlainProduct",
    "center_interaction",
    "outer_product",
    "subset_products",
    "broadcast_layout",
    "moments_of",
    "center_from_moments",
    "mean_sq_frobenius",
    "scale_interaction",
    "require_batch_statistics",
]


def require_batch_statistics(batch_size: int) -> None:
    """Train mode estimates eq. 6-7 from the batch: it needs two samples or more."""
    if batch_size < 2:
        raise ValueError(
            "VBN needs at least 2 samples per batch in train mode to estimate "
            "batch statistics; use a larger batch or call model.eval()"
        )


# eps and momentum by default: torch.nn.BatchNorm1d's
EPS, MOMENTUM = 1e-5, 0.1


class _NormBase(nn.Module):
    """What every normalisation of this module shares, as `torch.nn`'s `_NormBase` does for the
    BatchNorms: the sizes d_1, ..., d_k of the factors it normalises, eps (added to each
    variance) and the momentum of its running estimates, each checked once here; the running
    update; the check of the factors a forward pass gets; and the printed form."""

    def __init__(self, dims: Sequence[int], eps: float, momentum: float) -> None:
        super().__init__()
        name = type(self).__name__
        dims = [int(d) for d in dims]
        if not dims or min(dims) < 1:
            raise ValueError(f"{name} needs the sizes of at least one factor, each >= 1, got {dims}")
        if not (math.isfinite(eps) and eps >= 0):
            raise ValueError(f"{name} eps must be a finite number >= 0, got {eps}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name} momentum must lie in [0, 1], got {momentum}")
        self.dims = dims
        self.eps = eps
        self.momentum = momentum

    def update_running(self, running: Tensor, batch: Tensor) -> None:
        """Exponential moving average, as in torch's BatchNorm: r <- (1 - m) r + m x."""
        running.mul_(1.0 - self.momentum).add_(batch.detach(), alpha=self.momentum)

    def check_factors(self, features: Sequence[Tensor]) -> None:
        """One (B, d_m) tensor per factor, d_m as declared, one batch size."""
        if len(features) != len(self.dims):
            raise ValueError(f"{type(self).__name__} over {len(self.dims)} factors got {len(features)}")
        check_factors(features)
        for m, (f, d) in enumerate(zip(features, self.dims)):
            if f.shape[1] != d:
                raise ValueError(f"{type(self).__name__}: factor {m} must have {d} features, got {f.shape[1]}")

    def extra_repr(self) -> str:
        return f"dims={self.dims}, eps={self.eps}, momentum={self.momentum}"


class VBN(_NormBase):
    """eq. 5-7: vector-wise batch normalisation.

    Unlike BatchNorm there is one scalar variance per block (the batch mean of the
    squared L2 norm of the centred rows) and no affine parameters, so that
    E||VBN(f)||^2 = 1: every block enters the fusion layer at the same scale.
    """

    def __init__(self, num_features: int, eps: float = EPS, momentum: float = MOMENTUM) -> None:
        super().__init__([num_features], eps, momentum)
        self.num_features = num_features
        self.register_buffer("running_mean", torch.zeros(num_features))  # (d,)
        self.register_buffer("running_var", torch.ones(()))  # scalar

    def forward(self, f: Tensor) -> Tensor:  # f: (B, d)
        if f.dim() != 2 or f.shape[1] != self.num_features:
            raise ValueError(f"VBN expects a (batch, {self.num_features}) tensor, got shape {tuple(f.shape)}")
        if self.training:
            require_batch_statistics(f.shape[0])
            # eq. 6: mu = (1/|B|) sum_i f_i, element-wise
            mu = f.mean(dim=0)  # (d,)
            # eq. 7: sigma^2 = (1/|B|) sum_i ||f_i - mu||_2^2, one scalar
            var = (f - mu).pow(2).sum(dim=1).mean()  # ()
            self.update_running(self.running_mean, mu)
            self.update_running(self.running_var, var)
        else:
            mu, var = self.running_mean, self.running_var
        # eq. 5: f~ = (f - mu) / sigma
        return (f - mu) / torch.sqrt(var + self.eps)  # (B, d)

    def extra_repr(self) -> str:  # as BatchNorm1d prints itself
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


# --------------------------------------------------------------------------------------
# Tensor products in "broadcast layout"
# --------------------------------------------------------------------------------------
# Factor m of k is viewed as (B, 1, .., d_m, .., 1), with d_m at position 1 + m. Products
# of any subset S of the factors then broadcast to (B, [d_m if m in S else 1 for m]), and
# any two such tensors multiply with their indices aligned: exactly the "multi-index
# component" reading of eq. 9 for multi-dimensional representations.
# Subsets S of the k factors are bit masks: bit m is set when modality m is in S.


def broadcast_layout(features: Sequence[Tensor]) -> list[Tensor]:
    """View factor m of k as (B, 1, .., d_m, .., 1)."""
    k = len(features)
    laid_out = []
    for m, f in enumerate(features):
        shape = [f.shape[0]] + [1] * k
        shape[1 + m] = f.shape[1]
        laid_out.append(f.reshape(shape))  # (B, 1, .., d_m, .., 1)
    return laid_out


def check_factors(features: Sequence[Tensor]) -> None:
    if len(features) == 0:
        raise ValueError("an interaction needs at least one factor, got an empty list")
    for m, f in enumerate(features):
        if not isinstance(f, Tensor) or f.dim() != 2:
            shape = tuple(f.shape) if isinstance(f, Tensor) else type(f).__name__
            raise ValueError(f"factor {m} must be a (batch, d) tensor, got {shape}")
    batch_sizes = {f.shape[0] for f in features}
    if len(batch_sizes) != 1:
        raise ValueError(f"all factors need the same batch size, got {sorted(batch_sizes)}")


def outer_product(features: Sequence[Tensor]) -> Tensor:
    """The plain tensor product f^1 (x) ... (x) f^k per sample: (B, d_1, ..., d_k)."""
    check_factors(features)
    product = broadcast_layout(features)
    out = product[0]
    for factor in product[1:]:
        out = out * factor
    return out


def subset_products(features: Sequence[Tensor]) -> dict[int, Tensor]:
    """prod_{m in S} f^m for every non-empty subset S (bit mask), in broadcast layout."""
    check_factors(features)
    factors = broadcast_layout(features)
    products: dict[int, Tensor] = {}
    for mask in range(1, 1 << len(factors)):
        lowest = mask & -mask  # the subset's first modality ...
        rest = mask ^ lowest  # ... and the others, whose product is already known
        m = lowest.bit_length() - 1
        products[mask] = factors[m] if rest == 0 else products[rest] * factors[m]
    return products


def moments_of(products: dict[int, Tensor]) -> dict[int, Tensor]:
    """Batch expectations E[prod_{m in S} f^m], kept as (1, ...) for broadcasting."""
    return {mask: p.mean(dim=0, keepdim=True) for mask, p in products.items()}


def center_from_moments(products: dict[int, Tensor], moments: dict[int, Tensor]) -> Tensor:
    """eq. 9 through its O(3^k) recursion over subsets T of I (derived in book/intense.md):

        Psi_{}  = 1
        Psi_T   = prod_{m in T} f^m  -  sum_{ {} != S subset-of T }  E[prod_{m in S} f^m] Psi_{T \\ S}

    Unrolling the recursion gives exactly the signed sum of eq. 9 over ordered tuples of
    disjoint non-empty subsets (tests/test_centering.py checks it against that sum).
    """
    full = max(products)
    psi: dict[int, Tensor] = {}
    for subset in range(1, full + 1):  # every proper subset of T is numerically below T
        centred = products[subset].clone()  # prod_{m in T} f^m; updated in place below
        part = subset
        while part:  # all non-empty S subset-of T, by the standard sub-mask walk
            rest = subset ^ part
            if rest == 0:  # S = T: Psi_{} = 1
                centred.sub_(moments[part])
            else:  # centred -= E[prod_S f] * Psi_{T \ S}, without a temporary tensor
                centred.addcmul_(moments[part], psi[rest], value=-1.0)
            part = (part - 1) & subset
        psi[subset] = centred
    return psi[full]


def center_interaction(features: Sequence[Tensor]) -> Tensor:
    """eq. 9 with batch expectations: features = [f^1 (B, d_1), ..., f^k (B, d_k)].

    Returns Psi_I of shape (B, d_1, ..., d_k), index of features[0] first. Its batch
    mean is zero, and so is the expected contribution of every proper subset of the
    modalities (Theorem 2).
    """
    products = subset_products(features)
    return center_from_moments(products, moments_of(products))


def mean_sq_frobenius(psi: Tensor) -> Tensor:
    """eq. 10's denominator squared, E ||Psi_I||_F^2: the batch mean of each sample's squared
    Frobenius norm. psi: (B, d_1, ..., d_k) -> ()."""
    return psi.pow(2).flatten(1).sum(dim=1).mean()


def scale_interaction(psi: Tensor, sq_norm: Tensor, eps: float) -> Tensor:
    """eq. 10: the centred interaction scaled to unit mean squared Frobenius norm,

        f~^I = Psi_I / sqrt(E ||Psi_I||_F^2 + eps),

    with `sq_norm` = E ||Psi_I||_F^2 (`mean_sq_frobenius` of the batch, or a running estimate).
    psi: (B, d_1, ..., d_k) -> (B, d_1, ..., d_k)."""
    return psi / torch.sqrt(sq_norm + eps)


class IterBN(_NormBase):
    """eq. 9-10: iterative batch normalisation of one interaction I (Sec. 3.3).

    VBN on each factor (eq. 5), centring (eq. 9), then scaling to unit mean squared
    Frobenius norm (eq. 10). In eval mode every expectation that eq. 9 and eq. 10 use
    comes from running estimates, so a single sample can be scored.
    """

    def __init__(self, dims: Sequence[int], eps: float = EPS, momentum: float = MOMENTUM) -> None:
        super().__init__(dims, eps, momentum)
        self.factor_norms = nn.ModuleList(VBN(d, eps, momentum) for d in self.dims)
        for mask in range(1, 1 << len(self.dims)):
            shape = [1] + [d if mask >> m & 1 else 1 for m, d in enumerate(self.dims)]
            self.register_buffer(f"running_moment_{mask}", torch.zeros(shape))
        self.register_buffer("running_sq_norm", torch.ones(()))

    def _running_moments(self) -> dict[int, Tensor]:
        return {mask: getattr(self, f"running_moment_{mask}") for mask in range(1, 1 << len(self.dims))}

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        self.check_factors(features)
        normed = [vbn(f) for vbn, f in zip(self.factor_norms, features)]  # eq. 5, (B, d_m)
        products = subset_products(normed)
        if self.training:
            moments = moments_of(products)
            for mask, running in self._running_moments().items():
                self.update_running(running, moments[mask])
        else:
            moments = self._running_moments()
        psi = center_from_moments(products, moments)  # eq. 9, (B, d_1, ..., d_k)
        if self.training:
            sq_norm = mean_sq_frobenius(psi)  # E ||Psi||_F^2, ()
            self.update_running(self.running_sq_norm, sq_norm)
        else:
            sq_norm = self.running_sq_norm
        return scale_interaction(psi, sq_norm, self.eps)  # eq. 10, (B, d_1, ..., d_k)


class NaiveInteractionNorm(_NormBase):
    """The ablation of Fig. 7 (Sec. 3.3, "What can go wrong?"): VBN on each factor,
    the plain tensor product, VBN of the product. No higher-order centring, so lower-order
    signals can hide inside the product (the Rademacher example of Sec. 3.3)."""

    def __init__(self, dims: Sequence[int], eps: float = EPS, momentum: float = MOMENTUM) -> None:
        super().__init__(dims, eps, momentum)
        self.factor_norms = nn.ModuleList(VBN(d, eps, momentum) for d in self.dims)
        self.product_norm = VBN(math.prod(self.dims), eps, momentum)

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        self.check_factors(features)
        normed = [vbn(f) for vbn, f in zip(self.factor_norms, features)]  # (B, d_m)
        product = outer_product(normed)  # (B, d_1, ..., d_k)
        return self.product_norm(product.flatten(1)).reshape(product.shape)


class IteratedPairwiseNorm(_NormBase):
    """Sec. 3.3's "trivial extension" of the bimodal scheme, as the paper describes it: VBN on
    each factor, then one factor folded in at a time with VBN after every product,

        z_2 = VBN(f~1 (x) f~2),   z_k = VBN(z_{k-1} (x) f~k),

    so that every partial product is centred but, for three or more factors, products of
    several factors may still be constant (the Rademacher example). For two factors it is
    `NaiveInteractionNorm`."""

    def __init__(self, dims: Sequence[int], eps: float = EPS, momentum: float = MOMENTUM) -> None:
        super().__init__(dims, eps, momentum)
        self.factor_norms = nn.ModuleList(VBN(d, eps, momentum) for d in self.dims)
        self.product_norms = nn.ModuleList(
            VBN(math.prod(self.dims[:k]), eps, momentum) for k in range(2, len(self.dims) + 1)
        )

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        self.check_factors(features)
        normed = [vbn(f) for vbn, f in zip(self.factor_norms, features)]  # (B, d_m)
        z = normed[0]
        for f, vbn in zip(normed[1:], self.product_norms):
            z = vbn(outer_product([z, f]).flatten(1))  # (B, d_1 ... d_k), centred and scaled
        return z.reshape(z.shape[0], *self.dims)  # (B, d_1, ..., d_k)


class PlainProduct(_NormBase):
    """No normalisation at all: the raw tensor product of the factors (Sec. 3.3's
    constant-component example shows how it absorbs lower-order terms)."""

    def __init__(self, dims: Sequence[int], eps: float = EPS, momentum: float = MOMENTUM) -> None:
        super().__init__(dims, eps, momentum)

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        self.check_factors(features)
        return outer_product(features)  # (B, d_1, ..., d_k)
