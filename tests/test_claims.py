"""The paper's claims (intense.repro.claims) on small tables of runs, and the scoreboard."""

import pandas as pd
import pytest

from intense.repro.claims import (
    accuracy_claims,
    block_above,
    claims_side_by_side,
    informative_ranking,
    larger_p_spreads,
    relevance_matches_unimodal,
    scoreboard,
    top_block_is,
)
from intense.repro.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED


def runs(relevances, learned=None, **columns):
    n = len(relevances)
    frame = pd.DataFrame({"seed": range(n), "relevance": relevances, **columns})
    frame["learned"] = [True] * n if learned is None else learned
    return frame


def test_top_block_counts_only_learned_seeds():
    rel = [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 6 + [{"1": 0.1, "1x2": 0.1, "1x2x3": 0.8}] * 4
    verdict = top_block_is(runs(rel, learned=[True] * 6 + [False] * 4), "1x2", "x")
    assert verdict.outcome == REPRODUCED and verdict.not_learned == 4
    assert top_block_is(runs(rel), "1x2x3", "x").outcome == INCONCLUSIVE  # 4 of 10


def test_block_above_and_ranking():
    rel = [{"1x2": 0.3, "1x2x3": 0.2}] * 10
    assert block_above(runs(rel), "1x2x3", "1x2", "x").outcome == NOT_REPRODUCED
    ordered = {str(m): 0.01 for m in range(1, 11)} | {"7": 0.5, "4": 0.3, "2": 0.15}
    assert informative_ranking(runs([ordered] * 10), "x").outcome == REPRODUCED


def test_a_larger_p_spreading_the_scores_is_judged_on_effective_blocks_paired_by_seed():
    sparse = runs([{"1": 0.7, "2": 0.2, "1x2": 0.1 + 0.01 * s} for s in range(6)])
    even = runs([{"1": 0.34, "2": 0.33, "1x2": 0.33 + 0.01 * s} for s in range(6)])
    assert larger_p_spreads(sparse, even, "x").outcome == REPRODUCED
    assert larger_p_spreads(even, sparse, "x").outcome == NOT_REPRODUCED
    # a seed counts only where both runs learned: 4 are too few
    half = runs(list(even.relevance), learned=[True] * 4 + [False] * 2)
    verdict = larger_p_spreads(sparse, half, "x")
    assert verdict.outcome == INCONCLUSIVE and verdict.not_learned == 2


def test_accuracy_claims_pair_methods_by_seed():
    rows = []
    for seed in range(10):
        for model, acc in {"mnl": 0.80, "intense": 0.81, "mro": 0.70, "multiroute": 0.72, "mult": 0.815}.items():
            rows.append({"seed": seed, "model": model, "test_accuracy": acc + 0.002 * (seed % 3)})
    above, best, mult = accuracy_claims(pd.DataFrame(rows), "d")
    assert above.outcome == REPRODUCED and best.outcome == REPRODUCED and mult.outcome == REPRODUCED


def test_claims_side_by_side_say_where_a_protocol_flips_a_verdict():
    rows = [
        {"seed": seed, "model": model, "test_accuracy": acc + 0.002 * (seed % 3)}
        for seed in range(10)
        for model, acc in {"mnl": 0.80, "intense": 0.81, "mro": 0.70, "multiroute": 0.72}.items()
    ]
    first = pd.DataFrame(rows)
    second = first.assign(test_accuracy=first.test_accuracy.where(first.model != "intense", 0.71))
    table = claims_side_by_side("d", {"first": first, "second": second})
    assert list(table.columns) == ["claim", "first", "second", "outcome differs"]
    assert list(table["outcome differs"]) == ["yes", "yes"]  # InTense falls below MNL and MultiRoute
    assert table.second.iloc[1].startswith("NOT REPRODUCED")
    assert list(claims_side_by_side("d", {"a": first, "b": first})["outcome differs"]) == ["no", "no"]


def test_relevance_matches_unimodal_per_seed_on_the_split_asked_for():
    fused = runs([{"a": 0.7, "b": 0.3}] * 10)
    unimodal = pd.DataFrame(
        [
            {"seed": s, "modality": m, "val_accuracy": val, "test_accuracy": test}
            for s in range(10)
            for m, val, test in ((1, 0.9, 0.4), (2, 0.6, 0.7))  # b transfers better to the test split
        ]
    )
    assert relevance_matches_unimodal(fused, unimodal, ["a", "b"], "x").outcome == REPRODUCED
    assert relevance_matches_unimodal(fused, unimodal, ["a", "b"], "x", split="test").outcome == NOT_REPRODUCED
    with pytest.raises(ValueError, match="split must be 'val' or 'test'"):
        relevance_matches_unimodal(fused, unimodal, ["a", "b"], "x", split="validation")


def test_the_scoreboard_covers_the_committed_results():
    board = scoreboard()
    assert len(board) >= 15 and all(row.verdict.outcome in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE) for row in board)
    html = board._repr_html_()
    assert html.count("<tr>") == len(board) + 1 and 'href="../notebooks/fig4_synthgene_tri.html"' in html
