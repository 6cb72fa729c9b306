"""The verdict rule (intense.repro.verdicts) and when a run counts as having learned."""

import itertools
import math
import warnings

import numpy as np
import pytest
import torch

from intense.data.base import MultimodalData
from intense.repro.verdicts import (
    INCONCLUSIVE,
    MIN_SEEDS,
    NOT_CHECKED,
    NOT_REPRODUCED,
    OUTCOME_COLOURS,
    REPRODUCED,
    Verdict,
    check_verdict,
    clopper_pearson_interval,
    decimals,
    difference_verdict,
    mean_verdict,
    not_checked,
    share_verdict,
    signflip_interval,
    subset_masks,
)
from intense.train import chance_rate, learned, not_learned_because


def test_clopper_pearson_interval_matches_the_textbook_values():
    low, high = clopper_pearson_interval(9, 10)
    assert low == pytest.approx(0.5550, abs=1e-4) and high == pytest.approx(0.9975, abs=1e-4)
    # all successes: the lower end solves p^n = 2.5 %
    assert clopper_pearson_interval(10, 10) == pytest.approx((0.025 ** (1 / 10), 1.0))
    assert clopper_pearson_interval(0, 10) == pytest.approx((0.0, 1 - 0.025 ** (1 / 10)))
    assert clopper_pearson_interval(0, 0) == (0.0, 1.0)  # no information


def test_the_share_rule_says_reproduced_in_at_most_2_5_percent_where_the_claim_holds_in_half_the_seeds():
    """Exactly, at every seed count from 6 to 40 (Wilson's interval, used before, was above
    2.5 % at 8, 11, 14, 16, ... seeds)."""
    for n in range(MIN_SEEDS, 41):
        wrong = sum(math.comb(n, k) for k in range(n + 1) if clopper_pearson_interval(k, n)[0] > 0.5) / 2**n
        assert wrong <= 0.025, n


def test_signflip_interval_is_the_inverted_permutation_test():
    x = [0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.9, 1.6, 0.2, 1.3]
    low, high = signflip_interval(x)
    assert low < sum(x) / len(x) < high

    def p_above(mu):  # one-sided p-value of "centre above mu", by flipping every sign pattern
        d = [v - mu for v in x]
        observed = sum(d)
        patterns = range(2 ** len(d))
        more = sum(sum(v if m >> i & 1 else -v for i, v in enumerate(d)) >= observed - 1e-12 for m in patterns)
        return more / 2 ** len(d)

    assert p_above(low - 1e-6) <= 0.025 < p_above(low + 1e-6)  # the interval starts where the test tips
    assert signflip_interval([1.0] * 5) == (-math.inf, math.inf)  # 5 values: no 95 % test can reject
    assert math.isnan(signflip_interval([])[0])


NULLS = {
    "normal": lambda rng, n: rng.normal(size=n),
    "heavy-tailed (Student t, 3 d.f.)": lambda rng, n: rng.standard_t(3, size=n),
    # two exchangeable methods whose accuracies are skewed: their paired difference is symmetric
    "skewed, paired": lambda rng, n: rng.exponential(size=n) ** 2 - rng.exponential(size=n) ** 2,
}


@pytest.mark.parametrize("null", NULLS)
def test_the_mean_rule_says_reproduced_in_at_most_2_5_percent_of_null_experiments_at_10_seeds(null):
    """10 seeds of a claim that is false (values centred on the line): REPRODUCED at most at
    the nominal 2.5 % (and NOT REPRODUCED likewise), up to simulation error (4000 experiments:
    standard error 0.25 points). The percentile bootstrap used before: 5.3 % and 6.4 %."""
    import numpy as np

    rng = np.random.default_rng(1)
    outcomes = [mean_verdict("x", list(NULLS[null](rng, 10))).outcome for _ in range(4000)]
    assert outcomes.count(REPRODUCED) / 4000 <= 0.025 + 0.005
    assert outcomes.count(NOT_REPRODUCED) / 4000 <= 0.025 + 0.005


def test_the_mean_rule_finds_a_one_standard_deviation_effect_at_10_seeds_most_of_the_time():
    import numpy as np

    rng = np.random.default_rng(2)
    found = [mean_verdict("x", list(rng.normal(size=10) + 1)).outcome == REPRODUCED for _ in range(1000)]
    assert sum(found) / 1000 > 0.75  # about 0.81


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
            "A within 2 of B", dict.fromkeys(range(6), 1.0), dict.fromkeys(range(6), 2.5), margin=-2
        ).outcome
        == REPRODUCED
    )


