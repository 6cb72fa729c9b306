"""Tensor Fusion Network (Zadeh et al. 2017).

Each modality vector z^m (projected to `latent_dim`) gets a constant 1 appended; the outer
product of all of them,

    Z = [z^1; 1] (x) [z^2; 1] (x) ... (x) [z^M; 1],

holds the constant, every unimodal vector unchanged, and every bimodal, trimodal, ..
product. It is flattened and read by an MLP. For two modalities this is a bilinear model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..model_base import EncodedModel
from ..norms import outer_product
from .common import mlp

__all__ = ["TFN"]


class TFN(EncodedModel):
    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        latent_dim: int = 8,
        hidden: int = 64,
        dropout: float = 0.1,
        encoder_norm: str = "vbn",
    ) -> None:
        super().__init__(encoders, encoder_norm=encoder_norm)
        if (latent_dim + 1) ** len(encoders) > 2_000_000:
            raise ValueError(
                f"the fused tensor would have {(latent_dim + 1) ** len(encoders)} entries; "
                "lower latent_dim (--tf-latent-dim)"
            )
        self.projections = nn.ModuleList(nn.Linear(d, latent_dim) for d in self.dims)
        self.head = mlp((latent_dim + 1) ** len(encoders), hidden, output_dim, dropout)

    def fuse(self, features: Sequence[Tensor]) -> Tensor:
        """(B, d_m) per modality -> the flattened product of the [z^m; 1], (B, prod (r + 1))."""
        ones = features[0].new_ones(features[0].shape[0], 1)
        augmented = [torch.cat([proj(f), ones], dim=1) for proj, f in zip(self.projections, features)]  # (B, r + 1)
        return outer_product(augmented).flatten(1)  # (B, r + 1, ..., r + 1) -> (B, (r + 1)^M)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        return self.head(self.fuse(self.encode(inputs)))
