"""Figures shared by the notebooks (seaborn on matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .analysis import relevance_table
from .style import METHOD_COLOURS, METHOD_NAMES, block_labels, dataset_name, display_name, palette

__all__ = [
    "relevance_bars",
    "label_points",
    "learning_curves",
    "beta_agreement",
    "rademacher_figure",
    "bias_bars",
    "fig3_figure",
    "p_spread_figure",
    "accuracy_strips",
    "variant_lines",
    "relevance_scatter",
    "real_relevance_figure",
    "moebius_figure",
]


def relevance_bars(frame: pd.DataFrame, hue: str, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Mean relevance per block (bars) with the standard deviation over seeds (error bars).

    `frame` has one row per (seed, block, hue level) with columns "block" and "relevance";
    methods given by code name are shown by their display names and colours, interactions with
    a multiplication sign (`style.py`).
    """
    ax = ax or plt.gca()
    frame = frame.assign(**{hue: frame[hue].map(display_name), "block": frame.block.map(block_labels(frame.block))})
    sns.barplot(data=frame, x="block", y="relevance", hue=hue, errorbar="sd", ax=ax, palette=palette(frame[hue]))
    ax.set_xlabel("block (modality or interaction)")
    ax.set_ylabel("relevance $\\beta_b$ (eq. 4)")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    return ax


def label_points(
    ax: plt.Axes, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], gap: float = 0.05
) -> None:
    """Write each label beside its point; labels of points close together are stacked at least
    `gap` (a share of the y range) apart, with a thin line back to their point."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    near, step = 0.04 * (x1 - x0), gap * (y1 - y0)
    placed: list[tuple[float, float]] = []  # (x, label y) of the labels written so far
    for x, y, label in sorted(zip(xs, ys, labels), key=lambda p: p[1]):
        at = y
        for px, py in sorted(placed, key=lambda p: p[1]):
            if abs(px - x) < near and abs(py - at) < step:
                at = py + step
        placed.append((x, at))
        moved = abs(at - y) > 1e-12
        ax.annotate(
            label,
            (x, y),
            xytext=(x + 0.015 * (x1 - x0), at),
            textcoords="data",
            fontsize=10,
            va="center",
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "grey"} if moved else None,
        )


CURVE_LABELS = {"val_loss": "validation loss (task loss)", "val_accuracy": "validation accuracy"}


def learning_curves(runs: pd.DataFrame, metrics: Sequence[str] = tuple(CURVE_LABELS), mark: int | None = None):
    """Each method's per-epoch `metrics` (keys of the records' `history`), mean over seeds
    (shaded: min to max), one panel per metric (losses on a log scale); `mark`: a dashed line
    at that epoch."""
    rows = [
        {"method": display_name(run.model), "seed": run.seed, **h} for run in runs.itertuples() for h in run.history
    ]
    curves = pd.DataFrame(rows)
    # one panel per row, at the book's column width: legible without zooming
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 3.4 * len(metrics)), squeeze=False, sharex=True)
    for ax, metric in zip(axes.ravel(), metrics):
        sns.lineplot(
            data=curves,
            x="epoch",
            y=metric,
            hue="method",
            errorbar=("pi", 100),
            ax=ax,
            palette=palette(curves.method),
            legend=ax is axes.ravel()[0],
        )
        if mark is not None:
            ax.axvline(mark, color="grey", linestyle="--", linewidth=1)
        ax.set_ylabel(CURVE_LABELS.get(metric, metric))
        if "loss" in metric:  # early epochs' losses would flatten the rest
            ax.set_yscale("log")
    axes.ravel()[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    fig.tight_layout()
    return fig


def beta_agreement(betas: pd.DataFrame) -> sns.FacetGrid:
    """Theorem 1: each modality's beta from eq. 3's solution (by eq. 4 and by eq. 4 as printed)
    against eq. 2's optimal beta, one panel per p (`intense.repro.theorems.Theorem1.betas`)."""
    frame = betas.melt(
        id_vars=["p", "seed", "modality", "beta from eq. 2"], var_name="formula", value_name="beta from eq. 3"
    )
    grid = sns.relplot(
        data=frame, x="beta from eq. 2", y="beta from eq. 3", hue="formula", col="p", col_wrap=2, height=2.6, s=25
    )
    for ax in grid.axes.flat:
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    grid.figure.suptitle("optimal beta of eq. 2 vs. beta recovered from eq. 3's solution", y=1.03)
    return grid


