"""The training objective: eq. 3 (Theorem 1; eq. 25 in its proof) and the weight of its penalty.

Eq. 3 sums the loss over the n training samples and puts Lambda on every layer's weights:

    sum_{i=1}^n l(f(x_i), y_i)  +  Lambda sum_{l<L} sum_m ||w_l^m||^2  +  Lambda (sum_b ||W_b||^q)^(2/q)
    \\_______ the loss ______/     \\_______ the encoders ________/      \\_ the fusion layer, q = 2p/(p+1) _/

The trainer (`intense.train`) minimises eq. 3 divided by n, a mini-batch's mean standing in
for (1/n) sum_i:

    (1/|B|) sum_{i in B} l(f(x_i), y_i)  +  (Lambda / n) (sum_b ||W_b||^q)^(2/q)

that is `MultimodalModel.training_loss`: the mean loss plus `penalty()`, which is
`block_norm_penalty` with the weight `penalty_weight` (Lambda / n, Lambda = 0.05 as in App. E.5).

Deviation from eq. 25, as the authors' code and App. E.5 have it: the encoders' term is not in
the loss but AdamW's decoupled weight decay, `ENCODER_WEIGHT_DECAY` = 0.01 on every weight below
the fusion layer (`InTense.param_groups`); the fusion layer gets no weight decay, its penalty
regularises it. The book's MNL chapter (book/mnl.md) says so beside eq. 3.
"""

from __future__ import annotations

from torch import Tensor

__all__ = ["PAPER_LAMBDA", "ENCODER_WEIGHT_DECAY", "penalty_weight", "block_norm_penalty"]

# Lambda of eq. 3 and eq. 25: "reg_param ... We set its value to 0.05 for all the experiments" (App. E.5)
PAPER_LAMBDA = 0.05

# eq. 25's encoder term as the optimiser's weight decay: "set to 0.01 for all the experiments" (App. E.5)
ENCODER_WEIGHT_DECAY = 0.01


def penalty_weight(n_train: int, lam: float = PAPER_LAMBDA) -> float:
    """eq. 3 divided by n: Lambda on the loss summed over the n training samples is Lambda / n on
    their mean loss, the weight of the block-norm term that the trainer gives a model whose
    `reg_param` is unset."""
    if n_train < 1:
        raise ValueError(f"the training set size n must be >= 1, got {n_train}")
    return lam / n_train


def block_norm_penalty(norms: Tensor, p: float, weight: float) -> Tensor:
    """eq. 3 and eq. 25, the fusion layer's term: weight * (sum_b ||W_b||^q)^(2/q), q = 2p / (p + 1).

    `norms`: ||W_b||_F of every fusion weight block, (n_blocks,); `weight`: Lambda on eq. 3's
    summed loss, Lambda / n on the mean loss (`penalty_weight`).
    """
    q = 2.0 * p / (p + 1.0)  # 1 <= q < 2 for 1 <= p < inf
    return weight * norms.pow(q).sum().pow(2.0 / q)  # ()