def test_pairing_uses_only_the_seeds_both_methods_have():
    verdict = difference_verdict("A > B", {s: 1.0 for s in range(9)}, {s: 0.0 for s in range(3, 10)})
    assert verdict.seeds == 6 and verdict.estimate == 1.0


def test_mean_verdict_on_six_seeds_and_too_few_on_five():
    values = [0.9, 0.85, 0.95, 0.9, 0.88, 0.93]
    assert mean_verdict("rho > 0.7", values, line=0.7).outcome == REPRODUCED
    five = mean_verdict("rho > 0.7", values[:5], line=0.7)
    assert five.outcome == INCONCLUSIVE and "at least 6 are needed" in five.reason


def test_a_mean_and_its_interval_are_written_with_one_number_of_decimals():
    assert decimals(-3.06, 0.757) == 1  # width 3.8: "-3.1 to 0.8"
    assert decimals(0.32, 0.801) == 2  # width 0.48
    assert decimals(0.74, 12.1) == 1 and decimals(0.0, 1e-9) == 4 and decimals(1.0, 1.0) == 2
    verdict = mean_verdict("rho > 0.7", [0.9, 0.85, 0.95, 0.9, 0.88, 0.92], line=0.7)
    low, high = verdict.interval  # 0.85 to 0.95, width 0.1: two decimals
    assert f"mean {verdict.estimate:.2f} over 6 seeds, 95 % interval {low:.2f} to {high:.2f}" in verdict.details()


def test_learned_means_clearly_above_chance():
    assert learned(0.97, 0.5, 1250, threshold=0.75) and not learned(0.53, 0.5, 1250, threshold=0.75)
    assert learned(0.30, 0.18, 300) and not learned(0.20, 0.18, 300)  # 5 points and 3 s.e. above chance
    assert not learned(0.54, 0.5, 1250)  # above chance, but by less than 5 points


def test_learned_from_exactly_the_bar_on_and_at_one_validation_sample_by_three_standard_errors():
    assert learned(0.5 + 0.05, 0.5, 10_000) and not learned(math.nextafter(0.55, 0), 0.5, 10_000)
    assert learned(0.75, 0.2, 100, threshold=0.75) and not learned(math.nextafter(0.75, 0), 0.2, 100, threshold=0.75)
    reason = not_learned_because(1.0, 0.5, 1)  # 3 standard errors of one sample: 1.5 above chance
    assert reason.endswith("a run counts as learned from 2.000, 5 points and 3 standard errors above chance")
    assert not_learned_because(0.5, 0.5, 0).endswith("learned from 2.000, 5 points and 3 standard errors above chance")


def test_chance_is_the_majority_rate():
    def data(labels, task="multiclass"):
        labels = torch.tensor(labels, dtype=torch.float32)
        return MultimodalData("d", [torch.zeros(len(labels), 1)], labels, ["1"], task, n_classes=3)

    assert chance_rate(data([0, 1, 1, 2])) == 0.5
    assert chance_rate(data([0.5, -1.0, 2.0, 0.0], "regression")) == pytest.approx(2 / 3)  # zeros not counted
    assert math.isnan(chance_rate(data([0.0, 0.0], "regression")))  # no signed label: no chance rate


def test_every_estimate_carries_its_unit():
    share = share_verdict("x", [True] * 9 + [False], [True] * 10)
    assert share.estimate_text() == "9 of 10 learned seeds" and share.interval_text() == "55\u00a0% to 100\u00a0%"
    values = [8.1, 9.0, 7.5, 10.2, 8.8, 9.6, 8.0, 9.9]
    points = mean_verdict("x", values, measure="points")
    assert points.estimate_text() == f"+{points.estimate:.1f} points"
    low, high = points.interval
    assert points.interval_text() == f"+{low:.1f} to +{high:.1f} points"
    rho = mean_verdict("x", [0.6, 0.7, 0.65, 0.62, 0.68, 0.66], line=0.7, measure="ρ")
    assert rho.estimate_text().startswith("ρ 0.6") and rho.interval_text().startswith("ρ ")
    blocks = mean_verdict("x", values, measure="effective blocks")
    assert blocks.estimate_text().endswith(" effective blocks") and blocks.interval_text().endswith(" effective blocks")


def test_a_claim_that_cannot_be_checked_says_why():
    verdict = not_checked("Table 2 on CMU-MOSI", "the data cannot be obtained offline")
    assert verdict.outcome == NOT_CHECKED and verdict.estimate_text() == "—" and verdict.interval_text() == ""
    assert str(verdict) == "Table 2 on CMU-MOSI: NOT CHECKED (the data cannot be obtained offline)"
    assert "NOT CHECKED" in verdict._repr_html_()
    assert math.isnan(verdict.estimate) and all(map(math.isnan, verdict.interval))  # no estimate, no seeds
    assert (verdict.seeds, verdict.not_learned, verdict.rule) == (0, 0, "not checked")


