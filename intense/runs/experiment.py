"""One experiment run: data -> model -> fit -> record.

A run record (RUN.json) holds "config" (every setting, the seed, and in "environment" the
package versions and the code's provenance, see `record.py`), "test", "val" and "train" (loss
and accuracy of the selected model: does it fit its training data?), "relevance" (eq. 4 of the
selected model), "relevance_at_init" (eq. 4 of the untrained model: the prior that the blocks'
sizes give, against which a ranking claim is judged) and "history" (per-epoch losses and
relevance), "chance" and "learned" (whether the validation accuracy is clearly above chance:
relevance scores of a run that did not learn mean nothing).
"""

from __future__ import annotations

import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from ..audit import audit
from ..data.base import Splits
from ..model_base import MultimodalModel
from ..train import TrainConfig, chance_rate, evaluate, fit, learned, not_learned_because
from .checkpoint import save_checkpoint
from .config import RunConfig
from .factory import build_model, run_splits
from .record import environment, write_json

__all__ = ["run", "run_file_name", "initial_relevance", "why_not_learned"]


def _mlflow_logger(config: RunConfig):
    try:
        import mlflow
    except ImportError as err:
        raise RuntimeError("--mlflow needs the mlflow package: pip install mlflow") from err
    mlflow.start_run(run_name=run_file_name(config).removesuffix(".json"))
    mlflow.log_params({k: v for k, v in asdict(config).items() if k not in ("progress", "mlflow")})
    return mlflow


def run(config: RunConfig, output: str | Path | None = None, save_model: str | Path | None = None) -> dict[str, Any]:
    """Train and evaluate one model; returns the run record and writes it to `output` (and the
    trained model to `save_model`, see `checkpoint.py`)."""
    mlflow = _mlflow_logger(config) if config.mlflow else None  # fail before training, not after
    try:
        record = _train_and_evaluate(config, save_model)
    except BaseException:
        if mlflow is not None:  # a failed run must not stay active: the next run starts its own
            mlflow.end_run(status="FAILED")
        raise
    if mlflow is not None:
        for row in record["history"]:
            mlflow.log_metrics({k: v for k, v in row.items() if isinstance(v, float)}, step=row["epoch"])
        mlflow.log_metrics({f"test_{k}": v for k, v in record["test"].items()})
        mlflow.end_run()
    if output is not None:
        write_json(output, record)
    return record


def _untrained(config: RunConfig) -> tuple[MultimodalModel, Splits, dict[str, float]]:
    """The run's data, its model as initialised at its seed, and that model's relevance (eq. 4;
    MultiRoute's routing read on the validation split)."""
    torch.manual_seed(config.seed)
    splits = {k: v.to(config.device) for k, v in run_splits(config).items()}
    model = build_model(config, splits["train"]).to(config.device)
    model.eval()
    return model, splits, model.relevance(splits["val"])


def initial_relevance(config: RunConfig) -> dict[str, float]:
    """eq. 4 of the untrained model of a run (the record's "relevance_at_init"): what the
    blocks' sizes alone give. Deterministic: the model is initialised at the run's seed exactly
    as `run` initialises it, so it can be recomputed for records made before it was recorded."""
    return _untrained(config)[2]


def _train_and_evaluate(config: RunConfig, save_model: str | Path | None = None) -> dict[str, Any]:
    model, splits, relevance_at_init = _untrained(config)
    train_config = TrainConfig(**{f.name: getattr(config, f.name) for f in fields(TrainConfig)})
    start = time.perf_counter()
    result = fit(model, splits["train"], splits["val"], train_config)
    seconds = time.perf_counter() - start
    val = evaluate(model, splits["val"])
    chance = chance_rate(splits["val"])
    by_accuracy = result.by_val_accuracy
    if by_accuracy:  # the same run, selected by validation accuracy
        model.load_state_dict(by_accuracy.pop("state"))
        by_accuracy.update(test=evaluate(model, splits["test"]), relevance=model.relevance(splits["test"]))
        model.load_state_dict(result.selected_state)
    if save_model is not None:
        save_checkpoint(save_model, model, config)
    # does the relevance tell the truth? model-agnostic measures on the validation split (audit.py)
    audited = model.relevance(splits["val"]) and len(splits["val"].modalities) > 1
    return {
        "config": {**asdict(config), "environment": environment()},
        "test": evaluate(model, splits["test"]),
        "val": val,
        "train": evaluate(model, splits["train"]),
        "chance": chance,  # validation accuracy of always predicting the most common label
        "learned": learned(val["accuracy"], chance, len(splits["val"]), config.learned_above),
        "relevance": model.relevance(splits["test"]),
        "relevance_at_init": relevance_at_init,
        "best_epoch": result.best_epoch,
        "penalty_weight": model.penalty_weight(),  # eq. 3's Lambda / n, or the weight given
        # the appendix's second protocol: the epoch with the highest validation accuracy
        "by_val_accuracy": by_accuracy,
        "audit": audit(model, splits["train"], splits["val"]) if audited else None,
        # MultiRoute: its global scores under every aggregation (routing.py), on the test split
        "relevance_by_aggregation": model.relevance_by_aggregation(splits["test"]),
        "train_seconds": seconds,
        "sizes": {k: len(v) for k, v in splits.items()},
        "history": result.history,
    }


def run_file_name(config: RunConfig) -> str:
    model = config.model + (f"-m{config.modality}" if config.model == "unimodal" else "")
    return f"{config.dataset}_{model}_seed{config.seed}.json"


def why_not_learned(record: dict[str, Any]) -> str | None:
    """None when the run of `record` learned its task, else the rule it failed, with the numbers."""
    val, config = record["val"]["accuracy"], record["config"]
    return not_learned_because(val, record["chance"], record["sizes"]["val"], config["learned_above"])
