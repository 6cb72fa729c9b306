"""MNL (Sec. 3.2) and InTense (Sec. 3.3): modality encoders -> normalised blocks -> fusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from torch import Tensor, nn

from .blocks import InteractionSpec, block_name, resolve_interactions
from .data.base import MultimodalData
from .fusion import FusionHead
from .model_base import EncodedModel
from .norms import EPS, MOMENTUM, VBN, IteratedPairwiseNorm, IterBN, NaiveInteractionNorm, PlainProduct
from .vectorised import CLOSURE, FusionPlan

__all__ = ["InTense", "MNL", "INTERACTION_NORMS", "MAX_FUSION_INPUTS"]

# an interaction of order k feeds tf_latent_dim^k features to the fusion layer: beyond this many
# in all (about 16 MB of activations per sample), the model would not fit in memory
MAX_FUSION_INPUTS = 2**22

# how an interaction block is normalised: the paper's IterBN, or one of three ablations
INTERACTION_NORMS = {
    "iterbn": IterBN,
    "naive": NaiveInteractionNorm,
    "naive-pairwise": IteratedPairwiseNorm,
    "none": PlainProduct,
}


class InTense(EncodedModel):
    """Interpretable tensor fusion (eq. 8) with IterBN-normalised interaction blocks.

    Blocks, in fusion-weight order: each modality m as VBN(f^m) (eq. 5), then each
    interaction I as IterBN of the modalities' projections to `tf_latent_dim` (eq. 9-10).
    `interaction_norm="naive"` swaps IterBN for an ablation (VBN, product, VBN);
    `"naive-pairwise"` for Sec. 3.3's iterated bimodal scheme (VBN after every product);
    `"none"` uses the raw tensor product (no normalisation of interaction blocks).
    `reg_param` weighs eq. 3's penalty on the mean loss; None (the default) is eq. 3's reading,
    Lambda / n, resolved by the trainer from the training set size n (`intense.objective`).
    `fusion_init="equal-norm"` starts every fusion weight block at the same norm (see
    `FusionHead.equalise_block_norms`); eq. 3 and eq. 4 are unchanged.

    The blocks are computed together (`intense.vectorised.FusionPlan`: stacked by order, moments
    shared across blocks in train mode); `vectorised=False` computes them block by block through
    the modules (`reference_blocks`, the readable path). Both give the same blocks, gradients
    and running statistics (tests/test_vectorised.py) from the same parameters and buffers.
    """

    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        *,
        p: float = 1.0,
        reg_param: float | None = None,
        tf_latent_dim: int = 8,
        interactions: Sequence[InteractionSpec] | None = None,
        max_order: int | None = None,
        interaction_norm: Literal["iterbn", "naive", "naive-pairwise", "none"] = "iterbn",
        fusion_init: str = "default",
        modality_names: Sequence[str] | None = None,
        encoder_dims: Sequence[int] | None = None,
        eps: float = EPS,
        momentum: float = MOMENTUM,
        vectorised: bool = True,
    ) -> None:
        super().__init__(encoders, modality_names, encoder_dims)
        if interaction_norm not in INTERACTION_NORMS:
            raise ValueError(f"interaction_norm must be one of {sorted(INTERACTION_NORMS)}, got {interaction_norm!r}")
        if tf_latent_dim < 1:
            raise ValueError(f"tf_latent_dim must be >= 1, got {tf_latent_dim}")
        names, dims = self.modality_names, self.dims
        self.interactions = resolve_interactions(names, interactions, max_order)
        sizes = [tf_latent_dim ** len(subset) for subset in self.interactions]
        if sum(sizes) > MAX_FUSION_INPUTS:
            largest = block_name(names, max(self.interactions, key=len))
            raise ValueError(
                f"{len(self.interactions)} interaction blocks would feed {sum(sizes):,} features to the fusion "
                f"layer (order k gives tf_latent_dim^k = {tf_latent_dim}^k; the largest block, {largest}, "
                f"alone {max(sizes):,}); at most {MAX_FUSION_INPUTS:,} fit. Model fewer interactions: a lower "
                "max_order (--max-order 2: every pair), an explicit list (--interactions), or a smaller "
                "tf_latent_dim"
            )
        self.interaction_norm = interaction_norm
        self.modality_norms = nn.ModuleList(VBN(d, eps, momentum) for d in dims)
        # one projection per modality that takes part in an interaction, shared by all of them
        involved = sorted({m for subset in self.interactions for m in subset})
        self.projections = nn.ModuleDict({str(m): nn.Linear(dims[m], tf_latent_dim) for m in involved})
        norm_class = INTERACTION_NORMS[interaction_norm]
        self.interaction_norms = nn.ModuleList(
            norm_class([tf_latent_dim] * len(subset), eps, momentum) for subset in self.interactions
        )
        block_names = names + [block_name(names, subset) for subset in self.interactions]
        block_dims = dims + sizes
        self.head = FusionHead(block_dims, block_names, output_dim, p=p, reg_param=reg_param, init=fusion_init)
        self.vectorised = vectorised
        self._plans: dict[bool, FusionPlan] = {}  # by whether units are shared; index tables only

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """inputs: one tensor per modality, in encoder order -> (B, output_dim)."""
        return self.fuse(self.encode(inputs))  # encode: (B, d_m) per modality

    def fuse(self, features: Sequence[Tensor]) -> Tensor:
        """eq. 8 on the encoders' outputs: (B, d_m) per modality -> (B, output_dim)."""
        if not self.vectorised:
            return self.head(self.reference_blocks(features))
        return self._plan().fuse(self, features)  # head(blocks), the blocks not concatenated

    def fusion_blocks(self, features: Sequence[Tensor]) -> list[Tensor]:
        """The fusion layer's inputs from the encoders' outputs, in `head.block_names` order:
        VBN(f^m) (B, d_m) for each modality, then each interaction's block (B, r, ..., r)."""
        if not self.vectorised:
            return self.reference_blocks(features)
        return self._plan().blocks(self, features)

    def _plan(self) -> FusionPlan:
        # train mode: units shared by every block (batch statistics); eval: each block's own
        shared = self.training or self.interaction_norm == "none"
        if shared not in self._plans:
            closure = CLOSURE[INTERACTION_NORMS[self.interaction_norm]]
            self._plans[shared] = FusionPlan(self.interactions, closure, shared)
        return self._plans[shared]

    def _apply(self, fn, recurse=True):  # .to(), .double(), ...: buffers are new tensors
        self._plans.clear()  # the plans keep views of the running buffers
        return super()._apply(fn, recurse)

    def reference_blocks(self, features: Sequence[Tensor]) -> list[Tensor]:
        """`fusion_blocks` block by block, through each block's own module (the readable path)."""
        blocks = [norm(f) for norm, f in zip(self.modality_norms, features)]  # eq. 5, (B, d_m)
        latent = {int(m): proj(features[int(m)]) for m, proj in self.projections.items()}  # (B, r)
        for subset, norm in zip(self.interactions, self.interaction_norms):
            blocks.append(norm([latent[m] for m in subset]))  # eq. 9-10, (B, r, ..., r)
        return blocks

    def penalty(self) -> Tensor:
        """eq. 3's block-norm term over the fusion layer (differentiable, bias excluded)."""
        return self.head.penalty()

    def relevance(self, data: MultimodalData | None = None) -> dict[str, float]:
        """eq. 4 for every block: {"1": .., "2": .., "1x2": ..} (a property of the weights:
        `data` is not needed)."""
        return self.head.relevance()

    def param_groups(self, weight_decay: float, fusion_weight_decay: float = 0.0) -> list[dict]:
        """AdamW groups: L2 (weight decay) on everything below the fusion layer; none on the
        fusion layer, whose regulariser is the block-norm penalty (eq. 3), unless
        `fusion_weight_decay` is set (the regime of the authors' published code until April
        2025, whose penalty had no gradient: AdamW's default decay 0.01 on every layer)."""
        head = set(map(id, self.head.parameters()))
        lower = [q for q in self.parameters() if id(q) not in head]
        return [
            {"params": lower, "weight_decay": weight_decay},
            {"params": list(self.head.parameters()), "weight_decay": fusion_weight_decay},
        ]


class MNL(InTense):
    """Multiple neural learning (Sec. 3.2): InTense without interaction blocks (eq. 3).

    Takes InTense's keyword arguments (p, reg_param, fusion_init, modality_names, encoder_dims,
    eps, momentum) but none that concern interactions.
    """

    def __init__(self, encoders: Sequence[nn.Module], output_dim: int, **kwargs: Any) -> None:
        unused = {"interactions", "max_order", "tf_latent_dim", "interaction_norm"} & set(kwargs)
        if unused:
            raise ValueError(f"MNL has no interaction blocks: {sorted(unused)} do not apply (use InTense)")
        super().__init__(encoders, output_dim, interactions=[], **kwargs)
