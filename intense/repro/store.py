"""The committed results: the `results/` folder, summary files, and run records as a table."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..runs.config import DATASET_SETTINGS
from ..runs.record import environment, read_json, write_json

__all__ = [
    "RESULTS_DIR",
    "RecordsPending",
    "save_results",
    "load_results",
    "committed_runs",
    "load_runs",
    "scratch_path",
    "full_output",
    "full_results",
]

# the committed results beside the package; $INTENSE_RESULTS points elsewhere (a copy to rerun
# a chapter's full mode against, as tests/test_notebook.py does)
RESULTS_DIR = Path(os.environ.get("INTENSE_RESULTS") or Path(__file__).resolve().parents[2] / "results")
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


def scratch_path(path: str | Path) -> Path:
    """Where a full run writes what it must not write over committed records: `path` with its
    `results` folder replaced by `scratch` beside it (git ignores scratch/), e.g.
    results/synthgene -> scratch/synthgene; a path outside any results folder gets a scratch
    folder beside it."""
    path = Path(path).resolve()
    for parent in path.parents:
        if parent.name == "results":
            return parent.parent / "scratch" / path.relative_to(parent)
    return path.parent / "scratch" / path.name


def full_output(path: str | Path, replace: bool = False) -> Path:
    """Where a full run writes a results file that it remakes whole (a benchmark's): `path` if
    there is none yet or `replace`, else `scratch_path(path)`, so that the committed file stays."""
    path = Path(path)
    if path.exists() and not replace:
        print(f"{path} is committed: this run writes to {scratch_path(path)} (-p replace True overwrites it)")
        return scratch_path(path)
    return path


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != "seeds"}


def full_results(
    path: str | Path,
    config: dict[str, Any],
    wanted: list[dict[str, Any]],
    make: Callable[..., dict[str, Any]],
    replace: bool = False,
) -> tuple[Path, list[dict[str, Any]]]:
    """A chapter's full mode on a results file of records made seed by seed: the `wanted`
    records (each named by a dict of fields, e.g. truth, variant and seed) are read from the
    file at `path` where it holds them with the same `config` (its "seeds" aside), and made by
    `make(**name)` where it does not; the new ones are added, so that the file never loses a
    record (each record then carries its own provenance, and config["seeds"] counts the seeds
    the file holds). A file made with another `config` stays as it is: everything is made anew
    into `scratch_path(path)`, or with `replace` into `path`, replacing it.
    Returns the file written (or read) and the wanted records."""
    path, target = Path(path), Path(path)
    stored = load_results(path) if path.is_file() else None
    if stored is not None and _settings(stored["config"]) != _settings(config):
        if not replace:
            target = scratch_path(path)
            print(f"{path} was made with other settings: this run writes to {target} (-p replace True replaces it)")
        stored = load_results(target) if target.is_file() and target != path else None
        stored = stored if stored is not None and _settings(stored["config"]) == _settings(config) else None
    fields = list(wanted[0]) if wanted else []
    held = {tuple(r[f] for f in fields): r for r in stored["records"]} if stored is not None else {}
    records = [held.get(tuple(name[f] for f in fields)) or make(**name) for name in wanted]
    new = [r for r in records if tuple(r[f] for f in fields) not in held]
    if new:
        here, merged = environment(), new
        if held:  # old and new records: each keeps the provenance of the run that made it
            old = [{"environment": stored["environment"], **r} for r in held.values()]
            merged = old + [{**r, "environment": here} for r in new]
        if "seeds" in config:
            config = {**config, "seeds": len({r["seed"] for r in merged})}
        write_json(target, {"config": config, "environment": here, "records": merged})
    return target, records


def load_results(path: str | Path, how_to_make: str = "") -> dict[str, Any]:
    """Read a results file, naming the command that regenerates it when it is missing or corrupt."""
    payload = read_json(path, "results file", how_to_make)
    if not {"config", "records"} <= set(payload):
        hint = f" Regenerate it with: {how_to_make}" if how_to_make else ""
        raise ValueError(f"results file {path} lacks 'config' or 'records'.{hint}")
    return payload


def committed_runs(root: str | Path = RESULTS_DIR) -> list[dict[str, Any]]:
    """Every run record under `root` (results/), at any depth, that holds its training seconds:
    what the estimates of a full reproduction's time add up."""
    records = (json.loads(path.read_text()) for path in sorted(Path(root).rglob("*.json")))
    return [r for r in records if isinstance(r, dict) and "train_seconds" in r]


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
                # on the training split at the kept epoch (None for a record made before it was kept)
                "train_accuracy": record.get("train", {}).get("accuracy"),
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