def rademacher_figure(blocks: pd.DataFrame, f1, naive, centred, n: int) -> plt.Figure:
    """Sec. 3.3's example: the naive and eq. 9's three-way blocks against f1 at batch size `n`
    (left), and each block's mean square by batch size (right; `Theorem2.rademacher`)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    axes[0].scatter(f1, naive, s=4, label="naive: VBN(f1 f2 f3)")
    axes[0].scatter(f1, centred, s=4, label="eq. 9 centring")
    axes[0].set(xlabel="$f^1$", ylabel="3-way block", title=f"n = {n}")
    axes[0].legend()
    columns = ["naive: mean square", "eq. 9: mean square"]
    long = blocks.melt(id_vars=["n", "seed"], value_vars=columns)
    sns.lineplot(data=long, x="n", y="value", hue="variable", marker="o", ax=axes[1])
    axes[1].set(xscale="log", yscale="log", ylabel="mean square of the block", title="size of the 3-way block")
    sizes = sorted(blocks.n.unique())
    axes[1].plot(sizes, [1 / s for s in sizes], color="grey", ls="--", lw=0.8, label="1/n")
    axes[1].legend()
    fig.tight_layout()
    return fig


# Sec. 3.3's toy: its variants of the interaction blocks as the methods they stand for
BIAS_METHODS = {"iterbn": "intense", "naive": "intense-naive", "none": "intense-plain"}


def bias_bars(frame: pd.DataFrame, truths, variants) -> plt.Figure:
    """Sec. 3.3's toy (`intense.repro.analysis.bias_table`): mean relevance per block and
    variant, one panel per ground truth."""
    blocks = [c for c in frame.columns if c[0].isdigit()]
    long = frame.melt(id_vars=["truth", "variant", "seed"], value_vars=blocks, var_name="block", value_name="relevance")
    long = long[long.variant.isin(variants)].assign(method=lambda f: f.variant.map(BIAS_METHODS))
    fig, axes = plt.subplots(1, len(truths), figsize=(11, 3.6), sharey=True, squeeze=False)
    for ax, truth in zip(axes.ravel(), truths):
        relevance_bars(long[long.truth == truth], hue="method", ax=ax, title=f"ground truth: {truth}")
    fig.tight_layout()
    return fig


def fig3_figure(mnl: pd.DataFrame, unimodal: pd.DataFrame) -> plt.Figure:
    """Fig. 3: MNL's relevance of each modality (top) and its unimodal model's test accuracy
    (bottom), mean ± sd over seeds; stacked, so that each panel has the column's width."""
    relevance = relevance_table(mnl).assign(modality=lambda f: "M" + f.block)
    accuracy = unimodal.assign(modality="M" + unimodal.modality.astype(int).astype(str))
    order = sorted(relevance.modality.unique(), key=lambda m: int(m[1:]))
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.4), sharex=True)
    sns.barplot(data=relevance, x="modality", y="relevance", order=order, errorbar="sd", ax=axes[0], color="tab:blue")
    axes[0].set(title="MNL relevance (eq. 4), mean ± sd over seeds", ylabel="relevance")
    sns.barplot(
        data=accuracy, x="modality", y="test_accuracy", order=order, errorbar="sd", ax=axes[1], color="tab:green"
    )
    axes[1].axhline(0.5, color="grey", ls="--", lw=0.8)
    axes[1].set(title="unimodal models: test accuracy", ylabel="accuracy", ylim=(0.4, 1.0))
    fig.tight_layout()
    return fig


