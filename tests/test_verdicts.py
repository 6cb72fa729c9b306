"""The verdict rule (intense.repro.verdicts) and when a run counts as having learned."""

import math

import pytest
import torch

from intense.data.base import MultimodalData
from intense.repro.verdicts import (
    INCONCLUSIVE,
    NOT_REPRODUCED,
    REPRODUCED,
    bootstrap_interval,
    decimals,
    difference_verdict,
    mean_verdict,
    share_verdict,
    wilson_interval,
)
from intense.train import chance_rate, learned


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson_interval(9, 10)
    assert low == pytest.approx(0.5958, abs=1e-4) and high == pytest.approx(0.9821, abs=1e-4)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0) and wilson_interval(0, 10)[0] == pytest.approx(0.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)  # no information


def test_a_claim_that_holds_in_nine_or_ten_of_ten_seeds_is_reproduced():
    assert share_verdict("x", [True] * 10).outcome == REPRODUCED
    assert share_verdict("x", [True] * 9 + [False]).outcome == REPRODUCED


def test_eight_of_ten_is_inconclusive_and_one_of_ten_is_not_reproduced():
    assert share_verdict("x", [True] * 8 + [False] * 2).outcome == INCONCLUSIVE
    assert share_verdict("x", [True] + [False] * 9).outcome == NOT_REPRODUCED


def test_seeds_that_did_not_learn_are_counted_apart():
    holds = [True] * 6 + [False] * 4
    learned_flags = [True] * 6 + [False] * 4  # the failures are the unlearned seeds
    verdict = share_verdict("x", holds, learned_flags)
    assert (verdict.seeds, verdict.not_learned, verdict.estimate) == (6, 4, 1.0)
    assert verdict.outcome == REPRODUCED and "4 seeds did not learn" in str(verdict)
    assert verdict.holds == 6


def test_when_no_seed_learned_the_claim_holds_in_none_and_is_inconclusive():
    verdict = share_verdict("x", [True] * 3, [False] * 3)
    assert (verdict.holds, verdict.seeds, verdict.outcome) == (0, 0, INCONCLUSIVE)
    assert "holds in 0 of 0 learned seeds" in str(verdict)


def test_too_few_learned_seeds_make_any_claim_inconclusive():
    verdict = share_verdict("x", [True] * 10, [True] * 4 + [False] * 6)
    assert verdict.outcome == INCONCLUSIVE and "only 4 learned seeds" in verdict.reason
    assert share_verdict("x", []).outcome == INCONCLUSIVE


def test_a_paired_difference_decides_by_its_interval():
    a = {s: 0.80 + 0.01 * (s % 3) for s in range(10)}
    assert difference_verdict("A > B", a, {s: a[s] - 0.05 for s in a}).outcome == REPRODUCED
    assert difference_verdict("A > B", a, {s: a[s] + 0.05 for s in a}).outcome == NOT_REPRODUCED
    noisy = {s: a[s] + (0.05 if s % 2 else -0.05) for s in a}  # ahead in half the seeds
    assert difference_verdict("A > B", a, noisy).outcome == INCONCLUSIVE
    # "within 2 points": the line moves to -2
    assert (
        difference_verdict(
            "A within 2 of B", {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}, {s: 2.5 for s in range(5)}, margin=-2
        ).outcome
        == REPRODUCED
    )


def test_pairing_uses_only_the_seeds_both_methods_have():
    verdict = difference_verdict("A > B", {s: 1.0 for s in range(8)}, {s: 0.0 for s in range(3, 10)})
    assert verdict.seeds == 5 and verdict.estimate == 1.0


def test_mean_verdict_and_bootstrap_interval():
    low, high = bootstrap_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert low < 3.0 < high and 1.0 <= low and high <= 5.0
    assert mean_verdict("rho > 0.7", [0.9, 0.85, 0.95, 0.9, 0.88], line=0.7).outcome == REPRODUCED
    assert math.isnan(bootstrap_interval([])[0])


def test_a_mean_and_its_interval_are_written_with_one_number_of_decimals():
    assert decimals(-3.06, 0.757) == 1  # width 3.8: "-3.1 to 0.8"
    assert decimals(0.32, 0.801) == 2  # width 0.48
    assert decimals(0.74, 12.1) == 1 and decimals(0.0, 1e-9) == 4 and decimals(1.0, 1.0) == 2
    verdict = mean_verdict("rho > 0.7", [0.9, 0.85, 0.95, 0.9, 0.88], line=0.7)
    low, high = verdict.interval  # width about 0.06: three decimals
    assert f"mean {verdict.estimate:.3f} over 5 seeds, 95 % interval {low:.3f} to {high:.3f}" in verdict.details()


def test_learned_means_clearly_above_chance():
    assert learned(0.97, 0.5, 1250, threshold=0.75) and not learned(0.53, 0.5, 1250, threshold=0.75)
    assert learned(0.30, 0.18, 300) and not learned(0.20, 0.18, 300)  # 5 points and 3 s.e. above chance
    assert not learned(0.54, 0.5, 1250)  # above chance, but by less than 5 points


def test_chance_is_the_majority_rate():
    def data(labels, task="multiclass"):
        labels = torch.tensor(labels, dtype=torch.float32)
        return MultimodalData("d", [torch.zeros(len(labels), 1)], labels, ["1"], task, n_classes=3)

    assert chance_rate(data([0, 1, 1, 2])) == 0.5
    assert chance_rate(data([0.5, -1.0, 2.0, 0.0], "regression")) == pytest.approx(2 / 3)  # zeros not counted
