"""A multimodal data set held in memory: one tensor per modality, labels, splits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import torch
from torch import Tensor

__all__ = ["MultimodalData", "Splits", "split_indices", "random_splits", "balanced_class_weights", "Task"]

Task = Literal["binary", "multiclass", "regression"]


@dataclass
class MultimodalData:
    """`modalities[m]` has shape (n, ...) for every m; `labels` has shape (n,)."""

    name: str
    modalities: list[Tensor]
    labels: Tensor
    modality_names: list[str]
    task: Task
    n_classes: int = 2
    class_weights: Tensor | None = None  # multiclass loss weights, (n_classes,); None: unweighted

    def __post_init__(self) -> None:
        n = self.labels.shape[0]
        sizes = [x.shape[0] for x in self.modalities]
        if any(s != n for s in sizes):
            raise ValueError(f"{self.name}: modalities have {sizes} samples but there are {n} labels")
        if len(self.modality_names) != len(self.modalities):
            raise ValueError(f"{self.name}: {len(self.modalities)} modalities, {len(self.modality_names)} names")

    def __len__(self) -> int:
        return self.labels.shape[0]

    @property
    def output_dim(self) -> int:
        """Network outputs: one logit for binary tasks and regression, one per class otherwise."""
        return self.n_classes if self.task == "multiclass" else 1

    def subset(self, index: Tensor) -> MultimodalData:
        return replace(self, modalities=[x[index] for x in self.modalities], labels=self.labels[index])

    def select(self, modalities: Sequence[int]) -> MultimodalData:
        """Keep only the given modalities (1-based positions), e.g. for a unimodal model."""
        keep = [m - 1 for m in modalities]
        return replace(
            self, modalities=[self.modalities[m] for m in keep], modality_names=[self.modality_names[m] for m in keep]
        )

    def to(self, device: str | torch.device) -> MultimodalData:
        weights = None if self.class_weights is None else self.class_weights.to(device)
        return replace(
            self,
            modalities=[x.to(device) for x in self.modalities],
            labels=self.labels.to(device),
            class_weights=weights,
        )


Splits = dict[str, MultimodalData]  # "train", "val", "test"


def random_splits(data: MultimodalData, fractions: Sequence[float] = (0.75, 0.125, 0.125), seed: int = 0) -> Splits:
    """`data` cut into disjoint random train / val / test parts (see `split_indices`)."""
    return {k: data.subset(v) for k, v in split_indices(len(data), fractions, seed).items()}


def balanced_class_weights(labels: Tensor, n_classes: int) -> Tensor:
    """Weights n / (n_classes * count_c), so that every class weighs the same in the loss
    (classes absent from `labels` get weight 0)."""
    counts = torch.bincount(labels.long(), minlength=n_classes).float()
    return torch.where(counts > 0, len(labels) / (n_classes * counts.clamp(min=1)), torch.zeros_like(counts))


def split_indices(n: int, fractions: Sequence[float] = (0.75, 0.125, 0.125), seed: int = 0) -> dict[str, Tensor]:
    """Disjoint random train / validation / test indices in the given proportions."""
    if len(fractions) != 3 or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"need three positive split fractions summing to 1, got {list(fractions)}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_train, n_val = round(fractions[0] * n), round(fractions[1] * n)
    return {"train": order[:n_train], "val": order[n_train : n_train + n_val], "test": order[n_train + n_val :]}
