"""MultiBench's affect data (App. D): CMU-MOSI, CMU-MOSEI, UR-FUNNY (humor), MUStARD
(sarcasm), read from the pickles MultiBench distributes.

A file is a pickle of {"train", "valid", "test"} -> {"vision": (N, T, Dv), "audio": (N, T, Da),
"text": (N, T, Dt), "labels": ..., optionally "id"}; sequences are zero-padded at the front.
Following MultiBench's preprocessing, -inf (and any other non-finite) features are set to 0
and samples whose text is all zero are dropped; both fix-ups are logged. Labels: MOSI/MOSEI
sentiment in [-3, 3] (regression, trained with L1); humor/sarcasm 0/1 (binary).
Feature sizes and sample counts are read from the file, never assumed.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from .base import MultimodalData, Splits
from .files import data_root, require
from .safe_pickle import safe_load

__all__ = ["AFFECT_FILES", "load_affect", "MODALITIES"]

log = logging.getLogger("intense.data")

MODALITIES = ("vision", "audio", "text")  # MultiBench's order; block names v, a, t
SPLITS = {"train": "train", "val": "valid", "test": "test"}
# dataset -> (file names to try, task)
AFFECT_FILES = {
    "mosi": (("mosi_raw.pkl", "mosi_data.pkl"), "regression"),
    "mosei": (("mosei_senti_data.pkl", "mosei_raw.pkl"), "regression"),
    "humor": (("humor.pkl",), "binary"),
    "sarcasm": (("sarcasm.pkl",), "binary"),
}
WHERE = (
    "MultiBench distributes the affect pickles (see the 'Affective computing' section of "
    "https://github.com/pliang279/MultiBench)."
)


def _features(split: dict, key: str, name: str) -> np.ndarray:
    if key not in split:
        raise ValueError(
            f"{name}: the split has no {key!r} entry (keys: {sorted(split)}); is this a MultiBench affect file?"
        )
    x = np.asarray(split[key], dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"{name}: {key!r} must be (samples, steps, features), got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        log.warning("%s: set %d non-finite %s values (-inf/inf/NaN) to 0, as MultiBench does", name, bad.sum(), key)
        x[bad] = 0.0
    return x


def _labels(raw: np.ndarray, task: str, name: str) -> torch.Tensor:
    y = np.asarray(raw, dtype=np.float32).reshape(len(raw), -1)[:, 0]  # (N, 1, 1) or (N,) -> (N,)
    if not np.isfinite(y).all():
        raise ValueError(f"{name}: labels contain NaN or inf")
    if task == "binary":
        if not set(np.unique(y)) <= {-1.0, 0.0, 1.0}:
            raise ValueError(f"{name}: binary labels must be 0/1 (or -1/1), got values {np.unique(y)[:5]}")
        y = (y > 0).astype(np.float32)
    return torch.from_numpy(y)


def _split(split: dict, task: str, name: str) -> MultimodalData:
    arrays = [_features(split, key, name) for key in MODALITIES]
    if "labels" not in split:
        raise ValueError(f"{name}: the split has no 'labels' entry (keys: {sorted(split)})")
    labels = np.asarray(split["labels"])
    counts = [len(a) for a in arrays] + [len(labels)]
    if len(set(counts)) != 1:
        raise ValueError(f"{name}: vision, audio, text and labels have different sample counts {counts}")
    keep = np.abs(arrays[2]).sum(axis=(1, 2)) > 0  # MultiBench drops samples with all-zero text
    if not keep.all():
        log.warning("%s: dropped %d samples whose text is all zero", name, (~keep).sum())
    return MultimodalData(
        name, [torch.from_numpy(a[keep]) for a in arrays], _labels(labels[keep], task, name), ["v", "a", "t"], task
    )  # type: ignore[arg-type]


def load_affect(dataset: str, root: str | None = None) -> Splits:
    """The train / val / test splits of one MultiBench affect data set."""
    if dataset not in AFFECT_FILES:
        raise ValueError(f"unknown affect data set {dataset!r}; choose from {sorted(AFFECT_FILES)}")
    names, task = AFFECT_FILES[dataset]
    folder = data_root(root)
    found = [folder / n for n in names if (folder / n).exists()]
    path = found[0] if found else require(folder / names[0], f"{dataset} data ({' or '.join(names)})", WHERE)
    content = safe_load(path)
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected a dict of splits, got {type(content).__name__}")
    splits = {}
    for ours, theirs in SPLITS.items():
        if theirs not in content:
            raise ValueError(f"{path}: no {theirs!r} split (keys: {sorted(content)})")
        splits[ours] = _split(content[theirs], task, f"{dataset}/{theirs}")
    return splits
