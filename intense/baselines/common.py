"""Pieces the baselines share: encoders applied per modality, subsets, a small MLP."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from torch import Tensor, nn

from ..model_base import MultimodalModel

__all__ = ["EncodedModel", "mlp", "subsets_up_to"]


def mlp(in_features: int, hidden: int, out_features: int, dropout: float = 0.0) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, out_features))


def subsets_up_to(n: int, max_order: int) -> list[tuple[int, ...]]:
    """Every subset of range(n) with 1..max_order elements, by order: (0,), (1,), .., (0, 1), .."""
    if not 1 <= max_order <= n:
        raise ValueError(f"max_order must lie in 1..{n} (the number of modalities), got {max_order}")
    return [s for k in range(1, max_order + 1) for s in combinations(range(n), k)]


class EncodedModel(MultimodalModel):
    """A model whose first stage is one encoder per modality with `out_features`."""

    def __init__(self, encoders: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(encoders) == 0:
            raise ValueError("at least one modality encoder is needed")
        self.encoders = nn.ModuleList(encoders)
        try:
            self.dims = [int(e.out_features) for e in encoders]
        except AttributeError as err:
            raise ValueError("baseline encoders need an `out_features` attribute") from err

    def encode(self, inputs: Sequence[Tensor]) -> list[Tensor]:
        if len(inputs) != len(self.encoders):
            raise ValueError(f"expected {len(self.encoders)} modality inputs, got {len(inputs)}")
        return [encoder(x) for encoder, x in zip(self.encoders, inputs)]  # each (B, d_m)
