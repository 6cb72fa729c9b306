"""One rule for every verdict of the book: REPRODUCED, NOT REPRODUCED or INCONCLUSIVE.

A claim is checked over seeds, and only over the seeds whose run learned the task (see
`intense.train.learned`); the others are counted and reported apart, never silently mixed in.

- **A claim about each seed** ("M1×M2 is the most relevant block"): the share of learned
  seeds where it holds, with a 95 % Wilson score interval. REPRODUCED when the whole interval
  lies above `line` (default 1/2: the claim holds in most seeds), NOT REPRODUCED when it lies
  below, INCONCLUSIVE when it straddles the line.
- **A claim about a mean** ("A is more accurate than B", "Spearman above 0.7"): per-seed
  values (for a comparison, the paired-by-seed differences A - B), their mean with a 95 %
  bootstrap percentile interval; REPRODUCED when the interval lies above `line`, NOT
  REPRODUCED when below, INCONCLUSIVE when it straddles it.

Fewer than `MIN_SEEDS` learned seeds make any claim INCONCLUSIVE, with that reason.
A deterministic check (a theorem on given numbers, no seeds) is REPRODUCED or NOT REPRODUCED
by `check_verdict`, with the evidence stated.

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
    "MIN_SEEDS",
    "Verdict",
    "decimals",
    "wilson_interval",
    "bootstrap_interval",
    "share_verdict",
    "mean_verdict",
    "difference_verdict",
    "check_verdict",
]

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "REPRODUCED", "NOT REPRODUCED", "INCONCLUSIVE"
MIN_SEEDS = 5  # fewer learned seeds than this: INCONCLUSIVE
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile


@dataclass(frozen=True)
class Verdict:
    claim: str
    outcome: str  # REPRODUCED | NOT REPRODUCED | INCONCLUSIVE
    estimate: float  # share of seeds, or mean over seeds
    interval: tuple[float, float]  # 95 %
    seeds: int  # seeds counted (those that learned)
    not_learned: int  # seeds left out because their run did not learn the task
    rule: str  # the rule in words, with its line
    reason: str = ""  # why INCONCLUSIVE, when it is for too few seeds
    unit: str = "learned seeds"  # what was counted ("seeds" where learning was not asked)

    @property
    def holds(self) -> int:
        """For a share rule: the number of counted seeds where the claim holds (0 of 0 seeds)."""
        return round(self.estimate * self.seeds) if self.seeds else 0

    def details(self, rule: bool = True) -> str:
        """The evidence in words: estimate, interval, seeds counted and left out, and the rule."""
        if self.rule.startswith("deterministic"):
            return self.rule
        low, high = self.interval
        seeds = "seed" if self.not_learned == 1 else "seeds"
        apart = f"; {self.not_learned} {seeds} did not learn the task" if self.not_learned else ""
        why = f"; {self.reason}" if self.reason else ""
        if self.rule.startswith("share"):
            found = f"holds in {self.holds} of {self.seeds} {self.unit}, 95 % interval {low:.0%} to {high:.0%}"
        else:
            d = decimals(low, high)
            found = (
                f"mean {self.estimate:.{d}f} over {self.seeds} {self.unit}, 95 % interval {low:.{d}f} to {high:.{d}f}"
            )
        return f"{found}{apart}{why}" + (f"; rule: {self.rule}" if rule else "")

    def __str__(self) -> str:
        return f"{self.claim}: {self.outcome} ({self.details()})"

    def _repr_html_(self) -> str:
        colour = {REPRODUCED: "#1a7f37", NOT_REPRODUCED: "#cf222e", INCONCLUSIVE: "#9a6700"}[self.outcome]
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


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial share (within [0, 1])."""
    if n <= 0:
        return (0.0, 1.0)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_interval(
    values: Sequence[float], level: float = 0.95, draws: int = 10_000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (resampling seeds with replacement)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(draws, x.size))].mean(axis=1)
    tail = (1 - level) / 2
    return (float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)))


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
    interval = wilson_interval(k, n)
    estimate = k / n if n else math.nan
    rule = f"share of seeds where it holds, 95 % Wilson interval vs {line:g}"
    unit = "seeds" if learned is None else "learned seeds"
    return _too_few(claim, estimate, interval, n, not_learned, rule, unit) or Verdict(
        claim, _outcome(interval, line), estimate, interval, n, not_learned, rule, unit=unit
    )


def mean_verdict(
    claim: str, values: Sequence[float], learned: Sequence[bool] | None = None, line: float = 0.0
) -> Verdict:
    """A claim about a mean over seeds: is the mean above `line`?"""
    kept, not_learned = _learned_only([float(v) for v in values], learned)
    interval = bootstrap_interval(kept)
    estimate = float(np.mean(kept)) if kept else math.nan
    rule = f"mean over seeds, 95 % bootstrap interval vs {line:g}"
    unit = "seeds" if learned is None else "learned seeds"
    return _too_few(claim, estimate, interval, len(kept), not_learned, rule, unit) or Verdict(
        claim, _outcome(interval, line), estimate, interval, len(kept), not_learned, rule, unit=unit
    )


def difference_verdict(
    claim: str, a: dict[int, float], b: dict[int, float], learned: dict[int, bool] | None = None, margin: float = 0.0
) -> Verdict:
    """ "A above B (by more than `margin`)": paired by seed (the seeds both have), the mean of
    A - B with a bootstrap interval. `a`, `b`, `learned`: seed -> value. For accuracy
    comparisons leave `learned` out: a run that did not learn is part of a method's accuracy."""
    seeds = sorted(set(a) & set(b))
    differences = [a[s] - b[s] for s in seeds]
    flags = None if learned is None else [bool(learned.get(s, False)) for s in seeds]
    verdict = mean_verdict(claim, differences, flags, line=margin)
    return replace(verdict, rule=f"paired-by-seed difference A - B, 95 % bootstrap interval vs {margin:g}")


def check_verdict(claim: str, holds: bool, evidence: str) -> Verdict:
    """A deterministic check (no seeds): REPRODUCED when it holds, with the evidence in words."""
    outcome = REPRODUCED if holds else NOT_REPRODUCED
    return Verdict(claim, outcome, float(holds), (float(holds), float(holds)), 0, 0, f"deterministic check: {evidence}")
