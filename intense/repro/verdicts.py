"""One rule for every verdict of the book: REPRODUCED, NOT REPRODUCED or INCONCLUSIVE, and
NOT CHECKED where a claim cannot be checked here (with the reason, e.g. its data cannot be
obtained offline).

A claim is checked over seeds, and only over the seeds whose run learned the task (see
`intense.train.learned`); the others are counted and reported apart, never silently mixed in.

- **A claim about each seed** ("M1×M2 is the most relevant block"): the share of learned
  seeds where it holds, with a 95 % Clopper-Pearson (exact binomial) interval. REPRODUCED
  when the whole interval lies above `line` (default 1/2: the claim holds in most seeds), NOT
  REPRODUCED when it lies below, INCONCLUSIVE when it straddles the line.
- **A claim about a mean** ("A is more accurate than B", "Spearman above 0.7"): per-seed
  values (for a comparison, the paired-by-seed differences A - B), their mean with a 95 %
  sign-flip interval (`signflip_interval`); REPRODUCED when the interval lies above `line`,
  NOT REPRODUCED when below, INCONCLUSIVE when it straddles it.

Both rules are calibrated at the seed counts they are used with: where the claim is false
(a share of exactly `line`; values symmetric about `line`, which is what two exchangeable
methods give for paired differences), each says REPRODUCED in at most 2.5 % of experiments,
and NOT REPRODUCED likewise, whatever the distribution's tails (tests/test_verdicts.py
simulates it; the percentile bootstrap this book used before said REPRODUCED in 5-6 % at 10
seeds).

Fewer than `MIN_SEEDS` learned seeds make any claim INCONCLUSIVE, with that reason.
A deterministic check (a theorem on given numbers, no seeds) is REPRODUCED or NOT REPRODUCED
by `check_verdict`, with the evidence stated; `not_checked` says why a claim has no verdict.
Every estimate carries its unit: a share counts seeds ("9 of 10 learned seeds"), a mean has a
`measure` ("+8.9 points").

In a notebook, `display(verdict)` renders a verdict as a box (HTML) that wraps to the page;
`str(verdict)` is the same in one line.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "REPRODUCED",
    "NOT_REPRODUCED",
    "INCONCLUSIVE",
    "NOT_CHECKED",
    "OUTCOMES",
    "OUTCOME_COLOURS",
    "MIN_SEEDS",
    "Verdict",
    "decimals",
    "clopper_pearson_interval",
    "signflip_interval",
    "subset_masks",
    "share_verdict",
    "mean_verdict",
    "difference_verdict",
    "check_verdict",
    "not_checked",
]

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "REPRODUCED", "NOT REPRODUCED", "INCONCLUSIVE"
NOT_CHECKED = "NOT CHECKED"
OUTCOMES = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_CHECKED)
OUTCOME_COLOURS = {REPRODUCED: "#1a7f37", NOT_REPRODUCED: "#cf222e", INCONCLUSIVE: "#9a6700", NOT_CHECKED: "#57606a"}
# fewer learned seeds than this: INCONCLUSIVE (at 95 %, no test on 5 seeds can reject: the sign
# flips of 5 values have 32 patterns, and 1 / 32 > 2.5 %)
MIN_SEEDS = 6


@dataclass(frozen=True)
class Verdict:
    claim: str
    outcome: str  # one of OUTCOMES
    estimate: float  # share of seeds, or mean over seeds (nan where not checked)
    interval: tuple[float, float]  # 95 %
    seeds: int  # seeds counted (those that learned)
    not_learned: int  # seeds left out because their run did not learn the task
    rule: str  # the rule in words, with its line
    reason: str = ""  # why INCONCLUSIVE (too few seeds), or why NOT CHECKED
    unit: str = "learned seeds"  # what was counted ("seeds" where learning was not asked)
    measure: str = ""  # the unit of a mean's values ("points", "Spearman ρ", ...)

    @property
    def holds(self) -> int:
        """For a share rule: the number of counted seeds where the claim holds (0 of 0 seeds)."""
        return round(self.estimate * self.seeds) if self.seeds else 0

    def estimate_text(self) -> str:
        """The estimate with its unit: "9 of 10 learned seeds", "+8.9 points", "ρ 0.82"; for a
        deterministic check "holds" or "fails", and "—" where not checked."""
        if self.outcome == NOT_CHECKED:
            return "—"
        if self.rule.startswith("deterministic"):
            return "holds" if self.estimate else "fails"
        if self.rule.startswith("share"):
            return f"{self.holds} of {self.seeds} {self.unit}"
        return self._value(self.estimate)

    def interval_text(self) -> str:
        """The 95 % interval with its unit ("+3.1 to +12.0 points", "55 % to 100 %", "ρ 0.57 to
        0.73"), or "" where there is none."""
        low, high = self.interval
        if self.outcome == NOT_CHECKED or self.rule.startswith("deterministic") or math.isnan(low):
            return ""
        if self.rule.startswith("share"):
            return f"{low:.0%} to {high:.0%}".replace("%", "\u00a0%")
        text = f"{self._value(low, unit=False)} to {self._value(high, unit=False)}"
        if self.measure in ("", "points", "%") or len(self.measure) > 2:
            return f"{text}{self._value(high)[len(self._value(high, unit=False)) :]}"
        return f"{self.measure} {text}"

    def _value(self, value: float, unit: bool = True) -> str:
        """A value of the estimate's kind, with its unit ("+8.9 points", "ρ 0.82") or without."""
        if not math.isfinite(value):
            number = "-∞" if value < 0 else "∞"
        else:
            d = decimals(*self.interval) if all(map(math.isfinite, self.interval)) else 2
            number = f"{value:+.{d}f}" if self.measure == "points" else f"{value:.{d}f}"
        if not unit or not self.measure:
            return number
        if self.measure == "%":
            return f"{number}\u00a0%"
        if len(self.measure) <= 2:  # a symbol: "ρ 0.82"
            return f"{self.measure} {number}"
        return f"{number} {self.measure}"

    def details(self, rule: bool = True) -> str:
        """The evidence in words: estimate, interval, seeds counted and left out, and the rule."""
        if self.outcome == NOT_CHECKED:
            return self.reason
        if self.rule.startswith("deterministic"):
            return self.rule
        seeds = "seed" if self.not_learned == 1 else "seeds"
        apart = f"; {self.not_learned} {seeds} did not learn the task" if self.not_learned else ""
        why = f"; {self.reason}" if self.reason else ""
        if self.rule.startswith("share"):
            found = f"holds in {self.estimate_text()}, 95 % interval {self.interval_text()}"
        else:
            found = f"mean {self.estimate_text()} over {self.seeds} {self.unit}, 95 % interval {self.interval_text()}"
        return f"{found}{apart}{why}" + (f"; rule: {self.rule}" if rule else "")

    def __str__(self) -> str:
        return f"{self.claim}: {self.outcome} ({self.details()})"

    def _repr_html_(self) -> str:
        colour = OUTCOME_COLOURS[self.outcome]
        return (
            f'<div class="intense-verdict" style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0;'
            f'white-space:normal;overflow-wrap:anywhere"><b style="color:{colour}">{self.outcome}</b> '
            f"{html.escape(self.claim)}<br><small>{html.escape(self.details())}</small></div>"
        )


def decimals(low: float, high: float) -> int:
    """Decimals that show an interval's width to two significant digits (1 to 4): one format
    for its mean and both ends ("-1.0, -3.1 to 0.8", not "-1.03, -3.06 to 0.757")."""
    width = abs(high - low)
    if not math.isfinite(width) or width == 0:
        return 2
    return min(4, max(1, 1 - math.floor(math.log10(width))))


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def clopper_pearson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a binomial share: the shares p that a one-sided
    binomial test at (1 - level) / 2 does not reject. Its coverage is at least `level` at every
    n and p (Wilson's, which this book used before, is not: 96.2 % at n = 16, p = 1/2)."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in 0..{n}, got {successes}")
    tail = (1 - level) / 2

    def solve(too_low) -> float:  # bisection on p in [0, 1] for the p where the test tips
        low, high = 0.0, 1.0
        for _ in range(60):
            mid = (low + high) / 2
            low, high = (mid, high) if too_low(mid) else (low, mid)
        return (low + high) / 2

    # lower end: the smallest p with P(X >= successes | p) > tail; upper: the largest p with
    # P(X <= successes | p) > tail
    lower = 0.0 if successes == 0 else solve(lambda p: _binomial_tail(successes, n, p) <= tail)
    upper = 1.0 if successes == n else solve(lambda p: 1 - _binomial_tail(successes + 1, n, p) > tail)
    return (lower, upper)


SIGNFLIP_EXACT_UP_TO = 16  # seeds: every subset enumerated (2^16); beyond, `SIGNFLIP_DRAWS` random ones
SIGNFLIP_DRAWS = 65_536
SIGNFLIP_SEED = 0  # the drawn subsets are the same in every run


def subset_masks(n: int) -> np.ndarray:
    """Indicator rows of non-empty subsets of n values, (subsets, n) of 0/1: all 2^n - 1 of
    them up to `SIGNFLIP_EXACT_UP_TO` values, beyond a fixed random sample of `SIGNFLIP_DRAWS`
    (every subset equally likely, the empty ones dropped)."""
    if n <= SIGNFLIP_EXACT_UP_TO:
        return (np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1  # (2^n - 1, n)
    masks = np.random.default_rng(SIGNFLIP_SEED).integers(0, 2, size=(SIGNFLIP_DRAWS, n))
    return masks[masks.any(axis=1)]


def signflip_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """The interval of the centre of a symmetric distribution that inverts the sign-flip
    (permutation) test of the mean: the centres mu that the one-sided tests at (1 - level) / 2
    do not reject.

    Flipping the signs of the values x_i - mu in a subset S raises their mean exactly when the
    mean of x over S is at most mu, so the test's p-value at mu is (1 + #{S: mean(x_S) <= mu}) /
    2^n, and the interval's ends are order statistics of the 2^n - 1 subset means: the k-th
    smallest and the k-th largest, k = floor((1 - level) / 2 * 2^n) (Hartigan 1969). With
    k = 0 (five or fewer values at 95 %) the test cannot reject: (-inf, inf). Under a null whose
    values are symmetric about mu (exchangeable methods' paired differences), the interval
    excludes mu on each side in at most (1 - level) / 2 of experiments, whatever the tails."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (math.nan, math.nan)
    masks = subset_masks(x.size)
    means = np.sort((masks @ x) / masks.sum(axis=1))  # every subset's mean
    k = math.floor((1 - level) / 2 * (means.size + 1))
    if k == 0:
        return (-math.inf, math.inf)
    return (float(means[k - 1]), float(means[-k]))


def _outcome(interval: tuple[float, float], line: float) -> str:
    low, high = interval
    if low > line:
        return REPRODUCED
    if high < line:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def _learned_only(values: Sequence, learned: Sequence[bool] | None) -> tuple[list, int]:
    if learned is None:
        return list(values), 0
    if len(learned) != len(values):
        raise ValueError(f"{len(values)} values but {len(learned)} learned flags")
    kept = [v for v, ok in zip(values, learned) if ok]
    return kept, len(values) - len(kept)


def _too_few(
    claim: str, estimate: float, interval, seeds: int, not_learned: int, rule: str, unit: str
) -> Verdict | None:
    if seeds >= MIN_SEEDS:
        return None
    reason = f"only {seeds} {unit} (at least {MIN_SEEDS} are needed)"
    return Verdict(claim, INCONCLUSIVE, estimate, interval, seeds, not_learned, rule, reason, unit)


def share_verdict(
    claim: str, holds: Sequence[bool], learned: Sequence[bool] | None = None, line: float = 0.5
) -> Verdict:
    """A claim about each seed: does it hold in more than `line` of the learned seeds?"""
    kept, not_learned = _learned_only([bool(h) for h in holds], learned)
    n, k = len(kept), sum(kept)
    interval = clopper_pearson_interval(k, n)
    estimate = k / n if n else math.nan
    rule = f"share of seeds where it holds, 95 % exact (Clopper-Pearson) interval vs {line:g}"
    unit = "seeds" if learned is None else "learned seeds"
    return _too_few(claim, estimate, interval, n, not_learned, rule, unit) or Verdict(
        claim, _outcome(interval, line), estimate, interval, n, not_learned, rule, unit=unit
    )


def mean_verdict(
    claim: str, values: Sequence[float], learned: Sequence[bool] | None = None, line: float = 0.0, measure: str = ""
) -> Verdict:
    """A claim about a mean over seeds: is the mean above `line`? `measure`: the values' unit."""
    kept, not_learned = _learned_only([float(v) for v in values], learned)
    interval = signflip_interval(kept)
    estimate = float(np.mean(kept)) if kept else math.nan
    rule = f"mean over seeds, 95 % sign-flip interval vs {line:g}"
    unit = "seeds" if learned is None else "learned seeds"
    verdict = _too_few(claim, estimate, interval, len(kept), not_learned, rule, unit) or Verdict(
        claim, _outcome(interval, line), estimate, interval, len(kept), not_learned, rule, unit=unit
    )
    return replace(verdict, measure=measure)


def difference_verdict(
    claim: str,
    a: dict[int, float],
    b: dict[int, float],
    learned: dict[int, bool] | None = None,
    margin: float = 0.0,
    measure: str = "",
) -> Verdict:
    """ "A above B (by more than `margin`)": paired by seed (the seeds both have), the mean of
    A - B with a sign-flip interval. `a`, `b`, `learned`: seed -> value. For accuracy
    comparisons leave `learned` out: a run that did not learn is part of a method's accuracy."""
    seeds = sorted(set(a) & set(b))
    differences = [a[s] - b[s] for s in seeds]
    flags = None if learned is None else [bool(learned.get(s, False)) for s in seeds]
    verdict = mean_verdict(claim, differences, flags, line=margin, measure=measure)
    return replace(verdict, rule=f"paired-by-seed difference A - B, 95 % sign-flip interval vs {margin:g}")


def check_verdict(claim: str, holds: bool, evidence: str) -> Verdict:
    """A deterministic check (no seeds): REPRODUCED when it holds, with the evidence in words."""
    outcome = REPRODUCED if holds else NOT_REPRODUCED
    return Verdict(claim, outcome, float(holds), (float(holds), float(holds)), 0, 0, f"deterministic check: {evidence}")


def not_checked(claim: str, reason: str) -> Verdict:
    """A claim this reproduction cannot check, and why (e.g. its data cannot be obtained offline)."""
    return Verdict(claim, NOT_CHECKED, math.nan, (math.nan, math.nan), 0, 0, "not checked", reason)
