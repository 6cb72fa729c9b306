"""Readable reference paths for the paper's formulas, written as the paper prints them.

These enumerate eq. 9 and eq. 26 literally (ordered tuples of disjoint non-empty
subsets), cost far more than the recursion in `intense.norms`, and exist so that tests
and benchmarks can prove the fast path equal to the formula. They lay out the multi-index
components on their own (`full_layout`, by explicit index grids), so that a layout bug in the
fast path's `broadcast_layout` cannot hide in both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import combinations

import torch
from torch import Tensor

from .norms import check_factors

__all__ = [
    "ordered_disjoint_subsets",
    "full_layout",
    "monomial",
    "center_interaction_bruteforce",
    "centering_coefficients",
]


def full_layout(features: Sequence[Tensor]) -> list[Tensor]:
    """Factor m of k as a full (B, d_1, ..., d_k) tensor whose component [b, i_1, ..., i_k] is
    f^m[b, i_m]: the multi-index reading of eq. 9, written out by index grids."""
    sizes = [f.shape[1] for f in features]
    grids = torch.meshgrid(*[torch.arange(d) for d in sizes], indexing="ij")  # k tensors (d_1, ..., d_k)
    return [f[:, grid] for f, grid in zip(features, grids)]  # each (B, d_1, ..., d_k)


def _nonempty_subsets(universe: frozenset[int]) -> Iterator[frozenset[int]]:
    items = sorted(universe)
    for size in range(1, len(items) + 1):
        for chosen in combinations(items, size):
            yield frozenset(chosen)


def ordered_disjoint_subsets(universe: frozenset[int]) -> Iterator[tuple[frozenset[int], ...]]:
    """Every ordered tuple (S^1, ..., S^l), l >= 0, of disjoint non-empty subsets."""
    yield ()
    for first in _nonempty_subsets(universe):
        for rest in ordered_disjoint_subsets(universe - first):
            yield (first, *rest)


def monomial(factors: Sequence[Tensor], subset: frozenset[int]) -> Tensor:
    """prod_{m in S} f^m of factors in full layout (1 for the empty set)."""
    product = factors[0].new_ones(())
    for m in sorted(subset):
        product = product * factors[m]
    return product


def _expectation(factors: list[Tensor], subset: frozenset[int]) -> Tensor:
    return monomial(factors, subset).mean(dim=0, keepdim=True)  # E[prod_{m in S} f^m], (1, ...)


def center_interaction_bruteforce(features: Sequence[Tensor]) -> Tensor:
    """eq. 9, term by term:

    f^I_hat = sum_{l=0}^{|I|} (-1)^l  sum_{S^1..S^l disjoint, non-empty}
                  prod_{m in I \\ U S^k} f^m  prod_k E(prod_{m in S^k} f^m)
    """
    check_factors(features)
    factors = full_layout(features)
    modalities = frozenset(range(len(factors)))
    total = factors[0].new_zeros(())
    for tuple_ in ordered_disjoint_subsets(modalities):
        term = factors[0].new_full((), (-1.0) ** len(tuple_))
        for subset in tuple_:
            term = term * _expectation(factors, subset)
        for m in sorted(modalities - frozenset().union(*tuple_)):
            term = term * factors[m]
        total = total + term
    full_shape = [features[0].shape[0]] + [f.shape[1] for f in features]
    return torch.broadcast_to(total, full_shape)


def centering_coefficients(features: Sequence[Tensor]) -> dict[frozenset[int], Tensor]:
    """eq. 26: the coefficients G_J of eq. 9 written as the polynomial sum_J G_J prod_{m in J} f^m.

    G_J sums (-1)^l prod_k E(prod_{m in S^k} f^m) over the ordered tuples that cover
    I \\ J exactly. Each G_J is a full (1, d_1, ..., d_k) tensor (constant along the modalities in J).
    """
    check_factors(features)
    factors = full_layout(features)
    modalities = frozenset(range(len(factors)))
    coefficients: dict[frozenset[int], Tensor] = {}
    for tuple_ in ordered_disjoint_subsets(modalities):
        covered = frozenset().union(*tuple_)
        term = factors[0].new_full((), (-1.0) ** len(tuple_))
        for subset in tuple_:
            term = term * _expectation(factors, subset)
        kept = modalities - covered
        coefficients[kept] = coefficients.get(kept, 0.0) + term
    return coefficients
