"""Figures shared by the notebooks (seaborn on matplotlib)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .style import display_name, palette

__all__ = ["relevance_bars"]


def relevance_bars(frame: pd.DataFrame, hue: str, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Mean relevance per block (bars) with the standard deviation over seeds (error bars).

    `frame` has one row per (seed, block, hue level) with columns "block" and "relevance";
    methods given by code name are shown by their display names and colours (`style.py`).
    """
    ax = ax or plt.gca()
    frame = frame.assign(**{hue: frame[hue].map(display_name)})
    sns.barplot(data=frame, x="block", y="relevance", hue=hue, errorbar="sd", ax=ax, palette=palette(frame[hue]))
    ax.set_xlabel("block (modality or interaction)")
    ax.set_ylabel("relevance $\\beta_b$ (eq. 4)")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    return ax
