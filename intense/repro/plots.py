"""Figures shared by the notebooks (seaborn on matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .style import block_labels, display_name, palette

__all__ = ["relevance_bars", "label_points", "learning_curves"]


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
