"""Theorem 1 on fixed features: eq. 2 (explicit beta) and eq. 3 (block norm) side by side.

With the representations f^m held fixed the problems are convex (eq. 2 after the
substitution v_m = sqrt(beta_m) w_m used in App. A), so both can be solved to high
precision and compared: same optimal objective, and eq. 4 applied to eq. 3's solution
recovers eq. 2's optimal beta. The loss is the logistic loss averaged over samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn.functional import binary_cross_entropy_with_logits as logistic_loss

from .fusion import check_p, relevance_scores
from .objective import block_norm_penalty

__all__ = ["FixedFeatureProblem", "Solution", "solve_eq2", "solve_eq3"]


@dataclass
class FixedFeatureProblem:
    """Fixed representations f^m (n, d_m), labels y in {0, 1}, Lambda and p."""

    features: Sequence[Tensor]
    labels: Tensor
    reg_param: float
    p: float

    @classmethod
    def synthetic(
        cls,
        strengths: Sequence[float],
        dim: int = 4,
        n: int = 400,
        reg_param: float = 0.01,
        p: float = 1.0,
        seed: int = 0,
    ) -> FixedFeatureProblem:
        """Modality m carries a linear signal of the given strength (0: pure noise)."""
        g = torch.Generator().manual_seed(seed)
        features = [torch.randn(n, dim, generator=g, dtype=torch.float64) for _ in strengths]
        score = sum(s * f[:, 0] for s, f in zip(strengths, features))
        labels = (torch.rand(n, generator=g, dtype=torch.float64) < torch.sigmoid(score)).double()
        return cls(features, labels, reg_param, check_p(p))


@dataclass
class Solution:
    objective: float
    beta: Tensor  # (M,): for eq. 2 the optimised beta, for eq. 3 eq. 4 applied to the blocks
    block_norms: Tensor  # (M,): ||v_m|| of the fused weights v_m = sqrt(beta_m) w_m


def _lbfgs(params: list[Tensor], objective: Callable[[], Tensor], rounds: int = 20) -> None:
    optimizer = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=500,
        history_size=50,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure() -> Tensor:
        optimizer.zero_grad()
        value = objective()
        value.backward()
        return value

    for _ in range(rounds):
        optimizer.step(closure)


def _scores(problem: FixedFeatureProblem, weights: Sequence[Tensor], bias: Tensor) -> Tensor:
    return sum(f @ w for f, w in zip(problem.features, weights)) + bias  # (n,)


def _initial_weights(problem: FixedFeatureProblem, seed: int) -> tuple[list[Tensor], Tensor]:
    """Small random fusion weights w_m (d_m,) and a zero bias, in float64, requiring grad."""
    g = torch.Generator().manual_seed(seed)
    weights = [
        torch.randn(f.shape[1], generator=g, dtype=torch.float64).mul_(0.1).requires_grad_() for f in problem.features
    ]
    return weights, torch.zeros((), dtype=torch.float64, requires_grad=True)


def solve_eq2(problem: FixedFeatureProblem, seed: int = 0) -> Solution:
    """eq. 2 on fixed representations f^m, which is eq. 1 (L_p-norm MKL) with the linear kernels
    k_m(u, v) = <f^m(u), f^m(v)> and lambda / 2 = Lambda: min over w, b and beta >= 0 with
    ||beta||_p <= 1 of

        loss(sum_m sqrt(beta_m) <w_m, f^m> + b) + Lambda sum_m ||w_m||^2.

    beta is kept on the sphere ||beta||_p = 1 (where the optimum lies: a larger beta
    never hurts) through beta = s / ||s||_p with s = exp(theta).
    """
    weights, bias = _initial_weights(problem, seed)
    theta = torch.zeros(len(weights), dtype=torch.float64, requires_grad=True)

    def beta() -> Tensor:
        s = theta.exp()
        return s / s.pow(problem.p).sum().pow(1.0 / problem.p)

    def objective() -> Tensor:
        b = beta()
        scaled = [b[m].sqrt() * w for m, w in enumerate(weights)]
        data = logistic_loss(_scores(problem, scaled, bias), problem.labels)
        return data + problem.reg_param * sum(w.pow(2).sum() for w in weights)

    _lbfgs([*weights, bias, theta], objective)
    with torch.no_grad():
        b = beta()
        norms = torch.stack([b[m].sqrt() * w.norm() for m, w in enumerate(weights)])
        return Solution(objective().item(), b, norms)


def solve_eq3(problem: FixedFeatureProblem, seed: int = 0) -> Solution:
    """eq. 3: min over v, b of loss(sum_m <v_m, f^m> + b) + Lambda (sum_m ||v_m||^q)^(2/q);
    beta then follows from eq. 4."""
    weights, bias = _initial_weights(problem, seed)

    def objective() -> Tensor:
        norms = torch.stack([w.norm() for w in weights])
        data = logistic_loss(_scores(problem, weights, bias), problem.labels)
        return data + block_norm_penalty(norms, problem.p, problem.reg_param)

    _lbfgs([*weights, bias], objective)
    with torch.no_grad():
        norms = torch.stack([w.norm() for w in weights])
        return Solution(objective().item(), relevance_scores(norms, problem.p), norms)
