"""Training on in-memory tensors: the objective of eq. 3 minimised with AdamW.

    loss(model(x), y) + Lambda (sum_b ||W_b||^q)^(2/q)  +  weight decay on the encoders

(the loss is averaged over the mini-batch rather than summed as in the paper, which only
rescales Lambda).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from tqdm import tqdm

from .models import InTense

__all__ = ["train_steps"]


def train_steps(
    model: InTense,
    inputs: Sequence[Tensor],
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    *,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 1e-2,
    weight_decay: float = 0.01,
    seed: int = 0,
    progress: bool = False,
) -> list[float]:
    """Run `steps` AdamW steps on random mini-batches; returns the objective per step."""
    n = targets.shape[0]
    if any(x.shape[0] != n for x in inputs):
        raise ValueError(f"every modality needs {n} samples, got {[x.shape[0] for x in inputs]}")
    if steps < 1 or not 2 <= batch_size:
        raise ValueError(f"need steps >= 1 and batch_size >= 2, got {steps}, {batch_size}")
    for m, x in enumerate(inputs):
        if x.is_floating_point() and not torch.isfinite(x).all():
            raise ValueError(f"modality {m + 1} contains NaN or inf values; clean the inputs first")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.param_groups(weight_decay), lr=lr)
    model.train()
    history = []
    for _ in tqdm(range(steps), desc="training", disable=not progress):
        batch = torch.randperm(n, generator=generator)[: min(batch_size, n)]
        objective = loss_fn(model([x[batch] for x in inputs]), targets[batch]) + model.penalty()
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
        history.append(objective.item())
    model.eval()
    return history
