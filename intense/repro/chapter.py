"""A chapter notebook's bookkeeping in one object: its mode, seeds, data sets and engine, the
runs it shows, the verdicts of its claims (declared in `intense.repro.registry`) and the
numbers its prose quotes (myst-nb's `glue`). A chapter then reads: parameters, the claim, the
runs, the evidence, the verdict.

    chapter = Chapter(mode, engine)                     # the parameters cell's values
    runs = chapter.runs("synthgene", fig3_configs(chapter.seeds(seeds)))
    chapter.verdict("fig3-mnl-ranking")                 # the registry's judgement, shown
    chapter.glue("mnl_accuracy", 100 * runs.test_accuracy.mean(), "{:.1f}")

In "results" mode a verdict is the one the scoreboard shows (the same claim judged on the
same committed records); in a smoke run it is judged on the runs this chapter just made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from IPython.display import Markdown

from ..runs.config import RunConfig
from .notebook import chapter_datasets, chapter_seeds, check_mode, notebook_runs, use_engine
from .registry import Judgement, Records, claim, judge, judgements
from .store import RESULTS_DIR, load_results

__all__ = ["Chapter"]


def _display(obj: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(obj)


class Chapter:
    """One chapter notebook's runs, verdicts and glued numbers, by its `mode`; `engine` goes
    to `use_engine` (full mode: e.g. {"backend": "ray", "address": "auto"})."""

    def __init__(self, mode: str, engine: Mapping[str, Any] | None = None) -> None:
        self.mode = check_mode(mode)
        use_engine(**(engine or {}))
        self._tables: dict[str, pd.DataFrame] = {}
        self._payloads: dict[str, dict[str, Any]] = {}

    @property
    def smoke(self) -> bool:
        return self.mode == "smoke"

    def seeds(self, seeds: int) -> int:
        """`seeds`, or 1 in a smoke run."""
        return chapter_seeds(self.mode, seeds)

    def datasets(self, datasets):
        """The real data sets this run shows (`chapter_datasets`); a dict keeps its values."""
        kept = chapter_datasets(self.mode, list(datasets))
        return {d: datasets[d] for d in kept} if isinstance(datasets, Mapping) else kept

    def runs(self, folder: str, configs: list[RunConfig], smoke: dict[str, Any] | None = None) -> pd.DataFrame:
        """The runs of `configs` in results/`folder` (`notebook_runs`: committed, trained small
        in a smoke run, or trained in full); a smoke run's stand for `folder` in its verdicts.
        A committed folder without records yet is said to be pending and gives no runs."""
        if self.mode == "results" and not any((RESULTS_DIR / folder).glob("*.json")):
            _display(Markdown(f"*Records pending: results/{folder} is not committed yet (`-p mode full` makes it).*"))
            return pd.DataFrame()
        runs = notebook_runs(self.mode, RESULTS_DIR / folder, configs, smoke)
        if self.smoke:
            self._tables[folder] = pd.concat([self._tables[folder], runs]) if folder in self._tables else runs
        return runs

    def payload(self, name: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """The results file results/`name`, or in a smoke run the `payload` it made instead."""
        if self.smoke:
            self._payloads[name] = payload
            return payload
        return load_results(RESULTS_DIR / name)

    def judgement(self, claim_id: str) -> Judgement:
        """The claim's judgement on this chapter's records (committed, or this smoke run's)."""
        if self.smoke:
            return judge(claim(claim_id), Records(tables=self._tables, payloads=self._payloads, smoke=True))
        return judgements(ids=[claim_id])[claim_id]

    def verdict(self, claim_id: str) -> None:
        """Show the claim's verdict: its anchor, the verdict box, its readings and its change
        since the previous scoreboard (`judgement` returns it)."""
        _display(self.judgement(claim_id))

    def glue(self, name: str, value: Any, fmt: str | None = None) -> None:
        """Make `value` quotable in this page's prose ({glue:text}`name`), formatted by `fmt`
        (e.g. "{:.1f}") into text, or as it is."""
        from myst_nb import glue

        glue(name, fmt.format(value) if fmt else value, display=False)

    def glue_verdict(self, claim_id: str, name: str, reading: str = "") -> None:
        """Make the claim's verdict (or one `reading`'s) quotable as `name`_outcome ("NOT
        REPRODUCED"), `name`_estimate ("9 of 10 learned seeds", "+8.9 points") and
        `name`_interval ("55 % to 100 %")."""
        found = self.judgement(claim_id)
        verdict = found.readings[reading] if reading else found.verdict
        self.glue(f"{name}_outcome", verdict.outcome)
        self.glue(f"{name}_estimate", verdict.estimate_text())
        self.glue(f"{name}_interval", verdict.interval_text() or "none")
