"""eq. 4 of the untrained model, for run records made before they recorded it ("relevance_at_init").

A ranking claim ("block X is the most relevant") holds only where training moved relevance to
X beyond what the blocks' sizes give at initialisation. New records carry that prior; for the
committed records made before it, this script recomputes it (`intense.runs.experiment.
initial_relevance`: the model initialised at the run's seed exactly as the run initialised it)
and writes results/relevance_at_init.json, {folder: {record file: relevance}}, which
`intense.repro.store.load_runs` reads where a record lacks the field.

    python experiments/initial_relevance.py     # every synthetic run record with relevance scores

The real-data records made since 3ae338b carry the field themselves; those made before it are
waiting for a rerun under that commit's protocol (`intense.runs.sweep.BEFORE_RECORDED`).
"""

from __future__ import annotations

import json
from dataclasses import fields

from tqdm import tqdm

from intense.repro.store import RESULTS_DIR, save_results
from intense.runs.config import RunConfig
from intense.runs.experiment import initial_relevance

SETTINGS = {f.name for f in fields(RunConfig)}


def main() -> None:
    todo = []
    for path in sorted(RESULTS_DIR.rglob("*.json")):
        folder = path.parent.relative_to(RESULTS_DIR).as_posix()
        if path.parent == RESULTS_DIR or folder.endswith("failed"):
            continue
        record = json.loads(path.read_text())
        synthetic = record["config"]["dataset"].startswith("synthgene")
        if synthetic and record.get("relevance") and "relevance_at_init" not in record:
            todo.append((folder, path.name, record["config"]))
    priors: dict[str, dict[str, dict[str, float]]] = {}
    for folder, name, config in tqdm(todo, desc="relevance at initialisation"):
        settings = {k: v for k, v in config.items() if k in SETTINGS}
        priors.setdefault(folder, {})[name] = initial_relevance(RunConfig(**{**settings, "progress": False}))
    rule = "eq. 4 of each run's model as initialised at its seed (intense.runs.experiment.initial_relevance)"
    save_results(RESULTS_DIR / "relevance_at_init.json", {"rule": rule}, [priors])


if __name__ == "__main__":
    main()
