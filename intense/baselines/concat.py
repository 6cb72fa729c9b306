"""LF-Concat: late fusion by concatenating the encoders' outputs, then an MLP."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..model_base import EncodedModel
from .common import mlp

__all__ = ["LFConcat"]


class LFConcat(EncodedModel):
    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        hidden: int = 64,
        dropout: float = 0.1,
        encoder_norm: str = "vbn",
    ) -> None:
        super().__init__(encoders, encoder_norm=encoder_norm)
        self.head = mlp(sum(self.dims), hidden, output_dim, dropout)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        return self.head(torch.cat(self.encode(inputs), dim=1))  # (B, sum d_m) -> (B, output_dim)
