"""Run records -> tables for the notebooks (pandas)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from .experiment import run_file_name, sweep, with_overrides

__all__ = ["load_runs", "relevance_table", "verdict", "notebook_runs", "accuracy_summary", "mean_sd"]


def load_runs(folder: str | Path, how_to_make: str = "") -> pd.DataFrame:
    """One row per run record in `folder`: its config, test/val metrics and relevance dict."""
    folder = Path(folder)
    paths = sorted(folder.glob("*.json"))
    if not paths:
        hint = f" Make them with: {how_to_make}" if how_to_make else ""
        raise FileNotFoundError(f"no run records (*.json) in {folder}.{hint}")
    rows = []
    for path in paths:
        record = json.loads(path.read_text())
        config = {k: v for k, v in record["config"].items() if k != "environment"}
        rows.append({**config, "file": path.name, "test_accuracy": record["test"]["accuracy"],
                     "test_loss": record["test"]["loss"], "val_accuracy": record["val"]["accuracy"],
                     "best_epoch": record["best_epoch"], "relevance": record["relevance"],
                     "history": record["history"]})
    return pd.DataFrame(rows)


def relevance_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (run, block) with the block's relevance score."""
    rows = [{"model": r.model, "seed": r.seed, "block": block, "relevance": value}
            for r in runs.itertuples() for block, value in r.relevance.items()]
    return pd.DataFrame(rows)


def verdict(ok: bool) -> str:
    return "REPRODUCED" if ok else "NOT REPRODUCED"


def notebook_runs(mode: str, folder: str | Path, configs: list, smoke: dict) -> pd.DataFrame:
    """The runs a notebook shows, by its `mode`:

    - "results": the committed records in `folder` (nothing is trained);
    - "smoke": every config shrunk by the `smoke` overrides, trained into a temporary folder;
    - "full": every config trained into `folder`, skipping records that are already there.
    """
    if mode not in ("results", "smoke", "full"):
        raise ValueError(f"unknown mode {mode!r}: use 'results', 'smoke' or 'full'")
    if mode == "smoke":
        folder = tempfile.mkdtemp(prefix="intense-smoke-")
        configs = [with_overrides(c, **smoke) for c in configs]
    if mode != "results":
        sweep(configs, folder)
    runs = load_runs(folder, "the notebook with -p mode full")
    wanted = {run_file_name(c) for c in configs}
    return runs[runs.file.isin(wanted)].reset_index(drop=True)


def accuracy_summary(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Test accuracy in % per group: mean, sd (over seeds) and the number of runs."""
    grouped = runs.assign(acc=100 * runs.test_accuracy).groupby(by).acc
    return grouped.agg(mean="mean", sd="std", runs="count").round(2)


def mean_sd(mean: float, sd: float | None) -> str:
    """"72.4 ± 0.5" (or "72.4" without a reported sd)."""
    return f"{mean:.1f}" if sd is None or pd.isna(sd) else f"{mean:.1f} ± {sd:.1f}"