def p_spread_figure(runs: pd.DataFrame, spread: pd.DataFrame) -> plt.Figure:
    """InTense at several p (`runs` with a column "p"): each modality's share of the relevance
    and all interaction blocks' together (top), and each run's effective number of blocks
    (bottom; `spread` from `intense.repro.analysis.relevance_spread`, with "p")."""
    shares = relevance_table(runs.assign(model=runs.p.map("p = {:g}".format)))
    shares["share"] = shares.relevance / shares.groupby(["model", "seed"]).relevance.transform("sum")
    shares["block"] = ("M" + shares.block).where(~shares.block.str.contains("x"), "any interaction")
    per_block = shares.groupby(["model", "seed", "block"], as_index=False).share.sum()
    modalities = sorted((b for b in per_block.block.unique() if b.startswith("M")), key=lambda m: int(m[1:]))
    blocks = len(runs.relevance.iloc[0])
    fig, axes = plt.subplots(2, 1, figsize=(9, 7.5), height_ratios=(3, 2))
    sns.barplot(
        data=per_block,
        x="block",
        y="share",
        hue="model",
        order=[*modalities, "any interaction"],
        errorbar="sd",
        ax=axes[0],
    )
    axes[0].set(
        title="InTense on SynthGene: share of the relevance, mean ± sd over seeds",
        xlabel="modality (the interaction blocks summed)",
        ylabel="share of the total relevance",
    )
    axes[0].tick_params(axis="x", labelrotation=30)
    axes[0].legend(title="p of eq. 2")
    sns.stripplot(data=spread.assign(p=spread.p.map("{:g}".format)), x="p", y="effective blocks", ax=axes[1])
    axes[1].set(
        title=f"spread of the scores ({blocks} blocks: uniform)",
        xlabel="p of eq. 2",
        ylabel="effective number of blocks",
    )
    fig.tight_layout()
    return fig


def accuracy_strips(runs: pd.DataFrame, methods: dict[str, list[str]], paper: dict[str, dict]) -> plt.Figure:
    """Test accuracy (%) of each seed (dots) and mean ± sd (black) per method, one panel per
    data set (`methods`: data set -> its methods, in order); a red star marks the paper's
    number where `paper` (data set -> {method: (mean, sd)}) has one."""
    frame = runs.assign(method=runs.model.map(METHOD_NAMES), accuracy=100 * runs.test_accuracy)
    fig, axes = plt.subplots(len(methods), 1, figsize=(8, 3.2 * len(methods)), squeeze=False)
    for ax, (dataset, names) in zip(axes.ravel(), methods.items()):
        here, order = frame[frame.dataset == dataset], [METHOD_NAMES[m] for m in names]
        sns.stripplot(data=here, x="method", y="accuracy", order=order, ax=ax, size=4, alpha=0.7)
        sns.pointplot(
            data=here, x="method", y="accuracy", order=order, ax=ax, color="black", errorbar="sd",
            linestyle="none", markers="_",
        )  # fmt: skip
        for i, m in enumerate(names):
            if m in paper.get(dataset, {}):
                ax.plot(i, paper[dataset][m][0], "r*", markersize=10)
        ax.set(title=dataset_name(dataset), xlabel="", ylabel="test accuracy (%)")
    fig.suptitle("Each dot a seed; black: mean ± sd; red star: the paper's number")
    fig.tight_layout()
    return fig


def variant_lines(before: pd.DataFrame, after: pd.DataFrame, label: str, paper: dict, axes) -> None:
    """MNL's and InTense's test accuracy (%, by seed: `accuracy_by_seed` tables) in the table's
    setting and with one change (`label`), one line per seed, on two `axes`; a red star at the
    paper's number."""
    for ax, model in zip(axes, ("mnl", "intense")):
        lines = pd.DataFrame({"table's": before[model], label: after[model]})
        ax.plot(range(2), lines.T.values, color="grey", alpha=0.6, marker="o")
        ax.plot(range(2), lines.mean().values, color="black", lw=2.5, label="mean")
        ax.plot(0.5, paper[model][0], "r*", markersize=12, label="paper")
        ax.set_xticks(range(2), list(lines))
        ax.set_xlim(-0.3, 1.3)
        ax.set_title(METHOD_NAMES[model])
    axes[0].set_ylabel("test accuracy (%)")