def test_a_mean_counts_only_the_learned_seeds_and_says_how_many_it_left_out():
    values = [1.0, 1.1, 0.9, 1.0, 1.2, 0.8, -5.0, -5.0]  # the two failures did not learn
    flags = [True] * 6 + [False] * 2
    verdict = mean_verdict("x > 0", values, flags, measure="points")
    assert (verdict.seeds, verdict.not_learned, verdict.estimate) == (6, 2, pytest.approx(1.0))
    assert verdict.outcome == REPRODUCED and verdict.unit == "learned seeds" and verdict.measure == "points"
    assert mean_verdict("x > 0", values).unit == "seeds"  # learning not asked
    with pytest.raises(ValueError, match="8 values but 7 learned flags"):
        mean_verdict("x > 0", values, flags[:7])


def test_a_paired_difference_leaves_out_the_seeds_that_did_not_learn_or_have_no_flag():
    a = {s: 1.0 + 0.01 * s for s in range(9)}
    b = {s: 0.0 for s in range(9)} | {6: 9.0, 7: 9.0}  # seeds 6 and 7 would reverse the sign
    learned_flags = {s: s < 6 for s in range(8)}  # 6, 7 did not learn; 8 has no flag
    verdict = difference_verdict("A > B", a, b, learned_flags, margin=0.5, measure="points")
    assert (verdict.seeds, verdict.not_learned, verdict.outcome) == (6, 3, REPRODUCED)
    assert verdict.claim == "A > B" and verdict.measure == "points"
    assert verdict.rule == "paired-by-seed difference A - B, 95 % sign-flip interval vs 0.5"
    assert difference_verdict("A > B", a, b, margin=0.5).not_learned == 0  # accuracy: every run counts


def test_too_few_seeds_keep_the_claim_the_estimate_and_the_interval():
    for verdict in (mean_verdict("m", [1.0] * 5), share_verdict("s", [True] * 6, [True] * 5 + [False])):
        assert verdict.outcome == INCONCLUSIVE and verdict.claim in ("m", "s")
        assert verdict.estimate == 1.0 and verdict.seeds == 5
    share = share_verdict("s", [True] * 5 + [False], [True] * 5 + [False])
    assert share.not_learned == 1 and share.interval == clopper_pearson_interval(5, 5)
    assert mean_verdict("m", [1.0] * 5).interval == signflip_interval([1.0] * 5)


def test_clopper_pearson_at_one_trial_and_one_success():
    assert clopper_pearson_interval(1, 1) == pytest.approx((0.025, 1.0))
    assert clopper_pearson_interval(0, 1) == pytest.approx((0.0, 0.975))
    low, high = clopper_pearson_interval(1, 10)  # the textbook values
    assert low == pytest.approx(0.0025, abs=1e-4) and high == pytest.approx(0.4450, abs=1e-4)
    with pytest.raises(ValueError, match="successes must lie in 0..3"):
        clopper_pearson_interval(4, 3)


def test_a_deterministic_check_holds_or_fails_and_shows_its_evidence_without_an_interval():
    holds, fails = check_verdict("eq. 4 sums to 1", True, "max |sum - 1| = 2e-7"), check_verdict("c", False, "e")
    assert (holds.outcome, holds.estimate_text(), holds.interval_text()) == (REPRODUCED, "holds", "")
    assert (fails.outcome, fails.estimate_text(), fails.interval_text()) == (NOT_REPRODUCED, "fails", "")
    assert str(holds) == "eq. 4 sums to 1: REPRODUCED (deterministic check: max |sum - 1| = 2e-7)"
    assert (holds.seeds, holds.not_learned, holds.interval) == (0, 0, (1.0, 1.0))
    assert f"color:{OUTCOME_COLOURS[REPRODUCED]}" in holds._repr_html_()
    assert f"color:{OUTCOME_COLOURS[NOT_REPRODUCED]}" in fails._repr_html_()


def test_a_share_is_written_with_the_seeds_left_out_its_reason_and_its_rule():
    rule = "share of seeds where it holds, 95 % exact (Clopper-Pearson) interval vs 0.5"
    one_out = share_verdict("s", [True] * 9 + [False, False], [True] * 10 + [False])
    assert str(one_out) == (
        "s: REPRODUCED (holds in 9 of 10 learned seeds, 95 % interval 55\u00a0% to 100\u00a0%; "
        f"1 seed did not learn the task; rule: {rule})"
    )
    two_out = share_verdict("s", [True] * 5, [True] * 3 + [False] * 2)
    assert two_out.details(rule=False) == (
        "holds in 3 of 3 learned seeds, 95 % interval 29\u00a0% to 100\u00a0%; 2 seeds did not learn the task; "
        "only 3 learned seeds (at least 6 are needed)"
    )
    every = share_verdict("s", [True] * 10)
    assert every.details(rule=False) == "holds in 10 of 10 seeds, 95 % interval 69\u00a0% to 100\u00a0%"
    assert f"color:{OUTCOME_COLOURS[INCONCLUSIVE]}" in two_out._repr_html_()


