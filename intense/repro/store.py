"""The committed results: the `results/` folder, summary files, and run records as a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..runs.config import DATASET_SETTINGS
from ..runs.record import environment, read_json, write_json

__all__ = ["RESULTS_DIR", "RecordsPending", "save_results", "load_results", "load_runs"]

RESULTS_DIR = Path(__file__).resolve().parents[2] / "results"
# eq. 4 at initialisation for the records made before they held it (experiments/initial_relevance.py)
PRIORS_FILE = "relevance_at_init.json"


class RecordsPending(LookupError):
    """The records a claim needs are not committed (yet)."""


def _priors(folder: Path) -> dict[str, dict[str, float]]:
    """Record file -> relevance at initialisation, from `PRIORS_FILE`, for a committed folder."""
    path = RESULTS_DIR / PRIORS_FILE
    try:
        name = folder.resolve().relative_to(RESULTS_DIR.resolve()).as_posix()
    except ValueError:  # not a committed folder
        return {}
    return load_results(path)["records"][0].get(name, {}) if path.is_file() else {}


def save_results(path: str | Path, config: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    """Write a results file {"config", "environment", "records"}; returns the path."""
    return write_json(path, {"config": config, "environment": environment(), "records": records})


def load_results(path: str | Path, how_to_make: str = "") -> dict[str, Any]:
    """Read a results file, naming the command that regenerates it when it is missing or corrupt."""
    payload = read_json(path, "results file", how_to_make)
    if not {"config", "records"} <= set(payload):
        hint = f" Regenerate it with: {how_to_make}" if how_to_make else ""
        raise ValueError(f"results file {path} lacks 'config' or 'records'.{hint}")
    return payload


def _learned(record: dict[str, Any]) -> bool | None:
    """The record's "learned" flag; records made before it existed get it from their data
    set's threshold (`learned_above` in DATASET_SETTINGS), or None where there is none."""
    if "learned" in record:
        return bool(record["learned"])
    threshold = DATASET_SETTINGS.get(record["config"]["dataset"], {}).get("learned_above")
    return None if threshold is None else record["val"]["accuracy"] >= threshold


def load_runs(folder: str | Path, how_to_make: str = "") -> pd.DataFrame:
    """One row per run record in `folder`: its config, whether it learned the task, test/val
    metrics and relevance dict."""
    folder = Path(folder)
    paths = sorted(folder.glob("*.json"))
    if not paths:
        hint = f" Make them with: {how_to_make}" if how_to_make else ""
        raise FileNotFoundError(f"no run records (*.json) in {folder}.{hint}")
    rows, priors = [], _priors(folder)
    for path in paths:
        record = json.loads(path.read_text())
        config = {k: v for k, v in record["config"].items() if k != "environment"}
        rows.append(
            {
                **config,
                "file": path.name,
                "learned": _learned(record),
                "test_accuracy": record["test"]["accuracy"],
                "test_loss": record["test"]["loss"],
                "val_accuracy": record["val"]["accuracy"],
                "val_loss": record["val"]["loss"],
                "chance": record.get("chance"),  # validation share of the most common class
                "best_epoch": record["best_epoch"],
                "relevance": record["relevance"],
                # eq. 4 of the untrained model (the prior of the blocks' sizes); None for a
                # record made before it was recorded and not in PRIORS_FILE
                "relevance_at_init": record.get("relevance_at_init", priors.get(path.name)),
                "history": record["history"],
                # made by committed code on a clean tree (records older than this flag: False)
                "clean": record["config"].get("environment", {}).get("git_dirty") is False,
                "audit": record.get("audit"),  # model-agnostic measures (intense.audit), if recorded
                "by_val_accuracy": record.get("by_val_accuracy"),  # the epoch of best validation accuracy
                "relevance_by_aggregation": record.get("relevance_by_aggregation"),  # MultiRoute's scores
            }
        )
    return pd.DataFrame(rows)