def relevance_scatter(table: pd.DataFrame, x: str = "unimodal val. accuracy (%)") -> plt.Figure:
    """Table 5: each modality's relevance (InTense's, MNL's) against its unimodal accuracy `x`,
    one panel per data set ("data set" column), every point labelled with its modality."""
    groups = list(table.groupby("data set", sort=False))
    fig, axes = plt.subplots(len(groups), 1, figsize=(7, 3.6 * len(groups)), squeeze=False)
    for ax, (dataset, group) in zip(axes.ravel(), groups):
        for method, marker in (("InTense", "o"), ("MNL", "s")):
            column = f"{method} relevance"
            ax.scatter(group[x], group[column], marker=marker, s=50, label=column, color=METHOD_COLOURS[method])
        ax.margins(x=0.15, y=0.2)
        xs, names = list(group[x]), list(group.modality)
        label_points(ax, xs + xs, [*group["InTense relevance"], *group["MNL relevance"]], names + names)
        ax.set(title=dataset, xlabel=x.replace("val.", "validation"), ylabel="relevance")
        ax.legend(fontsize=9, loc="best")
    fig.tight_layout()
    return fig


def real_relevance_figure(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Fig. 5 on our data: per data set (name -> `relevance_table` of its runs), the mean
    relevance of each block (InTense: eq. 4; MultiRoute: App. F.3's routing scores)."""
    fig, axes = plt.subplots(len(tables), 1, figsize=(10, 3.6 * len(tables)), squeeze=False, layout="constrained")
    for ax, (name, frame) in zip(axes.ravel(), tables.items()):
        relevance_bars(frame.assign(method=frame.model), hue="method", ax=ax, title=name)
        ax.set_ylim(0, min(1.05, 1.4 * frame.groupby(["model", "block"]).relevance.mean().max()))
        ax.tick_params(axis="x", rotation=60 if frame.block.nunique() > 6 else 0)
        ax.set_ylabel("relevance (InTense: eq. 4;\nMultiRoute: routing, App. F.3)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)  # beside, not over, the bars
    return fig


def moebius_figure(blocks: pd.DataFrame, order: list[str], true_pair: tuple[str, ...]) -> plt.Figure:
    """The audit: each block's relevance against its Moebius interaction (`analysis.moebius_blocks`),
    one panel per data set (in `order`, two a row); M1×M2 is a star on the data sets of `true_pair`."""
    shown = [d for d in order if d in set(blocks.data)]
    columns = min(2, max(len(shown), 1))
    rows = -(-max(len(shown), 1) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_visible(False)
    for ax, d in zip(axes.ravel(), shown):
        here = blocks[blocks.data == d]
        is_true = (here.block == "1x2") & (d in true_pair)
        for model, frame in here.groupby("model", sort=False):
            colour = METHOD_COLOURS[METHOD_NAMES[model]]
            for truth, marker, size in ((False, "o", 12), (True, "*", 70)):
                part = frame[is_true[frame.index] == truth]
                label = None if truth else METHOD_NAMES[model]
                alpha = 0.9 if truth else 0.6
                ax.scatter(part.moebius, part.relevance, s=size, marker=marker, alpha=alpha, color=colour, label=label)
        if is_true.any():
            ax.scatter([], [], s=70, marker="*", color="0.4", label="M1\u00d7M2 (the true block)")
        ax.set(
            title=dataset_name(d),
            xlabel="Moebius interaction (accuracy)",
            ylabel="relevance (eq. 4; MultiRoute: routing)",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
