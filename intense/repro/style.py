"""One display name and one colour per method, for every table and figure of the book."""

from __future__ import annotations

__all__ = ["METHOD_NAMES", "METHOD_COLOURS", "display_name", "palette"]

# code name (RunConfig.model) -> the name the book shows
METHOD_NAMES = {
    "lf-concat": "LF-Concat",
    "tfn": "TF Network",
    "mult": "MulT",
    "multiroute": "MultiRoute",
    "mro": "MRO",
    "mnl": "MNL",
    "intense": "InTense",
    "intense-naive": "InTense, naive normalisation",
    "intense-naive-pairwise": "InTense, iterated pairwise VBN",
    "intense-plain": "InTense, no normalisation",
    "unimodal": "unimodal",
}

# InTense is blue in every figure; its ablations in warm colours; baselines in greys and greens
METHOD_COLOURS = {
    "InTense": "#1f77b4",
    "InTense, naive normalisation": "#ff7f0e",
    "InTense, iterated pairwise VBN": "#d62728",
    "InTense, no normalisation": "#8c564b",
    "MNL": "#17becf",
    "MultiRoute": "#2ca02c",
    "MRO": "#98df8a",
    "LF-Concat": "#7f7f7f",
    "TF Network": "#c7c7c7",
    "MulT": "#9467bd",
    "unimodal": "#bcbd22",
}


def display_name(method: str) -> str:
    """The book's name of a method given by its code name (unknown names pass through)."""
    return METHOD_NAMES.get(method, method)


def palette(names) -> dict[str, str] | None:
    """Colours for these display names, or None (seaborn's defaults) if any is unknown."""
    names = list(dict.fromkeys(names))
    return {n: METHOD_COLOURS[n] for n in names} if all(n in METHOD_COLOURS for n in names) else None
