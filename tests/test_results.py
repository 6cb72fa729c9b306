"""The committed full-run results are complete records of 10 seeds, as the book expects
(the pilot runs in results/learning/ have fewer, the same number in every
arm; the learning-rate selection runs one seed; each lever of the order-3 parity its own
number)."""

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from intense.repro.registry import VERDICTS_FILE
from intense.repro.store import load_results
from intense.repro.suites import (
    CONFIRM_SEEDS,
    ENRICO_VARIANTS,
    FIG4_SEEDS,
    FIG7_LRS,
    PARITY3_LEVERS,
    SCREEN_SEED,
    enrico_variant_folder,
    fig7_folder,
    parity3_lever_folder,
)

RESULTS = Path(__file__).resolve().parent.parent / "results"
LEVER_FOLDERS = [RESULTS / parity3_lever_folder(lever) for lever in PARITY3_LEVERS]
RUN_FOLDERS = sorted(
    p
    for p in RESULTS.iterdir()
    if p.is_dir() and p.name not in ("learning", LEVER_FOLDERS[0].parent.name) and not p.name.endswith("-selection")
)
PILOT_FOLDERS = sorted(p for p in (RESULTS / "learning").iterdir() if p.is_dir())
# the runs that chose each method's learning rate: per method, the screen's seed 0, and for a
# candidate the confirming seeds too
SELECTION_FOLDERS = sorted(RESULTS.glob("*-selection/lr*"))


def test_every_notebook_results_folder_is_committed():
    names = {p.name for p in RUN_FOLDERS}
    assert {
        "synthgene",
        "synthgene-paper-lr",
        "synthgene-tri",
        "synthgene-tri-paper-lr",
        "synthgene-parity3",
        "enrico",
        "avmnist-rebuilt",
        "mfeat",
        "enrico-unimodal",
        "avmnist-rebuilt-unimodal",
        "mfeat-unimodal",
        "enrico-mlp",
        *(enrico_variant_folder(name) for name in ENRICO_VARIANTS),
    } <= names


@pytest.mark.parametrize(
    "folder", RUN_FOLDERS + PILOT_FOLDERS + SELECTION_FOLDERS + LEVER_FOLDERS, ids=lambda p: p.name
)
def test_run_records_are_complete_and_cover_ten_seeds(folder):
    seeds, seed_sets = Counter(), defaultdict(set)
    for path in folder.glob("*.json"):
        record = json.loads(path.read_text())
        assert {"config", "test", "val", "relevance", "history", "best_epoch"} <= set(record), path.name
        config = record["config"]
        assert {"git_commit", "torch"} <= set(config["environment"]), path.name
        # every epoch, or stopped `patience` epochs after the best one
        epochs, patience = len(record["history"]), config.get("patience")
        assert epochs == config["epochs"] or (patience and epochs - record["best_epoch"] == patience), path.name
        if record["relevance"]:  # eq. 4: ||beta||_p = 1 (MultiRoute's scores sum to one); baselines have none
            p = config["p"] if config["model"] != "multiroute" else 1.0
            norm = sum(v**p for v in record["relevance"].values()) ** (1 / p)
            assert norm == pytest.approx(1.0, abs=1e-4), path.name
        seeds[(config["model"], config["modality"])] += 1
        seed_sets[config["model"]].add(config["seed"])
    if folder in PILOT_FOLDERS:  # a pilot: at least 4 seeds
        assert seeds and min(seeds.values()) >= 4, dict(seeds)
    elif folder in SELECTION_FOLDERS:  # a confirmation is made whole, at every one of its seeds
        for path in folder.glob("failed/*.json"):  # a run that diverged is a result of the selection
            config = json.loads(path.read_text())["config"]
            seed_sets[config["model"]].add(config["seed"])
        rule = ({SCREEN_SEED}, {SCREEN_SEED, *CONFIRM_SEEDS})
        assert seeds and all(s in rule for s in seed_sets.values()), dict(seed_sets)
    elif folder in LEVER_FOLDERS:
        assert seeds and all(n == PARITY3_LEVERS[folder.name]["seeds"] for n in seeds.values()), dict(seeds)
    else:
        assert seeds and all(n == expected_seeds(folder.name) for n in seeds.values()), dict(seeds)


def expected_seeds(folder: str) -> int:
    """10 seeds, but Fig. 4's setting's `FIG4_SEEDS`."""
    if folder == fig7_folder(FIG7_LRS[0], "eq3-penalty"):
        return FIG4_SEEDS
    return 10


@pytest.mark.parametrize("name", ["what_can_go_wrong.json", "benchmark_core.json", "benchmark_epoch.json"])
def test_summary_results_load(name):
    payload = load_results(RESULTS / name)
    assert payload["records"] and payload["environment"]["torch"]


# Folders whose records were made before provenance was recorded (and before eq. 3's reading
# of Lambda): their chapters flag them; each is to be regenerated (`-p mode full`), then dropped
# from this list. The list is checked both ways, so it cannot go stale.
PENDING_REGENERATION: set[str] = set()
# summaries of the records rather than records: the verdicts, which tests/test_registry.py
# recomputes from the records and compares instead
DERIVED = {VERDICTS_FILE}


def _provenance(path: Path) -> list[dict]:
    """The file's provenance, and each record's where a results file merged runs of several
    commits (intense.repro.store.full_results). A run's record keeps it under "environment"
    (at the top or in its config); a tool's report (results/mutation.json) under "provenance"."""
    record = json.loads(path.read_text())
    merged = [r["environment"] for r in record.get("records", []) if isinstance(r, dict) and "environment" in r]
    own = record.get("environment") or record.get("provenance") or record.get("config", {}).get("environment", {})
    return [own, *merged]


def test_every_committed_record_was_made_by_committed_code_on_a_clean_tree():
    """Provenance: each record names a commit of this repository's history and a clean tree."""
    import subprocess

    root = RESULTS.parent
    log = subprocess.run(["git", "rev-list", "HEAD"], cwd=root, capture_output=True, text=True)
    history = set(log.stdout.split())
    if log.returncode != 0 or not history:
        pytest.skip("not a git checkout")
    bad, pending = [], set()
    for path in RESULTS.rglob("*.json"):
        if path.name in DERIVED:
            continue
        clean = all(e.get("git_commit") in history and e.get("git_dirty") is False for e in _provenance(path))
        folder = path.relative_to(RESULTS).parts[0]
        if folder in PENDING_REGENERATION:
            pending |= {folder} if not clean else set()
        elif not clean:
            bad.append(str(path.relative_to(RESULTS)))
    assert not bad, f"{len(bad)} records without clean provenance, e.g. {sorted(bad)[:3]}"
    assert pending == PENDING_REGENERATION, f"regenerated, drop from the list: {PENDING_REGENERATION - pending}"
