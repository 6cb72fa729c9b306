"""ENRICO (Leiva et al. 2020): mobile UI screens in 20 design topics, two image modalities
(screenshot, wireframe) as in MultiBench.

Layout under the data root: enrico/design_topics.csv (screen_id,topic),
enrico/screenshots/{id}.jpg, enrico/wireframes/{id}.png. Two genuine files are empty
(wireframes 50105 and 50109); unreadable screens are skipped with a logged warning, as
MultiBench skips those two ids. Images are resized to `size` (H, W), scaled to [0, 1].

Splits (`ENRICO_SPLITS`):

- "multibench" (the default): MultiBench's screens exactly (`datasets/enrico/get_data.py`,
  the loader behind the paper's ENRICO numbers): the rows of design_topics.csv in file order
  without 50105 and 50109, their positions shuffled by Python's `random.Random(42)`, cut at
  int(0.65 n) and int(0.80 n): 947 / 219 / 292 screens (`multibench_split`);
- "seeded": 65 / 15 / 20 at random with torch's generator at `seed` (the book's split before
  it followed MultiBench: 948 / 219 / 291).

Either way the test split is really the test split (MultiBench's ENRICO test loader of
commit 52a293d returns the training data; Table 1's chapter reads what it would print off each run
record's training accuracy).
The topics are very imbalanced (265 "list" screens, 6 "calculator"): every split carries the
training split's balanced class weights (`balanced_class_weights`); a run balances the classes
with them in the loss, or samples training screens with probability 1 / class count as
MultiBench's `WeightedRandomSampler` does (`RunConfig.class_balance`).
"""

from __future__ import annotations

import csv
import logging
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from .base import MultimodalData, Splits, balanced_class_weights, random_splits
from .files import cached, data_root, require

__all__ = ["load_enrico", "ENRICO_SPLIT", "ENRICO_SPLITS", "MULTIBENCH_IGNORED", "multibench_split"]

log = logging.getLogger("intense.data")

ENRICO_SPLIT = (0.65, 0.15, 0.20)
ENRICO_SPLITS = ("multibench", "seeded")
MULTIBENCH_IGNORED = ("50105", "50109")  # MultiBench's list of screens with corrupted wireframes
MULTIBENCH_SEED = 42
WHERE = "ENRICO is at https://userinterfaces.aalto.fi/enrico/ (design_topics.csv, screenshots/, wireframes/)."


def _read_topics(folder: Path) -> list[tuple[str, str]]:
    path = require(folder / "design_topics.csv", "ENRICO's topic list", WHERE)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"screen_id", "topic"} <= set(rows[0]):
        raise ValueError(f"{path} must have the columns screen_id,topic")
    return [(r["screen_id"], r["topic"]) for r in rows]


def multibench_split(screen_ids: list[str]) -> dict[str, list[str]]:
    """MultiBench's ENRICO split of the screens listed in design_topics.csv (in file order):
    {"train", "val", "test"} -> screen ids.

    The ignored screens are dropped, the positions 0..n-1 of the others shuffled with
    `random.Random(42)`, and cut at int(0.65 n) and int(0.80 n) (n = 1458: 947 / 219 / 292)."""
    kept = [s for s in screen_ids if s not in MULTIBENCH_IGNORED]
    positions = list(range(len(kept)))
    random.Random(MULTIBENCH_SEED).shuffle(positions)
    train, val, _ = ENRICO_SPLIT
    cut_val, cut_test = int(len(kept) * train), int(len(kept) * (train + val))
    parts = {"train": positions[:cut_val], "val": positions[cut_val:cut_test], "test": positions[cut_test:]}
    return {name: [kept[i] for i in part] for name, part in parts.items()}


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
    screenshots, wireframes, labels, kept, skipped = [], [], [], [], []
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
        kept.append(screen_id)
    if not labels:
        raise ValueError(f"no readable ENRICO screen under {folder}")
    return {
        "screenshot": torch.from_numpy(np.stack(screenshots)),
        "wireframe": torch.from_numpy(np.stack(wireframes)),
        "labels": torch.tensor(labels),
        "topics": topics,
        "screen_ids": kept,
        "skipped": skipped,
    }


def load_enrico(
    root: str | None = None, size: tuple[int, int] = (64, 32), split: str = "multibench", seed: int = 0
) -> Splits:
    """ENRICO's train / val / test splits (65 / 15 / 20; `split`: "multibench" or "seeded" at
    `seed`, see the module docstring), images (n, 3, H, W) in [0, 1]."""
    if split not in ENRICO_SPLITS:
        raise ValueError(f"unknown ENRICO split {split!r}: use one of {list(ENRICO_SPLITS)}")
    folder = data_root(root) / "enrico"
    rows = _read_topics(folder)
    sources = [folder / "design_topics.csv", folder / "screenshots", folder / "wireframes"]
    built = cached(f"enrico-v2-{size[0]}x{size[1]}", sources, lambda: _build(folder, rows, size))
    if built["skipped"]:
        log.warning("ENRICO: %d unreadable screens skipped: %s", len(built["skipped"]), ", ".join(built["skipped"]))
    images = [built["screenshot"].float() / 255, built["wireframe"].float() / 255]  # (n, 3, H, W)
    data = MultimodalData(
        "enrico", images, built["labels"], ["screenshot", "wireframe"], "multiclass", n_classes=len(built["topics"])
    )
    if split == "seeded":
        splits = random_splits(data, ENRICO_SPLIT, seed)
    else:  # MultiBench's screens; one that could not be read here is left out of its split
        position = {screen_id: i for i, screen_id in enumerate(built["screen_ids"])}
        parts = multibench_split([screen_id for screen_id, _ in rows])
        splits = {
            name: data.subset(torch.tensor([position[s] for s in ids if s in position], dtype=torch.long))
            for name, ids in parts.items()
        }
    weights = balanced_class_weights(splits["train"].labels, data.n_classes)
    return {k: replace(v, class_weights=weights) for k, v in splits.items()}
