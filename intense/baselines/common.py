"""A piece the baselines share: a small MLP head."""

from __future__ import annotations

from torch import nn

__all__ = ["mlp"]


def mlp(in_features: int, hidden: int, out_features: int, dropout: float = 0.0) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, out_features)
    )
