"""What the trainer needs from any multimodal model: the training objective, the
regulariser, the relevance scores (if the method has any) and the optimiser groups.

InTense / MNL override all four; the baselines inherit these defaults (no penalty, no
relevance, weight decay on every parameter) and override what their paper changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from .data.base import MultimodalData

__all__ = ["MultimodalModel", "LossFn"]

LossFn = Callable[[Tensor, Tensor], Tensor]


class MultimodalModel(nn.Module):
    """forward(inputs: one tensor per modality) -> (B, output_dim)."""

    def training_loss(self, inputs: Sequence[Tensor], targets: Tensor, loss_fn: LossFn) -> Tensor:
        """The objective one optimiser step minimises: task loss plus the penalty."""
        return loss_fn(self(inputs), targets) + self.penalty()

    def penalty(self) -> Tensor:
        return torch.zeros((), device=next(self.parameters()).device)

    def relevance(self, data: MultimodalData | None = None) -> dict[str, float]:
        """Interpretation scores per modality / interaction; empty for black-box methods.
        Methods whose scores depend on inputs (MultiRoute) compute them on `data`."""
        return {}

    def param_groups(self, weight_decay: float) -> list[dict]:
        return [{"params": list(self.parameters()), "weight_decay": weight_decay}]
