"""Every data set by name: how to load its train / val / test splits, and its default encoder.

A loader reads the settings it needs (sample count, modalities, split seed, data root) from
a run configuration; see `intense.runs.config.RunConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .affect import AFFECT_FILES, load_affect
from .avmnist import AVMNIST_REBUILT_SPLITS, load_avmnist, load_avmnist_rebuilt
from .base import Splits, random_splits
from .enrico import ENRICO_SPLITS, load_enrico
from .mfeat import load_mfeat
from .synthgene import synthgene, synthgene_parity

__all__ = ["DATASETS", "DATASET_SPLITS", "RESIZABLE", "parse_image_size", "load_splits", "default_encoder"]

Loader = Callable[[Any], Splits]  # a RunConfig -> {"train", "val", "test"}


def _synthgene(config: Any) -> Splits:
    return random_splits(
        synthgene(config.n_samples, config.n_modalities or 10, seed=config.data_seed), seed=config.data_seed
    )


def _synthgene_parity(config: Any) -> Splits:
    data = synthgene_parity(
        config.n_samples, config.n_modalities or 3, config.interacting or (1, 2), seed=config.data_seed
    )
    return random_splits(data, seed=config.data_seed)


def parse_image_size(spec: str) -> tuple[int, int]:
    """ "256x128" -> (256, 128): an image size as HEIGHTxWIDTH, both positive."""
    height, sep, width = spec.lower().partition("x")
    if not (sep and height.isdigit() and width.isdigit() and int(height) > 0 and int(width) > 0):
        raise ValueError(f"image size {spec!r} must be HEIGHTxWIDTH in pixels, e.g. 256x128")
    return int(height), int(width)


def _enrico(config: Any) -> Splits:
    size = {} if config.image_size is None else {"size": parse_image_size(config.image_size)}
    return load_enrico(config.data_root, split=config.split or ENRICO_SPLITS[0], seed=config.data_seed, **size)


def _avmnist_rebuilt(config: Any) -> Splits:
    split = config.split or AVMNIST_REBUILT_SPLITS[0]
    return load_avmnist_rebuilt(config.data_root, split=split, seed=config.data_seed)


def _affect(name: str) -> Loader:
    return lambda config: load_affect(name, config.data_root)


# dataset name -> (loader returning train / val / test, default encoder)
DATASETS: dict[str, tuple[Loader, str]] = {
    "synthgene": (_synthgene, "sequence-cnn"),
    "synthgene-tri": (_synthgene_parity, "sequence-cnn"),
    "synthgene-parity": (_synthgene_parity, "sequence-cnn"),  # the same, named for other --interacting
    "enrico": (_enrico, "lenet"),
    "avmnist-rebuilt": (_avmnist_rebuilt, "lenet"),
    "avmnist": (lambda c: load_avmnist(c.data_root), "lenet"),
    "mfeat": (lambda c: load_mfeat(seed=c.data_seed), "mlp"),
    **{name: (_affect(name), "gru") for name in AFFECT_FILES},
}


# the data sets that can be split in more than one way (`RunConfig.split`), their own way first
DATASET_SPLITS: dict[str, tuple[str, ...]] = {"enrico": ENRICO_SPLITS, "avmnist-rebuilt": AVMNIST_REBUILT_SPLITS}

# the data sets whose images are resized as they load (`RunConfig.image_size`)
RESIZABLE = ("enrico",)


def load_splits(config: Any) -> Splits:
    """The splits of `config.dataset`, as its settings ask."""
    return DATASETS[config.dataset][0](config)


def default_encoder(dataset: str) -> str:
    return DATASETS[dataset][1]
