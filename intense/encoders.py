"""Modality encoders: any nn.Module mapping one modality's input to (B, d_m) will do.

Each encoder here exposes `out_features` (d_m) so that MNL / InTense can size their blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

__all__ = ["MLPEncoder"]


class MLPEncoder(nn.Module):
    """Flatten, then Linear -> ReLU for each hidden size, then Linear to `out_features`."""

    def __init__(self, in_features: int, out_features: int, hidden: Sequence[int] = (64,)) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1 or any(h < 1 for h in hidden):
            raise ValueError(
                f"MLPEncoder sizes must be >= 1, got in={in_features}, hidden={list(hidden)}, "
                f"out={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:  # (B, in_features) -> (B, out_features)
        return self.net(x)
