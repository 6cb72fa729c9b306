"""Readable reference paths for the paper's formulas, written as the paper prints them.

These enumerate eq. 9 and eq. 26 literally (ordered tuples of disjoint non-empty
subsets), cost far more than the recursion in `intense.norms`, and exist so that tests
and benchmarks can prove the fast path equal to the formula.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import combinations

import torch
from torch import Tensor

from .norms import broadcast_layout, check_factors

__all__ = ["ordered_disjoint_subsets", "monomial", "center_interaction_bruteforce", "centering_coefficients"]


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
    """prod_{m in S} f^m of factors in broadcast layout (1 for the empty set)."""
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
    factors = broadcast_layout(features)
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
    I \\ J exactly. Each G_J is in broadcast layout over the modalities outside J.
    """
    check_factors(features)
    factors = broadcast_layout(features)
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
