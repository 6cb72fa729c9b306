"""What the trainer needs from any multimodal model, and the first stage they all share.

`MultimodalModel`: the training objective, the regulariser, the relevance scores (if the
method has any) and the optimiser groups. `EncodedModel`: one encoder per modality, their
output sizes and the modalities' names. InTense / MNL and the baselines (but MulT, which
reads raw sequences) are `EncodedModel`s; they override what their paper changes.

A fair comparison gives every method the same inputs to its fusion: MNL and InTense put VBN
(eq. 5) on each encoder's output, so the baselines do too (`encoder_norm="vbn"`, the default);
`encoder_norm="none"` is each baseline as published, reading the raw encoder outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from .blocks import name_modalities
from .data.base import MultimodalData
from .norms import VBN

__all__ = ["MultimodalModel", "EncodedModel", "LossFn", "ENCODER_NORMS"]

# what an EncodedModel does to each encoder's output before its fusion: VBN (eq. 5), or nothing
ENCODER_NORMS = ("vbn", "none")

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

    def param_groups(self, weight_decay: float, fusion_weight_decay: float = 0.0) -> list[dict]:
        """AdamW groups; a model without a separate fusion layer decays everything alike."""
        return [{"params": list(self.parameters()), "weight_decay": weight_decay}]


def _encoder_dims(encoders: Sequence[nn.Module], dims: Sequence[int] | None) -> list[int]:
    if dims is not None:
        if len(dims) != len(encoders):
            raise ValueError(f"{len(encoders)} encoders but {len(dims)} encoder_dims")
        return [int(d) for d in dims]
    try:
        return [int(e.out_features) for e in encoders]  # type: ignore[arg-type]
    except AttributeError as err:
        raise ValueError(
            "cannot tell an encoder's output size: give encoder_dims=[d_1, ..., d_M] "
            "or use encoders with an `out_features` attribute"
        ) from err


class EncodedModel(MultimodalModel):
    """A model whose first stage is one encoder per modality: f^m = encoder_m(x^m), (B, d_m),
    followed by VBN (eq. 5) when `encoder_norm="vbn"`."""

    def __init__(
        self,
        encoders: Sequence[nn.Module],
        modality_names: Sequence[str] | None = None,
        encoder_dims: Sequence[int] | None = None,
        encoder_norm: str = "none",
    ) -> None:
        super().__init__()
        if len(encoders) == 0:
            raise ValueError("at least one modality encoder is needed")
        if encoder_norm not in ENCODER_NORMS:
            raise ValueError(f"encoder_norm must be one of {list(ENCODER_NORMS)}, got {encoder_norm!r}")
        self.modality_names = name_modalities(len(encoders), modality_names)
        self.dims = _encoder_dims(encoders, encoder_dims)
        self.encoders = nn.ModuleList(encoders)
        self.encoder_norms = nn.ModuleList(VBN(d) for d in self.dims) if encoder_norm == "vbn" else None

    def encode(self, inputs: Sequence[Tensor]) -> list[Tensor]:
        if len(inputs) != len(self.encoders):
            raise ValueError(f"expected {len(self.encoders)} modality inputs, got {len(inputs)}")
        features = [encoder(x) for encoder, x in zip(self.encoders, inputs)]  # each (B, d_m)
        if self.encoder_norms is not None:
            features = [norm(f) for norm, f in zip(self.encoder_norms, features)]  # eq. 5, (B, d_m)
        return features
