"""ENRICO (Leiva et al. 2020): mobile UI screens in 20 design topics, two image modalities
(screenshot, wireframe) as in MultiBench.

Layout under the data root: enrico/design_topics.csv (screen_id,topic),
enrico/screenshots/{id}.jpg, enrico/wireframes/{id}.png. Two genuine files are empty
(wireframes 50105 and 50109); unreadable screens are skipped with a logged warning, as
MultiBench skips those two ids. Images are resized to `size` (H, W), scaled to [0, 1].
Split: 65 / 15 / 20 at random with a fixed seed, and the test split is really the test
split (MultiBench's ENRICO test loader returns the training data). The topics are very
imbalanced (265 "list" screens, 6 "calculator"): the loss is class weighted with weights
from the training split (`balanced_class_weights`), in place of MultiBench's weighted sampler.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from .base import MultimodalData, Splits, balanced_class_weights, random_splits
from .files import cached, data_root, require

__all__ = ["load_enrico", "ENRICO_SPLIT"]

log = logging.getLogger("intense.data")

ENRICO_SPLIT = (0.65, 0.15, 0.20)
WHERE = "ENRICO is at https://userinterfaces.aalto.fi/enrico/ (design_topics.csv, screenshots/, wireframes/)."


def _read_topics(folder: Path) -> list[tuple[str, str]]:
    path = require(folder / "design_topics.csv", "ENRICO's topic list", WHERE)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"screen_id", "topic"} <= set(rows[0]):
        raise ValueError(f"{path} must have the columns screen_id,topic")
    return [(r["screen_id"], r["topic"]) for r in rows]


def _image(path: Path, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            resized = image.convert("RGB").resize((size[1], size[0]), Image.Resampling.BILINEAR)
    except (OSError, UnidentifiedImageError) as err:
        raise ValueError(f"unreadable image {path}: {err}") from err
    return np.asarray(resized, dtype=np.uint8).transpose(2, 0, 1)  # (3, H, W)


def _build(folder: Path, rows: list[tuple[str, str]], size: tuple[int, int]) -> dict:
    topics = sorted({t for _, t in rows})
    screenshots, wireframes, labels, skipped = [], [], [], []
    for screen_id, topic in rows:
        try:
            shot = _image(folder / "screenshots" / f"{screen_id}.jpg", size)
            wire = _image(folder / "wireframes" / f"{screen_id}.png", size)
        except (ValueError, FileNotFoundError) as err:
            skipped.append(screen_id)
            log.warning("ENRICO: skipping screen %s (%s)", screen_id, err)
            continue
        screenshots.append(shot)
        wireframes.append(wire)
        labels.append(topics.index(topic))
    if not labels:
        raise ValueError(f"no readable ENRICO screen under {folder}")
    return {
        "screenshot": torch.from_numpy(np.stack(screenshots)),
        "wireframe": torch.from_numpy(np.stack(wireframes)),
        "labels": torch.tensor(labels),
        "topics": topics,
        "skipped": skipped,
    }


def load_enrico(root: str | None = None, size: tuple[int, int] = (64, 32), seed: int = 0) -> Splits:
    """ENRICO's train / val / test splits (65 / 15 / 20), images (n, 3, H, W) in [0, 1]."""
    folder = data_root(root) / "enrico"
    rows = _read_topics(folder)
    sources = [folder / "design_topics.csv", folder / "screenshots", folder / "wireframes"]
    built = cached(f"enrico-{size[0]}x{size[1]}", sources, lambda: _build(folder, rows, size))
    if built["skipped"]:
        log.warning("ENRICO: %d unreadable screens skipped: %s", len(built["skipped"]), ", ".join(built["skipped"]))
    images = [built["screenshot"].float() / 255, built["wireframe"].float() / 255]  # (n, 3, H, W)
    data = MultimodalData(
        "enrico", images, built["labels"], ["screenshot", "wireframe"], "multiclass", n_classes=len(built["topics"])
    )
    splits = random_splits(data, ENRICO_SPLIT, seed)
    weights = balanced_class_weights(splits["train"].labels, data.n_classes)
    return {k: replace(v, class_weights=weights) for k, v in splits.items()}
