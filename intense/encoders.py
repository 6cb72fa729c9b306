"""Modality encoders: any nn.Module mapping one modality's input to (B, d_m) will do.

Each encoder here exposes `out_features` (d_m) so that MNL / InTense can size their blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

__all__ = [
    "MLPEncoder",
    "SequenceCNN",
    "LeNet",
    "GRUEncoder",
    "TransformerEncoder",
    "front_padding_mask",
    "sinusoidal_positions",
    "position_code",
]


def _require_positive(name: str, *sizes: int) -> None:
    if min(sizes) < 1:
        raise ValueError(f"{name} sizes must all be >= 1, got {sizes}")


class MLPEncoder(nn.Module):
    """Flatten, then Linear -> ReLU for each hidden size, then Linear to `out_features`."""

    def __init__(self, in_features: int, out_features: int, hidden: Sequence[int] = (64,)) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1 or any(h < 1 for h in hidden):
            raise ValueError(
                f"MLPEncoder sizes must be >= 1, got in={in_features}, hidden={list(hidden)}, out={out_features}"
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
        self,
        out_features: int = 16,
        alphabet: int = 4,
        channels: int = 16,
        kernel_size: int = 7,
        layers: int = 1,
    ) -> None:
        super().__init__()
        _require_positive("SequenceCNN", out_features, alphabet, channels, kernel_size, layers)
        self.out_features, width = out_features, alphabet
        convs: list[nn.Module] = []
        for _ in range(layers):
            convs += [nn.Conv1d(width, channels, kernel_size, padding=kernel_size // 2), nn.ReLU()]
            width = channels
        self.convs = nn.Sequential(*convs)
        self.out = nn.Linear(channels, out_features)

    def forward(self, x: Tensor) -> Tensor:  # (B, alphabet, length) -> (B, out_features)
        pooled = self.convs(x).amax(dim=2)  # (B, channels, length) -> (B, channels)
        return self.out(pooled)


class LeNet(nn.Module):
    """A LeNet-style CNN for images and spectrograms (B, C, H, W): `layers` times
    [3x3 conv -> ReLU -> 2x2 max pool] with doubling channels, global average pooling,
    then a linear map to `out_features`. `stride=2` makes the first convolution strided,
    which quarters the cost on large inputs such as 112 x 112 spectrograms."""

    def __init__(
        self, in_channels: int, out_features: int, channels: int = 8, layers: int = 3, stride: int = 1
    ) -> None:
        super().__init__()
        _require_positive("LeNet", in_channels, out_features, channels, layers, stride)
        self.out_features, width = out_features, in_channels
        blocks: list[nn.Module] = []
        for i in range(layers):
            conv = nn.Conv2d(width, channels * 2**i, 3, stride=stride if i == 0 else 1, padding=1)
            blocks += [conv, nn.ReLU(), nn.MaxPool2d(2)]
            width = channels * 2**i
        self.convs = nn.Sequential(*blocks)
        self.out = nn.Linear(width, out_features)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) -> (B, out_features)
        return self.out(self.convs(x).mean(dim=(2, 3)))  # (B, C', H', W') -> (B, C')


def front_padding_mask(x: Tensor) -> Tensor:
    """(B, T, D) -> (B, T) bool, True at padding: the all-zero steps *before* a sequence's
    first non-zero step (MultiBench pads its affect sequences at the front). A sequence
    that is all zero keeps its last step, so that every sequence has length >= 1."""
    nonzero = (x != 0).any(dim=2)  # (B, T)
    started = nonzero.cumsum(dim=1) > 0  # (B, T): at or after the first non-zero step
    started[:, -1] = True
    return ~started


class GRUEncoder(nn.Module):
    """BatchNorm over the input features (of real steps only), then a GRU over the packed,
    variable-length sequence; the last hidden state, linearly mapped to `out_features`
    (App. E.2's "GRU with BN"). Lengths come from `front_padding_mask`."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 64) -> None:
        super().__init__()
        _require_positive("GRUEncoder", in_features, out_features, hidden)
        self.out_features = out_features
        self.norm = nn.BatchNorm1d(in_features)
        self.gru = nn.GRU(in_features, hidden, batch_first=True)
        self.out = nn.Linear(hidden, out_features)

    def forward(self, x: Tensor) -> Tensor:  # (B, T, D) -> (B, out_features)
        padding = front_padding_mask(x)  # (B, T)
        lengths = (~padding).sum(dim=1)  # (B,)
        normed = torch.zeros_like(x)
        normed[~padding] = self.norm(x[~padding])  # BN over the (steps, D) of real steps
        # move each sequence's real steps to the front, as packing expects
        shift = padding.sum(dim=1)  # (B,) leading pad steps
        index = (torch.arange(x.shape[1], device=x.device) + shift[:, None]) % x.shape[1]  # (B, T)
        aligned = normed.gather(1, index[:, :, None].expand_as(normed))  # (B, T, D)
        packed = pack_padded_sequence(aligned, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)  # (1, B, hidden)
        return self.out(last[0])


def sinusoidal_positions(length: int, dim: int) -> Tensor:
    """The sine/cosine position code of Vaswani et al. (2017): (length, dim)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (T, 1)
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))  # (dim/2,)
    code = torch.zeros(length, dim)
    code[:, 0::2] = torch.sin(position * frequency)
    code[:, 1::2] = torch.cos(position * frequency)[:, : dim // 2]
    return code


def position_code(padding: Tensor, dim: int) -> Tensor:
    """Sinusoidal codes of positions counted from each sequence's first real step, so that
    front padding does not shift them: (B, T) padding mask -> (B, T, dim)."""
    position = (torch.arange(padding.shape[1], device=padding.device) - padding.sum(dim=1, keepdim=True)).clamp(min=0)
    return sinusoidal_positions(padding.shape[1], dim).to(padding.device)[position]


class TransformerEncoder(nn.Module):
    """Linear projection to d_model, sinusoidal positions, a PyTorch transformer encoder
    (App. F.2: 4 layers, 5 heads) with a key padding mask from `front_padding_mask`, then
    mean pooling over real steps and a linear map to `out_features`."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        d_model: int = 40,
        heads: int = 5,
        layers: int = 4,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")
        self.out_features = out_features
        self.project = nn.Linear(in_features, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout, batch_first=True)
        self.transformer = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(d_model, out_features)

    def forward(self, x: Tensor) -> Tensor:  # (B, T, D) -> (B, out_features)
        padding = front_padding_mask(x)  # (B, T)
        h = self.project(x) + position_code(padding, self.project.out_features)  # (B, T, d)
        h = self.transformer(h, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(2).float()  # (B, T, 1)
        return self.out((h * keep).sum(dim=1) / keep.sum(dim=1))  # mean over real steps, (B, d)
