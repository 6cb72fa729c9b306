"""One display name and one colour per method, one name per data set, and one way of writing a
block, for every table and figure of the book."""

from __future__ import annotations

from collections.abc import Iterable

from ..blocks import interaction_blocks, split_block
from ..runs.factory import ENCODERS, MODELS

__all__ = [
    "METHOD_NAMES",
    "METHOD_COLOURS",
    "DATASET_NAMES",
    "ENCODER_NAMES",
    "AGGREGATION_NAMES",
    "REGIME_NAMES",
    "LEARNING_NAMES",
    "display_name",
    "dataset_name",
    "block_label",
    "block_labels",
    "modality_label",
    "palette",
]

# code name (RunConfig.model, and the toy's raw-product variant of suites.BIAS_VARIANTS) -> the
# name the book shows
METHOD_NAMES = {name: method.display for name, method in MODELS.items()} | {
    "intense-plain": "InTense, no normalisation"
}

# InTense is blue in every figure; its ablations in warm colours; baselines in greys and greens
METHOD_COLOURS = {
    "InTense": "#1f77b4",
    "InTense, all-factor VBN": "#ff7f0e",
    "InTense, iterated pairwise VBN": "#d62728",
    "InTense, no normalisation": "#8c564b",
    "MNL": "#17becf",
    "MultiRoute": "#2ca02c",
    "MRO": "#e377c2",
    "LF-Concat": "#636363",
    "TF Network": "#bdbdbd",
    "MulT": "#9467bd",
    "unimodal": "#bcbd22",
}


# MultiRoute's aggregations of its routing coefficients (intense.baselines.routing.AGGREGATIONS)
AGGREGATION_NAMES = {
    "paper": "App. F.3's average",
    "label": "routing to the label's concept",
    "activation": "activation-weighted",
    "contribution": "contribution to the class",
}

# Fig. 7's regimes of the fusion layer (intense.repro.suites.FIG7_REGIMES)
REGIME_NAMES = {
    "eq3-penalty": "eq. 3's penalty",
    "authors-code": "authors' code (no penalty, decay 0.01)",
}

# the learning chapter's settings and arms (intense.repro.suites.LEARNING_SETTINGS, LEARNING_ARMS)
LEARNING_NAMES = {
    "parity12-m4-order4": "4 modalities, every order up to 4",
    "parity12-m5-order3": "5 modalities, every order up to 3",
    "batch-mean-lambda": "\u039b on the batch-mean loss",
    "equal-norm": "\u039b on the batch-mean loss, equal initial block norms",
    "eq3-lambda": "\u039b as eq. 3 writes it (summed loss)",
}

# code name (RunConfig.encoder, intense.data.registry) -> the name the book shows
ENCODER_NAMES = {name: encoder.display for name, encoder in ENCODERS.items()}

# code name (RunConfig.dataset) -> the name the book shows
DATASET_NAMES = {
    "synthgene": "SynthGene",
    "synthgene-tri": "SynthGene-Tri",
    "synthgene-parity": "SynthGene parity",
    "enrico": "ENRICO",
    "avmnist-rebuilt": "AV-MNIST (rebuilt)",
    "mfeat": "UCI mfeat",
    "avmnist": "AV-MNIST",
    "mosi": "CMU-MOSI",
    "mosei": "CMU-MOSEI",
    "humor": "UR-FUNNY",
    "sarcasm": "MUStARD",
}


def dataset_name(dataset: str) -> str:
    """The book's name of a data set given by its code name (unknown names pass through)."""
    return DATASET_NAMES.get(dataset, dataset)


def modality_label(modality: str) -> str:
    """How the book writes one modality: numbered modalities (the synthetic data's "1", "2",
    ...) as M1, M2, ...; named ones as they are."""
    return f"M{modality}" if modality.isdigit() else modality


def block_label(modalities: Iterable[str]) -> str:
    """How the book writes the interaction of these modalities: numbered ones joined by a
    multiplication sign ("M1\u00d7M2", as in the prose), named ones with spaces around it
    ("screenshot \u00d7 wireframe")."""
    labels = [modality_label(m) for m in modalities]
    sign = "\u00d7" if all(m.isdigit() for m in modalities) else " \u00d7 "
    return sign.join(labels)


def block_labels(blocks: Iterable[str]) -> dict[str, str]:
    """How the book writes each of a model's blocks (`modality_label`, `block_label`; mfeat's
    modality "pix" keeps its x). `blocks` are all the blocks of one model, modalities
    included, as `intense.blocks.block_name` writes them."""
    blocks = list(dict.fromkeys(blocks))
    interactions = interaction_blocks(blocks)
    modalities = [b for b in blocks if b not in interactions]
    return {b: block_label(split_block(b, modalities)) if b in interactions else modality_label(b) for b in blocks}


def word_list(items: Iterable) -> str:
    """Items as a sentence lists them: "1", "1 and 2", "0, 1 and 2"."""
    words = [str(item) for item in items]
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def display_name(method: str) -> str:
    """The book's name of a method given by its code name (unknown names pass through)."""
    return METHOD_NAMES.get(method, method)


def palette(names) -> dict[str, str] | None:
    """Colours for these display names, or None (seaborn's defaults) if any is unknown."""
    names = list(dict.fromkeys(names))
    return {n: METHOD_COLOURS[n] for n in names} if all(n in METHOD_COLOURS for n in names) else None
