"""Multimodal Residual Optimisation (Wortwein et al. 2022, "Beyond additive fusion").

One head per interaction order k = 1..K. The order-k head is additive over the k-subsets
of modalities, h_k(x) = sum_{|S| = k} g_S(f^S), with g_S an MLP of the concatenated features
of S. Each order is trained on the residual the lower orders leave, with their outputs
held fixed by a stop-gradient sg:

    L = l(h_1, y) + l(sg(h_1) + h_2, y) + l(sg(h_1) + sg(h_2) + h_3, y) + ...

and the prediction is h_1 + h_2 + ... + h_K. (The paper's reference code predicts
(3 h_1 + 2 h_2 + h_3) / 3 at test time, which is not the model that was trained; we do not.)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..blocks import subsets_up_to
from ..model_base import EncodedModel, LossFn
from .common import mlp

__all__ = ["MRO"]


class MRO(EncodedModel):
    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        max_order: int | None = None,
        hidden: int = 32,
        dropout: float = 0.1,
        encoder_norm: str = "vbn",
    ) -> None:
        super().__init__(encoders, encoder_norm=encoder_norm)
        self.max_order = min(3, len(encoders)) if max_order is None else max_order
        self.subsets = subsets_up_to(len(encoders), self.max_order)
        self.heads = nn.ModuleList(mlp(sum(self.dims[m] for m in s), hidden, output_dim, dropout) for s in self.subsets)

    def order_outputs(self, inputs: Sequence[Tensor]) -> list[Tensor]:
        """[h_1, ..., h_K], each (B, output_dim)."""
        features = self.encode(inputs)
        outputs = [0.0] * self.max_order
        for subset, head in zip(self.subsets, self.heads):
            outputs[len(subset) - 1] = outputs[len(subset) - 1] + head(torch.cat([features[m] for m in subset], dim=1))
        return outputs  # type: ignore[return-value]

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        return torch.stack(self.order_outputs(inputs)).sum(dim=0)  # h_1 + ... + h_K

    def training_loss(self, inputs: Sequence[Tensor], targets: Tensor, loss_fn: LossFn) -> Tensor:
        total, lower = 0.0, 0.0
        for h in self.order_outputs(inputs):
            total = total + loss_fn(lower + h, targets)  # l(sg(h_1) + .. + sg(h_{k-1}) + h_k, y)
            lower = lower + h.detach()  # sg: the next order cannot change this one
        return total  # type: ignore[return-value]
