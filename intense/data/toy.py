"""A tiny synthetic task whose ground-truth interaction is known by construction."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["gaussian_parity"]


def gaussian_parity(
    n: int, n_modalities: int = 3, dim: int = 4, interacting: Sequence[int] = (1, 2), seed: int = 0
) -> tuple[list[Tensor], Tensor]:
    """Each modality is N(0, I_dim); the label is the parity of sign(x^m_0 > 0) over the
    `interacting` modalities (1-based). One modality gives a unimodal task, two an XOR.

    Returns ([x^1 (n, dim), ..., x^M], y (n,) with values 0/1).
    """
    if n < 1 or dim < 1 or n_modalities < 1:
        raise ValueError(f"need n, dim, n_modalities >= 1, got {n}, {dim}, {n_modalities}")
    if not interacting or any(not 1 <= m <= n_modalities for m in interacting):
        raise ValueError(f"interacting modalities must lie in 1..{n_modalities}, got {list(interacting)}")
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(n, dim, generator=g) for _ in range(n_modalities)]
    bits = torch.stack([inputs[m - 1][:, 0] > 0 for m in interacting]).long()  # (|I|, n)
    return inputs, (bits.sum(dim=0) % 2).float()