def test_a_mean_is_written_in_its_measure_a_symbol_before_a_word_after():
    values = [0.4, 0.5, 0.6, 0.5, 0.45, 0.55]
    low, high = signflip_interval(values)
    expected = {
        "": ("0.50", f"{low:.2f} to {high:.2f}"),
        "%": ("0.50\u00a0%", f"{low:.2f} to {high:.2f}\u00a0%"),
        "ρ": ("ρ 0.50", f"ρ {low:.2f} to {high:.2f}"),
        "R²": ("R² 0.50", f"R² {low:.2f} to {high:.2f}"),
        "nat": ("0.50 nat", f"{low:.2f} to {high:.2f} nat"),
        "points": ("+0.50 points", f"+{low:.2f} to +{high:.2f} points"),
    }
    for measure, texts in expected.items():
        verdict = mean_verdict("m", values, measure=measure)
        assert (verdict.estimate_text(), verdict.interval_text()) == texts, measure
    assert difference_verdict("d", dict(enumerate(values)), dict.fromkeys(range(6), 0.0)).estimate_text() == "0.50"


def test_an_unbounded_interval_is_written_with_infinities_and_two_decimals():
    rule = "mean over seeds, 95 % sign-flip interval vs 0"
    verdict = Verdict("m", INCONCLUSIVE, 1.0, (-math.inf, math.inf), 6, 0, rule, measure="points")
    assert (verdict.estimate_text(), verdict.interval_text()) == ("+1.00 points", "-∞ to ∞ points")


def test_the_interval_ends_are_the_kth_smallest_and_largest_subset_means():
    """k = floor((1 - level) / 2 * 2^n), against subset means listed one by one."""
    rng = np.random.default_rng(3)
    for n, level in ((10, 0.95), (6, 0.5), (4, 0.4)):
        x = list(rng.normal(size=n))
        means = sorted(float(np.mean(s)) for k in range(1, n + 1) for s in itertools.combinations(x, k))
        k = math.floor((1 - level) / 2 * 2**n)  # 25, 16 and 4
        assert signflip_interval(x, level) == pytest.approx((means[k - 1], means[-k])), (n, level)


def test_subsets_are_all_enumerated_up_to_16_values_and_drawn_fairly_and_reproducibly_beyond():
    assert sorted(map(tuple, subset_masks(3).tolist())) == sorted(
        tuple(int(i in s) for i in range(3)) for k in (1, 2, 3) for s in itertools.combinations(range(3), k)
    )
    assert subset_masks(16).shape == (2**16 - 1, 16)
    np.random.seed(1)
    drawn = subset_masks(17)
    np.random.seed(2)  # the global generator plays no part
    assert np.array_equal(drawn, subset_masks(17))
    assert drawn.shape[1] == 17 and 65_000 < drawn.shape[0] <= 65_536 and set(np.unique(drawn)) == {0, 1}
    assert drawn.sum(axis=1).min() >= 1  # no empty subset
    assert np.allclose(drawn.mean(axis=0), 0.5, atol=0.01)  # each value in half of the subsets


def test_an_interval_that_touches_the_line_is_inconclusive():
    from intense.repro.verdicts import _outcome

    assert _outcome((0.0, 1.0), 0.0) == _outcome((-1.0, 0.0), 0.0) == INCONCLUSIVE
    assert _outcome((1e-12, 1.0), 0.0) == REPRODUCED and _outcome((-1.0, -1e-12), 0.0) == NOT_REPRODUCED


def test_a_mean_of_too_few_or_no_values_keeps_its_rule_unit_and_counts_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = mean_verdict("m", [])
    assert empty.outcome == INCONCLUSIVE and math.isnan(empty.estimate) and empty.seeds == 0
    five = mean_verdict("m", [1.0] * 5 + [9.0], [True] * 5 + [False])
    assert (five.unit, five.not_learned, five.outcome) == ("learned seeds", 1, INCONCLUSIVE)
    assert five.rule == mean_verdict("m", [1.0] * 6).rule == "mean over seeds, 95 % sign-flip interval vs 0"
    assert mean_verdict("m", [1.0] * 5).unit == "seeds"
