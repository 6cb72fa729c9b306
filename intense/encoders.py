"""Modality encoders: any nn.Module mapping one modality's input to (B, d_m) will do.

Each encoder here exposes `out_features` (d_m) so that MNL / InTense can size their blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

__all__ = ["MLPEncoder", "SequenceCNN"]


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


class SequenceCNN(nn.Module):
    """1-D convolutions over a one-hot sequence (B, alphabet, length), global max pooling,
    then a linear map to `out_features`: a motif detector for SynthGene's 7-mers."""

    def __init__(
        self, out_features: int = 16, alphabet: int = 4, channels: int = 16, kernel_size: int = 7,
        layers: int = 1,
    ) -> None:
        super().__init__()
        if min(out_features, alphabet, channels, kernel_size, layers) < 1:
            raise ValueError("SequenceCNN sizes must all be >= 1")
        self.out_features = out_features
        convs: list[nn.Module] = []
        width = alphabet
        for _ in range(layers):
            convs += [nn.Conv1d(width, channels, kernel_size, padding=kernel_size // 2), nn.ReLU()]
            width = channels
        self.convs = nn.Sequential(*convs)
        self.out = nn.Linear(channels, out_features)

    def forward(self, x: Tensor) -> Tensor:  # (B, alphabet, length) -> (B, out_features)
        pooled = self.convs(x).amax(dim=2)  # (B, channels, length) -> (B, channels)
        return self.out(pooled)
