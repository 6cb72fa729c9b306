"""Run records -> tables for the notebooks (pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..baselines.routing import AGGREGATIONS
from ..blocks import interaction_blocks

__all__ = [
    "relevance_spread",
    "relevance_table",
    "accuracy_summary",
    "still_improving",
    "mean_sd",
    "by_aggregation",
    "aggregation_means",
]


def relevance_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (run, block) with the block's relevance score."""
    rows = [
        {"model": r.model, "seed": r.seed, "block": block, "relevance": value}
        for r in runs.itertuples()
        for block, value in r.relevance.items()
    ]
    return pd.DataFrame(rows)


def relevance_spread(runs: pd.DataFrame) -> pd.DataFrame:
    """Per run, how the relevance is spread over the blocks. The scores are first rescaled to
    sum to one (eq. 4 makes their p-norm one, so for p > 1 they sum to more):

    - "interaction share": the part of the total that goes to interaction blocks ("1x2", ...);
    - "top interaction": the largest interaction block's share;
    - "effective blocks": exp of the entropy of the rescaled scores, from 1 (everything on one
      block) to the number of blocks (uniform): the sparsity that p tunes (App. E).
    """
    rows = []
    for run in runs.itertuples():
        scores = pd.Series(run.relevance, dtype=float)
        share = scores / scores.sum()
        interactions = share[interaction_blocks(list(share.index))]
        positive = share[share > 0]
        rows.append(
            {
                "seed": run.seed,
                "interaction share": interactions.sum(),
                "top interaction": interactions.max() if len(interactions) else 0.0,
                "effective blocks": float(np.exp(-(positive * np.log(positive)).sum())),
            }
        )
    return pd.DataFrame(rows, index=runs.index)


def accuracy_summary(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Test accuracy in % per group: mean, sd (over seeds) and the number of runs."""
    grouped = runs.assign(acc=100 * runs.test_accuracy).groupby(by).acc
    return grouped.agg(mean="mean", sd="std", runs="count").round(2)


def still_improving(runs: pd.DataFrame, last: int = 3) -> pd.Series:
    """Per run: whether the epoch it kept is one of its `last` epochs, i.e. it was still
    improving when training stopped (its accuracy is then a lower bound)."""
    return runs.best_epoch > runs.history.map(len) - last


def mean_sd(mean: float, sd: float | None) -> str:
    """ "72.4 ± 0.5" (or "72.4" without a reported sd), with no-break spaces: a table cell
    never splits it."""
    return f"{mean:.1f}" if sd is None or pd.isna(sd) else f"{mean:.1f}\u00a0±\u00a0{sd:.1f}"


def by_aggregation(runs: pd.DataFrame, how: str) -> pd.DataFrame:
    """MultiRoute's runs with their scores under aggregation `how` (`intense.baselines.routing.
    AGGREGATIONS`) as the relevance; runs whose records predate the aggregations are left out."""
    if how not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {how!r}: use one of {list(AGGREGATIONS)}")
    held = runs.relevance_by_aggregation.map(lambda scores: isinstance(scores, dict) and how in scores)
    runs = runs.loc[held.astype(bool)]  # (an empty object mask would select columns)
    return runs.assign(relevance=runs.relevance_by_aggregation.map(lambda scores: scores[how]))


def aggregation_means(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean score of every block (columns) under each of MultiRoute's aggregations (rows), over
    the runs whose records hold it (none: an empty table)."""
    means = {how: pd.DataFrame(list(by_aggregation(runs, how).relevance)).mean() for how in AGGREGATIONS}
    return pd.DataFrame({how: mean for how, mean in means.items() if len(mean)}).T
