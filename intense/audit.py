"""Do the relevance scores tell the truth? Measures of what each modality and each interaction
contributes that do not read the fusion weights, beside eq. 4.

**Coalitions of modalities.** The players are the M modalities. A coalition S keeps its
modalities; every modality outside S is replaced by the same modalities of *another* sample,
drawn by one random permutation of the split (the marginal, or interventional, baseline: the
model sees realistic inputs that say nothing about this sample). The value

    v(S) = accuracy of the model on the split so altered, averaged over `repeats` permutations

is its plain accuracy for S = all modalities and about chance for S = {}. From v:

- Shapley value of modality m (exact: all 2^M coalitions),
      phi_m = sum_{S in N \\ {m}} |S|! (M - |S| - 1)! / M! * (v(S + m) - v(S));
- Moebius (Harsanyi) interaction of a subset S, the part of v that needs all of S together,
      mu(S) = sum_{T in S} (-1)^(|S| - |T|) v(T),   so that v(S) = sum_{T in S} mu(T);
- permutation importance of m (the unnormalised perceptual score of Gat et al. 2021),
      v(N) - v(N \\ {m}).
Shapley and Moebius values are exact and need all 2^M coalitions: they are computed for up to
`EXACT_UP_TO` modalities; beyond, the audit keeps the M + 1 coalitions permutation importance needs.

**Block ablation** (InTense, MNL): one block's input to the fusion layer replaced by its mean
over the training split; the drop in accuracy and the rise in loss are what the block adds
given all the others.

**EMAP** (Hessel and Lee 2020): the model's empirical multimodal additive projection,
    f_add(x_i) = sum_m E_j f(x_i^m, x_j^{-m}) - (M - 1) E_{i,j} f(x_i^m, x_j^{-m}),
on the logits, the expectations over a fixed random set of `partners` samples (exact for an
additive model). If its accuracy equals the model's, the model uses no cross-modal interaction
that the data reward.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .blocks import block_name
from .data.base import MultimodalData
from .model_base import MultimodalModel
from .models import InTense
from .train import correct, evaluate

__all__ = [
    "Coalition",
    "EXACT_UP_TO",
    "coalition_values",
    "shapley_values",
    "moebius_transform",
    "permutation_importance",
    "block_ablation",
    "encoded",
    "emap",
    "spearman",
    "audit",
]

Coalition = tuple[int, ...]  # sorted 0-based modality positions
EXACT_UP_TO = 6  # modalities: beyond, Shapley and Moebius values (2^M coalitions) are not computed


def _coalitions(n_players: int) -> list[Coalition]:
    return [c for k in range(n_players + 1) for c in itertools.combinations(range(n_players), k)]


def _mixed(data: MultimodalData, keep: Coalition, order: Tensor) -> MultimodalData:
    """`data` with every modality outside `keep` taken from sample `order[i]` instead of i."""
    modalities = [x if m in keep else x[order] for m, x in enumerate(data.modalities)]
    return MultimodalData(
        data.name, modalities, data.labels, data.modality_names, data.task, data.n_classes, data.class_weights
    )


@torch.no_grad()
def coalition_values(
    model: MultimodalModel,
    data: MultimodalData,
    repeats: int = 5,
    seed: int = 0,
    coalitions: Sequence[Coalition] | None = None,
) -> dict[Coalition, float]:
    """v(S) for every coalition S of modalities (see the module's docstring), or for the given
    `coalitions`: one evaluation of the split per coalition and repeat."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    generator = torch.Generator().manual_seed(seed)
    orders = [torch.randperm(len(data), generator=generator).to(data.labels.device) for _ in range(repeats)]
    n = len(data.modalities)
    values = {}
    for coalition in _coalitions(n) if coalitions is None else coalitions:
        runs = orders[:1] if len(coalition) == n else orders  # all present: nothing is drawn
        values[coalition] = float(np.mean([evaluate(model, _mixed(data, coalition, o))["accuracy"] for o in runs]))
    return values


def shapley_values(values: dict[Coalition, float], n_players: int) -> list[float]:
    """Exact Shapley value of every player from all 2^M coalition values."""
    phi = [0.0] * n_players
    for m in range(n_players):
        for coalition in _coalitions(n_players):
            if m in coalition:
                continue
            k = len(coalition)
            weight = math.factorial(k) * math.factorial(n_players - k - 1) / math.factorial(n_players)
            phi[m] += weight * (values[tuple(sorted(coalition + (m,)))] - values[coalition])
    return phi


def moebius_transform(values: dict[Coalition, float], n_players: int) -> dict[Coalition, float]:
    """Exact Moebius (Harsanyi) interaction of every coalition, mu(S) = sum_{T in S} (-1)^(|S|-|T|) v(T)."""
    return {
        s: sum((-1) ** (len(s) - len(t)) * values[t] for k in range(len(s) + 1) for t in itertools.combinations(s, k))
        for s in _coalitions(n_players)
    }


def permutation_importance(values: dict[Coalition, float], n_players: int) -> list[float]:
    """v(N) - v(N without m): the accuracy lost when modality m alone is drawn from other samples."""
    everyone = tuple(range(n_players))
    return [values[everyone] - values[tuple(p for p in everyone if p != m)] for m in range(n_players)]


class _Fused(nn.Module):
    """InTense from its encoders' outputs on: forward(features) = model.fuse(features), with
    fusion block `replaced` (if any) set to the constant `mean`."""

    def __init__(self, model: InTense, replaced: int | None = None, mean: Tensor | None = None) -> None:
        super().__init__()
        self.model, self.replaced, self.mean = model, replaced, mean

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        blocks = self.model.fusion_blocks(features)
        if self.replaced is not None:
            blocks[self.replaced] = self.mean.expand_as(blocks[self.replaced])
        return self.model.head(blocks)


@torch.no_grad()
def encoded(model: InTense, data: MultimodalData, batch_size: int = 1024) -> MultimodalData:
    """`data` with each modality replaced by its encoder's output (eval mode). An encoder reads
    one modality alone, so mixing modalities across samples commutes with encoding: the audit
    of `_Fused(model)` on `encoded(model, data)` equals the audit of `model` on `data` (tested),
    at the cost of one encoder pass."""
    model.eval()
    chunks = [model.encode([x[s : s + batch_size] for x in data.modalities]) for s in range(0, len(data), batch_size)]
    features = [torch.cat([c[m] for c in chunks]) for m in range(len(data.modalities))]
    return MultimodalData(
        data.name, features, data.labels, data.modality_names, data.task, data.n_classes, data.class_weights
    )


@torch.no_grad()
def block_ablation(model: InTense, train: MultimodalData, data: MultimodalData) -> dict[str, dict[str, float]]:
    """Per fusion block: the drop in accuracy and the rise in loss on `data` when the block's
    input to the fusion layer is replaced by its mean over `train`."""
    train_features, features = encoded(model, train), encoded(model, data)
    means = [b.mean(dim=0) for b in model.fusion_blocks(train_features.modalities)]  # one sample's shape
    full = evaluate(_Fused(model), features)
    out = {}
    for index, (name, mean) in enumerate(zip(model.head.block_names, means)):
        ablated = evaluate(_Fused(model, index, mean), features)
        out[name] = {
            "accuracy_drop": full["accuracy"] - ablated["accuracy"],
            "loss_increase": ablated["loss"] - full["loss"],
        }
    return out


@torch.no_grad()
def _logits(model: nn.Module, modalities: Sequence[Tensor], batch_size: int = 1024) -> Tensor:
    model.eval()
    n = modalities[0].shape[0]
    return torch.cat([model([x[s : s + batch_size] for x in modalities]) for s in range(0, n, batch_size)])


@torch.no_grad()
def emap(model: MultimodalModel, data: MultimodalData, partners: int = 16, seed: int = 0) -> dict[str, float]:
    """The accuracy of the model's empirical additive projection (EMAP) beside its own.

    One set J of `partners` samples, drawn once, stands in for the expectations:
    g_m(i) = mean_{j in J} f(x_i^m, x_j^{-m}) and f_add(i) = sum_m g_m(i) - (M - 1) mean_{j in J} f(x_j),
    which is exactly f for an additive f whatever J is (Hessel and Lee 2020 average over all j)."""
    if partners < 1:
        raise ValueError(f"partners must be >= 1, got {partners}")
    generator = torch.Generator().manual_seed(seed)
    n, m_count = len(data), len(data.modalities)
    chosen = torch.randperm(n, generator=generator)[:partners].tolist()  # J
    device = data.labels.device
    own = _logits(model, data.modalities)  # (n, out)
    additive = torch.zeros_like(own)
    for j in chosen:
        partner = torch.full((n,), j, dtype=torch.long, device=device)  # every sample's partner is j
        for m in range(m_count):
            additive += _logits(model, _mixed(data, (m,), partner).modalities) / len(chosen)  # g_m
        additive -= (m_count - 1) * own[j] / len(chosen)
    return {"model_accuracy": _accuracy(own, data), "emap_accuracy": _accuracy(additive, data)}


def _accuracy(logits: Tensor, data: MultimodalData) -> float:
    return correct(logits, data.labels, data.task).mean().item()


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Rank correlation of two sequences (ties get their average rank); nan if either is constant."""

    def ranks(x: Sequence[float]) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        order = x.argsort(kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x), dtype=float)
        for value in np.unique(x):  # average the ranks of ties
            r[x == value] = r[x == value].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def audit(
    model: MultimodalModel,
    train: MultimodalData,
    data: MultimodalData,
    repeats: int = 5,
    partners: int = 16,
    seed: int = 0,
) -> dict[str, Any]:
    """Every measure of the module on `data` (a validation or test split), and how well eq. 4's
    relevance agrees with them. JSON-ready."""
    start = time.perf_counter()
    names = list(data.modality_names)
    n = len(names)
    relevance = model.relevance(data)
    # InTense / MNL: every measure on the encoders' outputs, encoded once (`encoded`)
    fused, inputs = (_Fused(model), encoded(model, data)) if isinstance(model, InTense) else (model, data)
    exact = n <= EXACT_UP_TO
    everyone = tuple(range(n))
    needed = None if exact else [everyone] + [tuple(p for p in everyone if p != m) for m in everyone]
    values = coalition_values(fused, inputs, repeats, seed, needed)
    mu = moebius_transform(values, n) if exact else {}
    subsets = {block_name(names, s): s for s in _coalitions(n) if s}
    blocks: dict[str, dict[str, float]] = {
        name: {
            **({"moebius": mu[s]} if exact else {}),
            **({"relevance": relevance[name]} if name in relevance else {}),
        }
        for name, s in subsets.items()
        if exact or name in relevance
    }
    if isinstance(model, InTense):
        for name, effect in block_ablation(model, train, data).items():
            blocks[name].update(effect)
    result: dict[str, Any] = {
        "data": data.name,  # the data set (the caller knows which of its splits `data` is)
        "samples": len(data),
        "repeats": repeats,
        "coalition_values": {block_name(names, s) if s else "{}": v for s, v in values.items()},
        "modalities": {
            name: {"permutation": perm, **({"shapley": phi} if exact else {})}
            for name, phi, perm in zip(
                names, shapley_values(values, n) if exact else [None] * n, permutation_importance(values, n)
            )
        },
        "blocks": blocks,
        "emap": emap(fused, inputs, partners, seed),
    }
    result["agreement"] = _agreement(result, relevance)
    result["seconds"] = time.perf_counter() - start
    return result


def _agreement(result: dict[str, Any], relevance: dict[str, float]) -> dict[str, Any]:
    """Rank agreement of eq. 4's relevance with each measure, over the blocks that have both."""
    if not relevance:
        return {}
    blocks = {k: v for k, v in result["blocks"].items() if "relevance" in v}
    names = list(blocks)
    rel = [blocks[b]["relevance"] for b in names]
    out: dict[str, Any] = {"top_relevance": max(names, key=lambda b: blocks[b]["relevance"])}
    if all("moebius" in blocks[b] for b in names):
        out["top_moebius"] = max(names, key=lambda b: blocks[b]["moebius"])
        out["spearman_moebius"] = spearman(rel, [blocks[b]["moebius"] for b in names])
    if all("accuracy_drop" in blocks[b] for b in names):
        out["top_ablation"] = max(names, key=lambda b: blocks[b]["loss_increase"])
        out["spearman_ablation"] = spearman(rel, [blocks[b]["loss_increase"] for b in names])
    modalities = [m for m in result["modalities"] if m in relevance]
    for measure in ("shapley", "permutation"):
        if len(modalities) > 1 and all(measure in result["modalities"][m] for m in modalities):
            out[f"spearman_{measure}"] = spearman(
                [relevance[m] for m in modalities], [result["modalities"][m][measure] for m in modalities]
            )
    return out
