"""MNL (Sec. 3.2) and InTense (Sec. 3.3): modality encoders -> normalised blocks -> fusion."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Literal

from torch import Tensor, nn

from .data.base import MultimodalData
from .model_base import MultimodalModel

from .fusion import FusionHead
from .norms import VBN, IterBN, NaiveInteractionNorm, PlainProduct

__all__ = ["InTense", "MNL", "resolve_interactions"]

InteractionSpec = Sequence[int | str]

# how an interaction block is normalised: the paper's IterBN, or one of two ablations
INTERACTION_NORMS = {"iterbn": IterBN, "naive": NaiveInteractionNorm, "none": PlainProduct}


def resolve_interactions(
    names: Sequence[str],
    interactions: Sequence[InteractionSpec] | None = None,
    max_order: int | None = None,
) -> list[tuple[int, ...]]:
    """Interactions as sorted tuples of 0-based modality positions.

    `interactions` lists modality subsets by 1-based position (as in the block names
    "1x2") or by modality name; without it every subset of order 2..max_order is used
    (max_order defaults to the number of modalities, i.e. all interactions).
    """
    n = len(names)
    if interactions is None:
        order = n if max_order is None else int(max_order)
        if not 1 <= order <= n:
            raise ValueError(f"max_order must lie in 1..{n} (the number of modalities), got {order}")
        return [c for k in range(2, order + 1) for c in combinations(range(n), k)]
    if max_order is not None:
        raise ValueError("give either an explicit list of interactions or max_order, not both")
    resolved: list[tuple[int, ...]] = []
    for spec in interactions:
        positions = []
        for item in spec:
            if isinstance(item, str) and item in names:
                positions.append(names.index(item))
            elif isinstance(item, int) and 1 <= item <= n:
                positions.append(item - 1)
            else:
                raise ValueError(
                    f"unknown modality {item!r} in interaction {tuple(spec)}: use 1-based "
                    f"positions 1..{n} or names {list(names)}"
                )
        subset = tuple(sorted(set(positions)))
        if len(subset) < 2 or len(subset) != len(positions):
            raise ValueError(f"interaction {tuple(spec)} needs two or more distinct modalities")
        if subset in resolved:
            raise ValueError(f"interaction {tuple(spec)} is listed twice")
        resolved.append(subset)
    return resolved


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


class InTense(MultimodalModel):
    """Interpretable tensor fusion (eq. 8) with IterBN-normalised interaction blocks.

    Blocks, in fusion-weight order: each modality m as VBN(f^m) (eq. 5), then each
    interaction I as IterBN of the modalities' projections to `tf_latent_dim` (eq. 9-10).
    `interaction_norm="naive"` swaps IterBN for the ablation of Fig. 7 (VBN, product, VBN);
    `"none"` uses the raw tensor product (no normalisation of interaction blocks).
    """

    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        *,
        p: float = 1.0,
        reg_param: float = 0.05,
        tf_latent_dim: int = 8,
        interactions: Sequence[InteractionSpec] | None = None,
        max_order: int | None = None,
        interaction_norm: Literal["iterbn", "naive", "none"] = "iterbn",
        modality_names: Sequence[str] | None = None,
        encoder_dims: Sequence[int] | None = None,
        eps: float = 1e-5,
        momentum: float = 0.1,
    ) -> None:
        super().__init__()
        if len(encoders) == 0:
            raise ValueError("at least one modality encoder is needed")
        names = [str(i + 1) for i in range(len(encoders))] if modality_names is None else list(modality_names)
        if len(names) != len(encoders) or len(set(names)) != len(names):
            raise ValueError(f"need {len(encoders)} distinct modality names, got {names}")
        if interaction_norm not in INTERACTION_NORMS:
            raise ValueError(
                f"interaction_norm must be one of {sorted(INTERACTION_NORMS)}, got {interaction_norm!r}"
            )
        if tf_latent_dim < 1:
            raise ValueError(f"tf_latent_dim must be >= 1, got {tf_latent_dim}")
        dims = _encoder_dims(encoders, encoder_dims)
        self.modality_names = names
        self.interactions = resolve_interactions(names, interactions, max_order)
        self.interaction_norm = interaction_norm
        self.encoders = nn.ModuleList(encoders)
        self.modality_norms = nn.ModuleList(VBN(d, eps, momentum) for d in dims)
        # one projection per modality that takes part in an interaction, shared by all of them
        involved = sorted({m for subset in self.interactions for m in subset})
        self.projections = nn.ModuleDict({str(m): nn.Linear(dims[m], tf_latent_dim) for m in involved})
        norm_class = INTERACTION_NORMS[interaction_norm]
        self.interaction_norms = nn.ModuleList(
            norm_class([tf_latent_dim] * len(subset), eps, momentum) for subset in self.interactions
        )
        block_names = names + ["x".join(names[m] for m in subset) for subset in self.interactions]
        block_dims = dims + [tf_latent_dim ** len(subset) for subset in self.interactions]
        self.head = FusionHead(block_dims, block_names, output_dim, p=p, reg_param=reg_param)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """inputs: one tensor per modality, in encoder order -> (B, output_dim)."""
        if len(inputs) != len(self.encoders):
            raise ValueError(f"expected {len(self.encoders)} modality inputs, got {len(inputs)}")
        features = [encoder(x) for encoder, x in zip(self.encoders, inputs)]  # (B, d_m)
        blocks = [norm(f) for norm, f in zip(self.modality_norms, features)]  # eq. 5, (B, d_m)
        latent = {int(m): proj(features[int(m)]) for m, proj in self.projections.items()}  # (B, r)
        for subset, norm in zip(self.interactions, self.interaction_norms):
            blocks.append(norm([latent[m] for m in subset]))  # eq. 9-10, (B, r, ..., r)
        return self.head(blocks)

    def penalty(self) -> Tensor:
        """eq. 3's block-norm term over the fusion layer (differentiable, bias excluded)."""
        return self.head.penalty()

    def relevance(self, data: MultimodalData | None = None) -> dict[str, float]:
        """eq. 4 for every block: {"1": .., "2": .., "1x2": ..} (a property of the weights:
        `data` is not needed)."""
        return self.head.relevance()

    def param_groups(self, weight_decay: float) -> list[dict]:
        """AdamW groups: L2 (weight decay) on everything below the fusion layer; none on the
        fusion layer, whose regulariser is the block-norm penalty (eq. 3)."""
        head = set(map(id, self.head.parameters()))
        lower = [q for q in self.parameters() if id(q) not in head]
        return [
            {"params": lower, "weight_decay": weight_decay},
            {"params": list(self.head.parameters()), "weight_decay": 0.0},
        ]


class MNL(InTense):
    """Multiple neural learning (Sec. 3.2): InTense without interaction blocks (eq. 3)."""

    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        *,
        p: float = 1.0,
        reg_param: float = 0.05,
        modality_names: Sequence[str] | None = None,
        encoder_dims: Sequence[int] | None = None,
        eps: float = 1e-5,
        momentum: float = 0.1,
    ) -> None:
        super().__init__(
            encoders,
            output_dim,
            p=p,
            reg_param=reg_param,
            interactions=[],
            modality_names=modality_names,
            encoder_dims=encoder_dims,
            eps=eps,
            momentum=momentum,
        )
