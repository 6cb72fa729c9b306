"""Theorem 1: eq. 2 (explicit beta) and eq. 3 (block-norm penalty) are the same problem."""

import pytest
import torch

from intense.theory import FixedFeatureProblem, solve_eq2, solve_eq3


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 4.0])
def test_eq2_and_eq3_reach_same_objective_and_eq4_recovers_beta(p):
    problem = FixedFeatureProblem.synthetic(strengths=[2.0, 1.0, 0.5], p=p, seed=0)
    explicit, block_norm = solve_eq2(problem), solve_eq3(problem)
    assert block_norm.objective == pytest.approx(explicit.objective, rel=1e-6)
    torch.testing.assert_close(block_norm.beta, explicit.beta, atol=1e-4, rtol=0)
    torch.testing.assert_close(block_norm.block_norms, explicit.block_norms, atol=1e-4, rtol=0)
    # ||beta||_p = 1: the constraint of eq. 2 is active at the optimum
    assert block_norm.beta.pow(p).sum().item() == pytest.approx(1.0)


def test_printed_exponent_p_over_p_plus_1_does_not_recover_beta():
    # the paper prints eq. 4's numerator as ||w||^(p/(p+1)); Prop. A.3 gives 2/(p+1)
    problem = FixedFeatureProblem.synthetic(strengths=[2.0, 1.0, 0.5], p=1.0, seed=0)
    explicit, block_norm = solve_eq2(problem), solve_eq3(problem)
    norms = block_norm.block_norms
    printed = norms.pow(0.5) / norms.pow(1.0).sum()
    assert (printed - explicit.beta).abs().max() > 0.05
