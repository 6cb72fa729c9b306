"""Run records -> tables for the notebooks (pandas)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ..baselines.routing import AGGREGATIONS
from ..blocks import interaction_blocks
from .style import METHOD_NAMES, block_labels, dataset_name
from .verdicts import MIN_SEEDS, mean_verdict, share_verdict, signflip_interval

__all__ = [
    "relevance_spread",
    "relevance_table",
    "learned_runs",
    "accuracy_summary",
    "still_improving",
    "mean_sd",
    "by_aggregation",
    "aggregation_means",
    "bias_table",
    "lever_table",
    "accuracy_table",
    "training_length",
    "paired_changes",
    "selection_grid",
    "audit_table",
    "moebius_blocks",
]


def relevance_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (run, block) with the block's relevance score."""
    rows = [
        {"model": r.model, "seed": r.seed, "block": block, "relevance": value}
        for r in runs.itertuples()
        for block, value in r.relevance.items()
    ]
    return pd.DataFrame(rows)


def learned_runs(runs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The runs that learned the task, and a caption saying so; every run, captioned so, where
    none did (a smoke run's few steps, or a setting no seed learns)."""
    learned = runs[runs.learned.fillna(False).astype(bool)]
    if len(learned):
        return learned, f"the {len(learned)} learned seeds"
    return runs, f"no seed learned the task: all {len(runs)} seeds"


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


def bias_table(records: list[dict], learned_at: float) -> pd.DataFrame:
    """Sec. 3.3's toy (`intense.repro.suites.bias_run` records): one row per (ground truth,
    variant, seed) with its test accuracy, each block's relevance, the top block, the true
    block's relevance, whether the three-way block M1×M2×M3 scores above the true block and
    whether the run learned (test accuracy at least `learned_at`)."""
    blocks = list(records[0]["relevance"])
    rows = [{k: r[k] for k in ("truth", "variant", "seed", "test_accuracy")} | r["relevance"] for r in records]
    frame = pd.DataFrame(rows)
    truth = pd.Series([r["relevance"][r["truth"]] for r in records], index=frame.index)
    return frame.assign(
        top=frame[blocks].idxmax(axis=1),
        truth_relevance=truth,
        above_truth=frame["1x2x3"] > truth,
        learned=frame.test_accuracy >= learned_at,
    )


def _span(values: pd.Series) -> str:
    low, high = int(values.min()), int(values.max())
    return str(low) if low == high else f"{low}-{high}"


def lever_table(levers: pd.DataFrame, block: str = "1x2x3") -> pd.DataFrame:
    """One row per lever (a column "lever"; its seeds pooled) of the order-3 parity: samples,
    the interaction blocks modelled, projection, schedule, seeds that learned, validation
    accuracy, the epochs kept, the validation loss at the last epoch over the kept one, the top
    block per seed and the mean relevance of `block`."""
    levers = levers.assign(
        blocks=[
            " ".join(block_labels(r)[b] for b in interaction_blocks(list(r)))
            if chosen
            else f"every one up to order {order or 4}"
            for r, chosen, order in zip(levers.relevance, levers.interactions, levers.max_order)
        ],
        top=levers.relevance.map(lambda r: block_labels(r)[max(r, key=r.get)]),
        block_relevance=levers.relevance.map(lambda r: r[block]),
        ratio=levers.history.map(lambda h: h[-1]["val_loss"]) / levers.val_loss,
        schedule=[f"{lr:g}, {g:g}, {int(e)}" for lr, g, e in zip(levers.lr, levers.scheduler_gamma, levers.epochs)],
    )
    label = block_labels(list(levers.relevance.iloc[0]))[block]
    return levers.groupby("lever", sort=False).agg(
        **{
            "samples": ("n_samples", lambda n: f"{int(n.iloc[0]):,}".replace(",", "\u2009")),
            "interactions": ("blocks", "first"),
            "projection": ("tf_latent_dim", lambda d: int(d.iloc[0])),
            "lr, decay \u03b3, epochs": ("schedule", "first"),
            "learned (of seeds)": ("learned", lambda x: f"{int(x.sum())} of {len(x)}"),
            "val. accuracy (mean)": ("val_accuracy", "mean"),
            "epoch kept": ("best_epoch", _span),
            "val. loss, last / kept": ("ratio", "mean"),
            "top block (seeds)": ("top", lambda t: ", ".join(f"{b} ({n})" for b, n in t.value_counts().items())),
            f"relevance of {label} (mean)": ("block_relevance", "mean"),
        }
    )


def accuracy_table(runs: pd.DataFrame, methods: list[str], paper: dict[str, dict]) -> pd.DataFrame:
    """Test accuracy in % ("mean ± sd") with methods as rows and data sets as columns, ours
    (`runs`, with the always-most-common-class rate below) and the paper's (`paper`: data set
    name -> {method: (mean, sd)}) side by side."""
    summary = accuracy_summary(runs, ["dataset", "model"])
    ours = summary.apply(lambda r: mean_sd(r["mean"], r["sd"]), axis=1).unstack("model")
    ours = ours[[m for m in methods if m in ours.columns]].rename(columns=METHOD_NAMES)
    ours["majority class"] = (100 * runs.groupby("dataset").chance.first()).map("{:.1f}".format)
    ours.index = ours.index.map(dataset_name)
    reported = {f"{d} (paper)": {METHOD_NAMES[m]: mean_sd(*v) for m, v in row.items()} for d, row in paper.items()}
    return pd.concat([ours, pd.DataFrame(reported).T]).fillna("—").T


def training_length(runs: pd.DataFrame) -> pd.DataFrame:
    """Per data set and method: did it fit its training data and train long enough? The
    epochs trained, the epoch kept (mean), how many seeds were still improving when training
    stopped (`still_improving`), and the accuracy (mean, %) on the training and test splits
    beside the majority class's share."""
    frame = runs.assign(
        epochs=runs.history.map(len),
        late=still_improving(runs),
        method=runs.model.map(METHOD_NAMES),
        data=runs.dataset.map(dataset_name),
        train=100 * runs.train_accuracy.astype(float),
        test=100 * runs.test_accuracy,
        majority=100 * runs.chance,
    )
    return frame.groupby(["data", "method"], sort=False).agg(
        **{
            "epochs": ("epochs", "max"),
            "epoch kept (mean)": ("best_epoch", "mean"),
            "seeds still improving": ("late", "sum"),
            "seeds": ("seed", "count"),
            "train accuracy %": ("train", "mean"),
            "test accuracy %": ("test", "mean"),
            "majority class %": ("majority", "first"),
        }
    )


def paired_changes(before: pd.DataFrame, after: pd.DataFrame, label: str) -> dict[tuple[str, str], dict]:
    """MNL and InTense before and after one change (accuracy by seed, columns "mnl" and
    "intense", in points): each method's change, and InTense minus MNL on both sides, paired by
    seed, with the 95 % sign-flip interval of the mean. Not verdicts: not claims of the paper."""
    differences = {
        "MNL minus MNL of the table": after.mnl - before.mnl,
        "InTense minus InTense of the table": after.intense - before.intense,
        "InTense minus MNL": after.intense - after.mnl,
        "the table's InTense minus MNL": before.intense - before.mnl,
    }
    rows = {}
    for name, d in differences.items():
        low, high = signflip_interval(d.dropna())
        bounded = math.isfinite(low) and math.isfinite(high)
        rows[(label, name)] = {
            "mean (points)": d.mean(),
            # no sign-flip test on fewer than MIN_SEEDS values can reject: the interval is unbounded
            "95 % interval": f"{low:+.1f} to {high:+.1f}" if bounded else f"none (fewer than {MIN_SEEDS} seeds)",
            "seeds": d.notna().sum(),
        }
    return rows


def selection_grid(
    runs: pd.DataFrame, chosen: dict[str, dict[str, float]], methods: Sequence[str], caption: str
) -> Styler:
    """The learning-rate selection (`suites.selection_runs`): validation loss by decay and
    learning rate (one row per grid point, one column per method, so that a wide grid grows
    downwards), each method's chosen setting (`chosen`, `suites.select_settings`) in bold."""
    grid = runs.pivot_table(index=["scheduler_gamma", "lr"], columns="model", values="val_loss")
    grid = grid[[m for m in methods if m in grid.columns]].rename_axis(
        index=["decay", "learning rate"], columns="method"
    )

    def bold(column: pd.Series) -> list[str]:
        best = chosen[column.name]
        return [
            "font-weight: bold" if (g, lr) == (best["scheduler_gamma"], best["lr"]) else "" for g, lr in column.index
        ]

    return (
        grid.style.apply(bold, axis=0)
        .format("{:.3f}", na_rep="—")
        .format_index("{:g}", axis=0)
        .format_index(lambda m: METHOD_NAMES[m], axis=1)
        .set_caption(caption)
    )


AUDIT_MEASURES = {"moebius": "Moebius", "ablation": "ablation"}


def _audit_row(frame: pd.DataFrame) -> dict[str, str]:
    learned = list(frame.learned.fillna(False))
    agreement = {key: [a["agreement"].get(key) for a in frame.audit] for key in frame.audit.iloc[0]["agreement"]}
    row = {"learned": f"{sum(learned)} of {len(frame)}"}
    for measure, name in AUDIT_MEASURES.items():
        tops = agreement.get(f"top_{measure}", [None])
        if all(t is not None for t in tops):
            holds = [t == r for t, r in zip(tops, agreement["top_relevance"])]
            share = share_verdict("", holds, learned)
            row[f"top = {name}"] = f"{share.holds} of {share.seeds}"
            rho = [x if x == x else 0.0 for x in agreement[f"spearman_{measure}"]]  # nan: no spread, no rank
            v = mean_verdict("", rho, learned)
            row[f"ρ {name}"] = f"{v.estimate:.2f} ({v.interval[0]:.2f} to {v.interval[1]:.2f})" if v.seeds else "—"
    gap = [100 * (a["emap"]["model_accuracy"] - a["emap"]["emap_accuracy"]) for a in frame.audit]
    row["EMAP gap (points)"] = f"{pd.Series(gap).mean():.1f}"
    return row


def audit_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per data set ("data" column) and method of audited runs (`intense.audit`): the
    learned seeds where the top relevance is the top Moebius term and the top ablation effect,
    the mean Spearman ρ of relevance and each measure with its 95 % interval, the EMAP gap."""
    rows = {
        (dataset_name(d), METHOD_NAMES[m]): _audit_row(frame)
        for (d, m), frame in runs.groupby(["data", "model"], sort=False)
    }
    columns = (
        ["learned"] + [f"{k} {n}" for n in AUDIT_MEASURES.values() for k in ("top =", "ρ")] + ["EMAP gap (points)"]
    )
    table = pd.DataFrame(rows).T.reindex(columns=columns).fillna("—")
    return table.rename_axis(["data set", "method"])


def moebius_blocks(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per block of each learned audited run: data, model, block, relevance and Moebius
    interaction."""
    rows = [
        {"data": r.data, "model": r.model, "block": block, "relevance": b["relevance"], "moebius": b["moebius"]}
        for r in runs[runs.learned.fillna(False).astype(bool)].itertuples()
        for block, b in r.audit["blocks"].items()
        if "relevance" in b and "moebius" in b
    ]
    return pd.DataFrame(rows, columns=["data", "model", "block", "relevance", "moebius"])


def candidate_table(
    candidates: pd.DataFrame, chosen: dict[str, dict[str, float]], methods: Sequence[str], caption: str
) -> Styler:
    """The selection's second stage (`suites.candidate_losses`): one row per method and
    candidate (learning rate and decay), its validation loss at each seed and the mean over the
    seeds every candidate of the method has run; each method's choice (`chosen`) in bold."""
    order = [m for m in methods if m in set(candidates.model)]
    table = (
        candidates.set_index(["model", "lr", "scheduler_gamma"])
        .drop(columns="seeds")
        .rename(columns={"val_loss": "mean"})
        .reindex(order, level=0)
        .rename_axis(["method", "learning rate", "decay"])
    )

    def bold(row: pd.Series) -> list[str]:
        method, lr, gamma = row.name
        picked = chosen[method] == {"lr": lr, "scheduler_gamma": gamma}
        return ["font-weight: bold" if picked else ""] * len(row)

    return (
        table.style.apply(bold, axis=1)
        .format("{:.3f}", na_rep="—")
        .format_index(lambda m: METHOD_NAMES[m], level=0)
        .format_index("{:g}", level=[1, 2])
        .set_caption(caption)
    )
