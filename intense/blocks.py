"""Blocks of a fused model: which modalities and interactions there are, and their names.

A *block* is one modality m or one interaction I (a set of two or more modalities). Its name
joins the modality names with "x": "1", "2", "1x2", "1x2x3" (or "t", "a", "txa" with named
modalities). Every model that scores blocks (InTense, MNL, MultiRoute) names them here, so
that relevance dictionaries of different methods share their keys.

An interaction is written by the user as "12", "1x3", "1x10" (1-based positions), as a
tuple of positions (1, 3), or as a tuple of modality names ("t", "a"); internally it is a
sorted tuple of 0-based positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

__all__ = [
    "InteractionSpec",
    "name_modalities",
    "block_name",
    "split_block",
    "interaction_blocks",
    "parse_interaction",
    "subsets_up_to",
    "resolve_interactions",
]

InteractionSpec = str | Sequence[int | str]


def name_modalities(n: int, names: Sequence[str] | None = None) -> list[str]:
    """`names`, checked to be n distinct strings; by default "1", "2", ..., "n"."""
    if n < 1:
        raise ValueError("at least one modality is needed")
    resolved = [str(i + 1) for i in range(n)] if names is None else [str(x) for x in names]
    if len(resolved) != n or len(set(resolved)) != n:
        raise ValueError(f"need {n} distinct modality names, got {resolved}")
    return resolved


def block_name(names: Sequence[str], subset: Sequence[int]) -> str:
    """The block of the modalities at 0-based `subset`: "2" or "1x2x3"."""
    return "x".join(names[m] for m in subset)


def split_block(name: str, modalities: Sequence[str]) -> list[str]:
    """The modality names that `name` joins with "x" ("1x2" -> ["1", "2"]), or [] if it is no
    such join; a modality's own name splits into itself."""
    if name in modalities:
        return [name]
    for m in modalities:
        if name.startswith(m + "x") and (rest := split_block(name[len(m) + 1 :], modalities)):
            return [m, *rest]
    return []


def interaction_blocks(blocks: Sequence[str]) -> list[str]:
    """The interaction blocks among `blocks`, named by `block_name` in a model's order (every
    modality first): those that join two or more of the modalities' names with "x". A modality
    whose own name holds an "x" (UCI mfeat's "pix") stays a modality."""
    modalities: list[str] = []
    interactions = []
    for block in blocks:
        (interactions if len(split_block(block, modalities)) >= 2 else modalities).append(block)
    return interactions


def parse_interaction(spec: InteractionSpec) -> tuple[int | str, ...]:
    """ "12" -> (1, 2), "1x10" -> (1, 10), (1, 3) -> (1, 3), ("t", "a") -> ("t", "a").

    A string without "x" is read digit by digit (so "12" is modalities 1 and 2); write
    "1x10" for modality 10. Positions are 1-based and checked against the model later.
    """
    if isinstance(spec, str):
        parts = spec.split("x") if "x" in spec else list(spec)
        if not parts or not all(p.isdigit() for p in parts):
            raise ValueError(f"cannot read interaction {spec!r}: write e.g. 12, 123 or 1x10")
        return tuple(int(p) for p in parts)
    return tuple(spec)


def subsets_up_to(n: int, max_order: int, min_order: int = 1) -> list[tuple[int, ...]]:
    """Every subset of range(n) with min_order..max_order elements, by order, then
    lexicographically: (0,), (1,), .., (0, 1), (0, 2), .., (0, 1, 2), .."""
    if not 1 <= max_order <= n:
        raise ValueError(f"max_order must lie in 1..{n} (the number of modalities), got {max_order}")
    return [s for k in range(min_order, max_order + 1) for s in combinations(range(n), k)]


def resolve_interactions(
    names: Sequence[str],
    interactions: Sequence[InteractionSpec] | None = None,
    max_order: int | None = None,
) -> list[tuple[int, ...]]:
    """Interactions as sorted tuples of 0-based modality positions.

    Without `interactions`, every subset of order 2..max_order (max_order defaults to the
    number of modalities, i.e. all interactions). Otherwise each spec is read by
    `parse_interaction`; its items are 1-based positions or modality names.
    """
    n = len(names)
    if interactions is None:
        return subsets_up_to(n, n if max_order is None else int(max_order), min_order=2)
    if max_order is not None:
        raise ValueError("give either an explicit list of interactions or max_order, not both")
    resolved: list[tuple[int, ...]] = []
    for spec in interactions:
        items = parse_interaction(spec)
        positions = []
        for item in items:
            if isinstance(item, str) and item in names:
                positions.append(list(names).index(item))
            elif isinstance(item, int) and 1 <= item <= n:
                positions.append(item - 1)
            else:
                raise ValueError(
                    f"unknown modality {item!r} in interaction {spec!r}: use 1-based "
                    f"positions 1..{n} or names {list(names)}"
                )
        subset = tuple(sorted(set(positions)))
        if len(subset) < 2 or len(subset) != len(positions):
            raise ValueError(f"interaction {spec!r} needs two or more distinct modalities")
        if subset in resolved:
            raise ValueError(f"interaction {spec!r} is listed twice")
        resolved.append(subset)
    return resolved
