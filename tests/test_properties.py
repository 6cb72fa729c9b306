"""Behaviour that the equations' tests do not pin down: properties a plausible bug would break.

Each test states one property of the library as a specification (issue: mutation testing of
the core found these families with no test that could fail).
"""

import math

import pytest
import torch

from intense import MNL, VBN, InTense, IterBN, MLPEncoder, NaiveInteractionNorm
from intense.data.base import split_indices
from intense.fusion import FusionHead
from intense.norms import IteratedPairwiseNorm
from intense.train import learned


def factors(n=32, dims=(3, 2, 4), seed=0, shift=1.5):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, d, generator=g, dtype=torch.float64) * (1 + m) + shift for m, d in enumerate(dims)]


NORMS = {
    "VBN": lambda: VBN(3),
    "IterBN": lambda: IterBN([3, 2, 4]),
    "naive": lambda: NaiveInteractionNorm([3, 2, 4]),
    "naive-pairwise": lambda: IteratedPairwiseNorm([3, 2, 4]),
}


def call(norm, features):
    return norm(features[0]) if isinstance(norm, VBN) else norm(features)


@pytest.mark.parametrize("name", NORMS)
def test_eval_mode_scores_each_sample_as_if_alone_and_leaves_the_running_statistics_alone(name):
    """In eval mode a test batch is normalised with the running statistics only: a sample's
    output does not depend on the other samples of its batch, and nothing is updated."""
    norm = NORMS[name]().double()
    for seed in range(3):  # a few training batches: running statistics far from any one batch's
        call(norm, factors(seed=seed))
    norm.eval()
    buffers = {k: v.clone() for k, v in norm.state_dict().items()}
    test = factors(n=16, seed=7, shift=-2.0)  # a batch unlike the training batches
    together = call(norm, test)
    alone = torch.cat([call(norm, [f[i : i + 1] for f in test]) for i in range(16)])
    torch.testing.assert_close(together, alone)
    half = call(norm, [f[:8] for f in test])  # and in a batch of another size
    torch.testing.assert_close(half, together[:8])
    for key, value in norm.state_dict().items():
        torch.testing.assert_close(value, buffers[key], msg=f"{name}: {key} changed in eval mode")


def test_learned_needs_both_five_points_and_three_standard_errors_above_chance():
    """The rule is chance + max(5 points, 3 standard errors), tested on both sides of each term."""
    chance = 0.5
    small = 100  # 3 s.e. = 0.15 > 5 points: the standard errors decide
    assert not learned(chance + 0.10, chance, small) and learned(chance + 0.151, chance, small)
    large = 100_000  # 3 s.e. = 0.0047 < 5 points: the 5 points decide
    assert not learned(chance + 0.04, chance, large) and learned(chance + 0.0501, chance, large)
    # a threshold set for the data set replaces both
    assert learned(0.75, chance, small, threshold=0.75) and not learned(0.7499, chance, small, threshold=0.75)


@pytest.mark.parametrize(
    "fractions", [(0.75, 0.125, 0.125), (0.65, 0.15, 0.20), (0.8, 0.1, 0.1), (0.5, 0.3, 0.2), (0.6, 0.1, 0.3)]
)
def test_splits_have_the_asked_sizes_are_disjoint_and_cover_every_sample(fractions):
    n = 1458
    parts = split_indices(n, fractions, seed=3)
    assert len(parts["train"]) == round(fractions[0] * n) and len(parts["val"]) == round(fractions[1] * n)
    assert len(parts["test"]) == n - len(parts["train"]) - len(parts["val"])
    every = torch.cat(list(parts.values()))
    assert sorted(every.tolist()) == list(range(n))
    assert split_indices(n, fractions, seed=3)["test"].tolist() == parts["test"].tolist()  # seeded
    assert split_indices(n, fractions, seed=4)["test"].tolist() != parts["test"].tolist()


@pytest.mark.parametrize("model_class", [MNL, InTense])
@pytest.mark.parametrize("weight", [0.0, 0.003, 0.5])
def test_the_penalty_weight_given_to_a_model_is_the_one_its_penalty_uses(model_class, weight):
    torch.manual_seed(0)
    model = model_class([MLPEncoder(4, 5, hidden=(8,)) for _ in range(3)], 2, reg_param=weight)
    norms = torch.stack([w.norm() for w in torch.split(model.head.linear.weight, model.head.block_dims, dim=1)])
    torch.testing.assert_close(model.penalty(), weight * norms.sum() ** 2)  # eq. 3 at p = 1


def test_each_block_owns_exactly_its_weight_columns_in_the_order_of_its_name():
    """The fusion layer's output is the sum over blocks of W_b times block b, W_b being the
    columns at the block's offset in `block_names` order: its norm is the block's relevance."""
    torch.manual_seed(0)
    head = FusionHead([2, 3, 4], ["a", "b", "axb"], output_dim=2).double()
    blocks = [torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)]
    blocks.append(torch.randn(5, 2, 2, dtype=torch.float64))  # an interaction block, (B, r, r)
    columns = torch.split(head.linear.weight, [2, 3, 4], dim=1)
    expected = sum(b.flatten(1) @ w.T for b, w in zip(blocks, columns)) + head.linear.bias
    torch.testing.assert_close(head(blocks), expected)
    # changing one block's input changes the output only through its own columns
    moved = [blocks[0], blocks[1] + 1.0, blocks[2]]
    torch.testing.assert_close(head(moved) - head(blocks), (torch.ones(5, 3, dtype=torch.float64) @ columns[1].T))
    with torch.no_grad():
        head.linear.weight[:, 2:5] = 0.0  # block b's columns
    scores = head.relevance()
    assert scores["b"] == 0.0 and head.block_norms()[1] == 0.0
    ratio = (head.linear.weight[:, :2].norm() / head.linear.weight[:, 5:].norm()).item()
    assert math.isclose(scores["a"] / scores["axb"], ratio, rel_tol=1e-9)
