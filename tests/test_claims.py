"""The tests behind the claims (intense.repro.claims) on small tables of runs."""

import re

import numpy as np
import pandas as pd
import pytest

from intense.repro.claims import (
    above_baselines,
    block_above,
    by_accuracy_selection,
    informative_ranking,
    intense_most_accurate,
    larger_p_spreads,
    p_beyond_formula,
    reaches_paper,
    relevance_matches_unimodal,
    relevance_tracks_accuracy,
    reread_at_p,
    scheme_rankings,
    top_block_beyond_prior,
    top_block_is,
    within_mult,
)
from intense.repro.store import RecordsPending
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


def test_a_top_block_that_only_keeps_its_initial_lead_does_not_count():
    """The size prior: a large block starts with most of the relevance (eq. 4 grows with a
    block's number of features); the claim holds only where training raised it most."""
    prior = {"1": 0.1, "1x2": 0.2, "1x2x3": 0.7}
    kept_lead = runs([{"1": 0.2, "1x2": 0.3, "1x2x3": 0.5}] * 8, relevance_at_init=[prior] * 8)
    assert top_block_is(kept_lead, "1x2x3", "x").outcome == REPRODUCED  # on top in 8 of 8 ...
    assert top_block_beyond_prior(kept_lead, "1x2x3", "x").outcome == NOT_REPRODUCED  # ... but it lost ground
    earned = runs([{"1": 0.05, "1x2": 0.1, "1x2x3": 0.85}] * 8, relevance_at_init=[prior] * 8)
    assert top_block_beyond_prior(earned, "1x2x3", "x").outcome == REPRODUCED
    with pytest.raises(RecordsPending, match="initial_relevance.py"):
        top_block_beyond_prior(runs([prior] * 8, relevance_at_init=[None] * 8), "1x2x3", "x")


def test_rereading_fixed_weights_at_another_p_is_eq_4_of_their_norms():
    norms = {"1": 3.0, "2": 1.0, "1x2": 0.5}
    at = {p: {b: n ** (2 / (p + 1)) for b, n in norms.items()} for p in (1.0, 4.0)}
    at = {p: {b: v / sum(x**p for x in s.values()) ** (1 / p) for b, v in s.items()} for p, s in at.items()}
    assert reread_at_p(at[1.0], 1.0, 4.0) == pytest.approx(at[4.0])
    assert reread_at_p(at[4.0], 4.0, 1.0) == pytest.approx(at[1.0])


def test_p_beyond_formula_credits_training_only_with_what_the_formula_does_not_explain():
    small = runs([{"1": 0.7, "2": 0.2, "1x2": 0.1 + 0.001 * s} for s in range(8)], p=[1.0] * 8)
    formula_only = small.assign(p=4.0, relevance=small.relevance.map(lambda r: reread_at_p(r, 1.0, 4.0)))
    assert larger_p_spreads(small, formula_only, "x").outcome == REPRODUCED  # the old check: spread ...
    assert p_beyond_formula(small, formula_only, "x").outcome == INCONCLUSIVE  # ... all of it the formula's
    flatter = formula_only.assign(relevance=[{"1": 0.6, "2": 0.55, "1x2": 0.5 + 0.001 * s} for s in range(8)])
    assert p_beyond_formula(small, flatter, "x").outcome == REPRODUCED


def test_every_scheme_gets_the_same_three_ranking_tests():
    tri = pd.concat(
        [
            runs([{"1x2": 0.6, "1x2x3": 0.3}] * 8, model=["intense"] * 8),
            runs([{"1x2": 0.3, "1x2x3": 0.6}] * 8, model=["intense-naive"] * 8),
        ],
        ignore_index=True,
    ).assign(relevance_by_aggregation=None)
    table = scheme_rankings(tri)
    assert list(table.columns) == ["M1×M2 on top", "M1×M2×M3 on top", "M1×M2×M3 above M1×M2"]
    assert table.iloc[0].tolist() == ["8 of 8 learned seeds", "0 of 8 learned seeds", "0 of 8 learned seeds"]
    assert table.iloc[1].tolist() == ["0 of 8 learned seeds", "8 of 8 learned seeds", "8 of 8 learned seeds"]


def accuracies(**means):
    """Ten seeds of each method at its mean accuracy, a little noise by seed."""
    return pd.DataFrame(
        [
            {"seed": seed, "model": model, "test_accuracy": acc + 0.002 * (seed % 3)}
            for seed in range(10)
            for model, acc in means.items()
        ]
    )


def test_accuracy_claims_pair_methods_by_seed_in_points():
    acc = accuracies(mnl=0.80, intense=0.81, mro=0.70, multiroute=0.72, mult=0.815)
    above, best, mult = above_baselines(acc), intense_most_accurate(acc), within_mult(acc)
    assert above.outcome == best.outcome == mult.outcome == REPRODUCED
    assert above.estimate == pytest.approx(8.0) and re.fullmatch(r"\+8\.0+ points", above.estimate_text())
    behind = acc.assign(test_accuracy=acc.test_accuracy.where(acc.model != "intense", 0.71))
    assert intense_most_accurate(behind).outcome == NOT_REPRODUCED
    assert within_mult(behind).outcome == NOT_REPRODUCED  # 10.5 points below MulT


def test_above_baselines_can_be_judged_on_some_pairs_only():
    """As the paper's ENRICO row does: MRO above MNL there, so only the other pairs count."""
    acc = accuracies(mnl=0.80, intense=0.85, mro=0.82, multiroute=0.75)
    assert above_baselines(acc).estimate == pytest.approx(-2.0)  # MNL minus MRO, the worst pair
    others = [("intense", "mro"), ("intense", "multiroute"), ("mnl", "multiroute")]
    assert above_baselines(acc, pairs=others).estimate == pytest.approx(3.0)  # InTense minus MRO


