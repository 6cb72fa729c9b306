"""The interpretable fusion layer: block-norm penalty (eq. 3) and relevance scores (eq. 4).

One linear layer reads the concatenation of all normalised blocks (each modality and
each modelled interaction). Its weight matrix W (outputs x features) splits into
column blocks W_b, one per block b, in the same order as the features.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .objective import block_norm_penalty, penalty_weight

__all__ = ["check_p", "relevance_scores", "FusionHead", "FUSION_INITS"]

# how the fusion layer's weights start: PyTorch's default, or every block at the same norm
FUSION_INITS = ("default", "equal-norm")


def check_p(p: float) -> float:
    """eq. 2 requires 1 <= p < infinity (so that 1 <= q < 2)."""
    p = float(p)
    if not 1.0 <= p < float("inf"):
        raise ValueError(f"p must satisfy 1 <= p < inf (Sec. 3.2), got {p}")
    return p


def relevance_scores(norms: Tensor, p: float) -> Tensor:
    """eq. 4 (exponent as derived in Prop. A.3 / eq. 17 with A_b = Lambda ||W_b||^2):

        beta_b = ||W_b||^(2/(p+1)) / (sum_b' ||W_b'||^(2p/(p+1)))^(1/p)

    so that ||beta||_p = 1 (for p = 1 the scores sum to one). The paper prints the
    numerator's exponent as p/(p+1); see book/mnl.md for why 2/(p+1) is the right one.
    """
    denominator = norms.pow(2.0 * p / (p + 1.0)).sum().pow(1.0 / p)
    if denominator <= 0:
        raise ValueError("every fusion weight block is zero: relevance scores are undefined")
    return norms.pow(2.0 / (p + 1.0)) / denominator


class FusionHead(nn.Module):
    """Concatenate blocks, apply one linear layer; expose eq. 3 and eq. 4 over its blocks.

    `reg_param`: the penalty's weight on the mean loss; None (the default) is eq. 3's reading,
    Lambda / n, with the training set size n that the trainer sets (`n_train`).
    """

    def __init__(
        self,
        block_dims: Sequence[int],
        block_names: Sequence[str],
        output_dim: int,
        p: float = 1.0,
        reg_param: float | None = None,
        init: str = "default",
    ) -> None:
        super().__init__()
        if init not in FUSION_INITS:
            raise ValueError(f"init must be one of {list(FUSION_INITS)}, got {init!r}")
        if len(block_dims) != len(block_names):
            raise ValueError("one name per block is needed")
        if len(set(block_names)) != len(block_names):
            raise ValueError(f"block names must be unique, got {list(block_names)}")
        if output_dim < 1:
            raise ValueError(f"output_dim must be >= 1, got {output_dim}")
        if reg_param is not None and reg_param < 0:
            raise ValueError(f"reg_param (Lambda) must be >= 0, got {reg_param}")
        self.block_dims = [int(d) for d in block_dims]
        self.block_names = list(block_names)
        self.p = check_p(p)
        self.reg_param = None if reg_param is None else float(reg_param)
        self.n_train: int | None = None  # the training set size, set by the trainer
        self.linear = nn.Linear(sum(self.block_dims), output_dim)
        # the block of each input feature (a column of W), for eq. 3's norms in one segment sum
        column_block = torch.repeat_interleave(torch.arange(len(self.block_dims)), torch.tensor(self.block_dims))
        self.register_buffer("column_block", column_block, persistent=False)  # not in the state_dict
        if init == "equal-norm":
            self.equalise_block_norms()

    @torch.no_grad()
    def equalise_block_norms(self) -> None:
        """Rescale each weight block W_b to the same Frobenius norm, keeping the layer's total
        squared norm (PyTorch's default init gives E||W_b||^2 proportional to the block's size
        d_b, so that the largest interaction block starts with most of the relevance, eq. 4)."""
        blocks = torch.split(self.linear.weight, self.block_dims, dim=1)  # views into the weight
        target = self.linear.weight.norm() / len(blocks) ** 0.5
        for w in blocks:
            w.mul_(target / w.norm().clamp_min(1e-12))

    def forward(self, blocks: Sequence[Tensor]) -> Tensor:
        flat = [b.flatten(1) for b in blocks]  # each (B, d_b)
        for name, b, d in zip(self.block_names, flat, self.block_dims):
            if b.shape[1] != d:
                raise ValueError(f"block {name!r} has {b.shape[1]} features, expected {d}")
        return self.linear(torch.cat(flat, dim=1))  # (B, sum d_b) -> (B, output_dim)

    def block_norms(self) -> Tensor:
        """||W_b||_F for every block, in block order: (n_blocks,). The bias is excluded.

        One segment sum over W's squared columns, ||W_b||^2 = sum_{c in b} ||W_{:, c}||^2,
        instead of one norm per block (`reference_block_norms`)."""
        squares = self.linear.weight.pow(2).sum(dim=0)  # (sum d_b,)
        sums = squares.new_zeros(len(self.block_dims)).index_add(0, self.column_block, squares)  # ||W_b||^2
        # sqrt with a zero gradient at an all-zero block, as torch's norm has (not an infinite one)
        positive = sums > 0
        return torch.where(positive, torch.where(positive, sums, 1.0).sqrt(), 0.0)

    def reference_block_norms(self) -> Tensor:
        """`block_norms` block by block (the readable path)."""
        weight_blocks = torch.split(self.linear.weight, self.block_dims, dim=1)
        return torch.stack([w.norm() for w in weight_blocks])

    @property
    def penalty_weight(self) -> float:
        """The weight of eq. 3's block-norm term on the mean loss: `reg_param`, else Lambda / n."""
        if self.reg_param is not None:
            return self.reg_param
        if self.n_train is None:
            raise ValueError(
                "the penalty weight is unresolved: eq. 3's Lambda / n needs the training set size n, which "
                "the trainer (fit, train_steps) sets; to use penalty() before, give the weight on the mean "
                "loss: reg_param=intense.penalty_weight(n) is eq. 3's"
            )
        return penalty_weight(self.n_train)

    def penalty(self) -> Tensor:
        """eq. 3's fusion term at the weight `penalty_weight` (differentiable, bias excluded)."""
        return block_norm_penalty(self.block_norms(), self.p, self.penalty_weight)

    def relevance(self) -> dict[str, float]:
        with torch.no_grad():
            scores = relevance_scores(self.block_norms(), self.p)
        return dict(zip(self.block_names, scores.cpu().tolist()))
