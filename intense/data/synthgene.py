"""SynthGene and SynthGene-Tri (App. C): DNA-like sequences with informative 7-mers.

Every modality of a sample is a uniformly random sequence over {A, C, G, T} of length 100.
An informative 7-mer, ACGTAGC or GATGTAC, is written over it at a uniformly random position.

- SynthGene (C.1): the 7-mer is class specific (ACGTAGC for class 1, GATGTAC for class 0) and is
  inserted into modality m with probability p_m, independently across modalities.
- SynthGene-Tri (C.2) and its generalisation: the 7-mer is not class specific; each
  *interacting* modality carries one (either 7-mer, at random) or not, and the label is the
  parity (XOR) of "carries a 7-mer" over the interacting modalities. Other modalities carry none.

Labels are exactly balanced. Sequences are one-hot encoded in one vectorised step into float
tensors of shape (n, 4, length), one per modality.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.nn.functional import one_hot

from .base import MultimodalData

__all__ = ["ALPHABET", "MOTIFS", "SYNTHGENE_P", "SYNTHGENE_MODALITIES", "synthgene", "synthgene_parity", "encode"]

ALPHABET = "ACGT"
MOTIFS = {1: "ACGTAGC", 0: "GATGTAC"}  # class-specific 7-mers of SynthGene
SYNTHGENE_P = {2: 0.2, 4: 0.3, 7: 0.5}  # App. C.1: insertion probability per modality (1-based)
SYNTHGENE_MODALITIES = 10  # App. C.1: SynthGene's modalities


def _codes(motif: str) -> np.ndarray:
    return np.array([ALPHABET.index(c) for c in motif], dtype=np.uint8)


def _balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    labels = np.arange(n) % 2  # exactly n/2 of each class (n odd: one extra 0)
    rng.shuffle(labels)
    return labels


def _insert(sequences: np.ndarray, rows: np.ndarray, motifs: np.ndarray, rng: np.random.Generator) -> None:
    """Write motifs[i] (k, 7) over sequences[rows[i]] at a random position, in place."""
    length, width = sequences.shape[1], motifs.shape[1]
    start = rng.integers(0, length - width + 1, size=len(rows))  # (k,)
    columns = start[:, None] + np.arange(width)  # (k, 7)
    sequences[rows[:, None], columns] = motifs


def encode(sequences: np.ndarray) -> torch.Tensor:
    """One-hot encode a whole (n, length) array of codes 0..3 at once: (n, 4, length) float."""
    return one_hot(torch.from_numpy(sequences).long(), len(ALPHABET)).permute(0, 2, 1).float().contiguous()


def _check(n: int, n_modalities: int, length: int) -> None:
    if n < 2 or n_modalities < 1 or length < 7:
        raise ValueError(f"need n >= 2, n_modalities >= 1 and length >= 7, got {n}, {n_modalities}, {length}")


def synthgene(
    n: int = 10_000,
    n_modalities: int = SYNTHGENE_MODALITIES,
    p: dict[int, float] | None = None,
    length: int = 100,
    seed: int = 0,
) -> MultimodalData:
    """SynthGene (App. C.1). `p` maps 1-based modality -> insertion probability (default:
    0.2 for M2, 0.3 for M4, 0.5 for M7, 0 elsewhere; those beyond n_modalities are dropped)."""
    _check(n, n_modalities, length)
    if p is None:  # the paper's probabilities, for the modalities that exist
        p = {m: q for m, q in SYNTHGENE_P.items() if m <= n_modalities}
    if any(not 1 <= m <= n_modalities or not 0 <= q <= 1 for m, q in p.items()):
        raise ValueError(f"p must map modalities 1..{n_modalities} to probabilities in [0, 1], got {p}")
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n, rng)
    motif_of_label = np.stack([_codes(MOTIFS[0]), _codes(MOTIFS[1])])  # (2, 7)
    modalities = []
    for m in range(1, n_modalities + 1):
        sequences = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
        rows = np.flatnonzero(rng.random(n) < p.get(m, 0.0))
        _insert(sequences, rows, motif_of_label[labels[rows]], rng)
        modalities.append(encode(sequences))
    return MultimodalData(
        "synthgene",
        modalities,
        torch.from_numpy(labels).float(),
        [str(m) for m in range(1, n_modalities + 1)],
        "binary",
    )


def synthgene_parity(
    n: int = 10_000,
    n_modalities: int = 3,
    interacting: Sequence[int] = (1, 2),
    length: int = 100,
    seed: int = 0,
) -> MultimodalData:
    """SynthGene-Tri (App. C.2) for the defaults; in general the label is the parity of "carries
    a 7-mer" over the `interacting` modalities (1-based), e.g. (1, 2, 3) with n_modalities=4."""
    _check(n, n_modalities, length)
    interacting = sorted(set(interacting))
    if not interacting or any(not 1 <= m <= n_modalities for m in interacting):
        raise ValueError(f"interacting modalities must lie in 1..{n_modalities}, got {list(interacting)}")
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n, rng)
    # carry bits: uniform over the patterns whose parity is the label
    carries = rng.integers(0, 2, size=(n, len(interacting)))
    carries[:, -1] = (labels + carries[:, :-1].sum(axis=1)) % 2
    motifs = np.stack([_codes(MOTIFS[0]), _codes(MOTIFS[1])])
    modalities = []
    for m in range(1, n_modalities + 1):
        sequences = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
        if m in interacting:
            rows = np.flatnonzero(carries[:, interacting.index(m)])
            _insert(sequences, rows, motifs[rng.integers(0, 2, size=len(rows))], rng)
        modalities.append(encode(sequences))
    name = "synthgene-tri" if (n_modalities, interacting) == (3, [1, 2]) else "synthgene-parity"
    return MultimodalData(
        name, modalities, torch.from_numpy(labels).float(), [str(m) for m in range(1, n_modalities + 1)], "binary"
    )