def test_accuracy_claims_read_as_a_share_of_seeds_weigh_a_collapsed_run_as_one_seed():
    """One InTense run that collapsed to chance drags the mean gap below 0; counted seed by seed
    the claim still holds in 9 of 10, and a method behind at every seed holds in none."""
    acc = accuracies(mnl=0.80, intense=0.81, mro=0.75, multiroute=0.72)
    collapsed = (acc.model == "intense") & (acc.seed == 6)
    acc = acc.assign(test_accuracy=acc.test_accuracy.where(~collapsed, 0.10))
    for check in (above_baselines, intense_most_accurate):
        assert check(acc).estimate < 0  # the mean: a gap of -65 (-70) points at one seed outweighs 5 (1) at nine
        by_seed = check(acc, share=True)
        assert by_seed.estimate == pytest.approx(0.9) and by_seed.outcome == REPRODUCED
    behind = accuracies(mnl=0.80, intense=0.81, mro=0.82, multiroute=0.72)
    assert (
        above_baselines(behind, share=True).estimate == 0
        and above_baselines(behind, share=True).outcome == NOT_REPRODUCED
    )


def test_a_comparison_with_a_method_not_run_yet_is_pending_not_judged():
    """A table whose MulT (or baseline) runs are still to come: the claims that need them wait
    for the records (NOT CHECKED on the scoreboard) instead of failing or judging 0 seeds."""
    acc = accuracies(mnl=0.80, intense=0.81, mro=0.70, multiroute=0.72)
    with pytest.raises(RecordsPending, match="MulT"):
        within_mult(acc)
    without_routing = acc[acc.model != "multiroute"]
    for check in (above_baselines, intense_most_accurate):
        with pytest.raises(RecordsPending, match="MultiRoute"):
            check(without_routing)
    assert above_baselines(acc).outcome == REPRODUCED  # all four present: judged


def test_reaching_the_papers_accuracy_allows_the_papers_margin_below_it():
    acc = accuracies(intense=0.49)
    assert reaches_paper(acc, 50.8).outcome == REPRODUCED  # 1.8 points below: within 2
    assert reaches_paper(acc, 53.0).outcome == NOT_REPRODUCED
    assert re.fullmatch(r"49\.1\d*\u00a0%", reaches_paper(acc, 50.8).estimate_text())


def test_the_second_protocol_reads_the_checkpoint_of_best_validation_accuracy():
    runs = pd.DataFrame({"test_accuracy": [0.5, 0.6], "by_val_accuracy": [{"test": {"accuracy": 0.7}}, None]})
    assert list(by_accuracy_selection(runs).test_accuracy) == [0.7]  # a record without it is left out


def test_relevance_matches_unimodal_per_seed_on_the_split_asked_for():
    fused = runs([{"a": 0.7, "b": 0.3}] * 10)
    unimodal = pd.DataFrame(
        [
            {"seed": s, "modality": m, "val_accuracy": val, "test_accuracy": test}
            for s in range(10)
            for m, val, test in ((1, 0.9, 0.4), (2, 0.6, 0.7))  # b transfers better to the test split
        ]
    )
    assert relevance_matches_unimodal(fused, unimodal, ["a", "b"], "x", split="val").outcome == REPRODUCED
    assert relevance_matches_unimodal(fused, unimodal, ["a", "b"]).outcome == NOT_REPRODUCED  # the paper's test split
    with pytest.raises(ValueError, match="split must be 'val' or 'test'"):
        relevance_matches_unimodal(fused, unimodal, ["a", "b"], "x", split="validation")


@pytest.mark.parametrize("relevance", [{"a": 0.3, "b": 0.7}, {"a": 0.7, "b": 0.3}])
def test_relevance_matches_unimodal_counts_any_modality_tied_for_the_best(relevance):
    fused = runs([relevance] * 10)
    tied = pd.DataFrame(
        [{"seed": s, "modality": m, "val_accuracy": 0.8, "test_accuracy": 0.8} for s in range(10) for m in (1, 2)]
    )
    assert relevance_matches_unimodal(fused, tied, ["a", "b"]).estimate == 1.0


def synthgene_like(seeds: int = 10) -> tuple[pd.DataFrame, dict[int, list[float]]]:
    """Unimodal runs as on SynthGene: three informative modalities (2, 4, 7), seven at chance
    (their accuracy noise), and per seed the seven's order in a relevance (random)."""
    rng = np.random.default_rng(0)
    informative = {2: 0.7, 4: 0.8, 7: 0.95}
    unimodal = pd.DataFrame(
        [
            {"seed": s, "modality": m, "test_accuracy": informative.get(m, 0.5 + rng.normal(0, 0.01))}
            for s in range(seeds)
            for m in range(1, 11)
        ]
    )
    noise = {s: list(rng.permutation(7) / 100) for s in range(seeds)}
    return unimodal, noise


@pytest.mark.parametrize("reverse, outcome", [(False, REPRODUCED), (True, NOT_REPRODUCED)])
def test_relevance_tracks_accuracy_is_reachable_with_seven_modalities_at_chance(reverse, outcome):
    unimodal, noise = synthgene_like()
    scores = {2: 0.2, 4: 0.3, 7: 0.5}  # the informative three ranked right, the seven others in any order
    others = [m for m in range(1, 11) if m not in scores]
    relevance = [
        {**{str(m): noise[s][i] for i, m in enumerate(others)}, **{str(m): v for m, v in scores.items()}}
        for s in range(10)
    ]
    if reverse:
        relevance = [{b: 1 - v for b, v in r.items()} for r in relevance]
    assert relevance_tracks_accuracy(runs(relevance), unimodal, "x").outcome == outcome
