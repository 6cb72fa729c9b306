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

import math
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..audit import audit
from ..baselines import MRO, TFN, LFConcat, MulT, MultiRoute
from ..baselines.mult import as_sequence, attention_dropout_for
from ..baselines.routing import AGGREGATIONS
from ..data.base import MultimodalData, Splits
from ..data.registry import default_encoder, load_splits
from ..encoders import GRUEncoder, LeNet, MLPEncoder, SequenceCNN, TransformerEncoder
from ..model_base import MultimodalModel
from ..models import MNL, InTense
from ..train import TrainConfig, chance_rate, evaluate, fit, learned, not_learned_because
from .checkpoint import save_checkpoint
from .config import RunConfig
from .record import environment, write_json

__all__ = ["make_encoder", "build_model", "run", "run_splits", "run_file_name", "initial_relevance", "why_not_learned"]


# InTense's variants by model name: how their interaction blocks are normalised
INTERACTION_NORM_OF = {"intense": "iterbn", "intense-naive": "naive", "intense-naive-pairwise": "naive-pairwise"}


def make_encoder(config: RunConfig, example: torch.Tensor) -> nn.Module:
    """The encoder `config.encoder` (or the data set's default) for inputs shaped like `example`."""
    kind = default_encoder(config.dataset) if config.encoder == "default" else config.encoder
    shape, width = tuple(example.shape[1:]), config.encoder_channels
    if kind in ("gru", "transformer") and len(shape) != 2:
        raise ValueError(f"the {kind} encoder reads sequences (steps, features); this modality is shaped {shape}")
    if kind == "lenet" and len(shape) != 3:
        raise ValueError(f"the lenet encoder reads images (channels, height, width); this modality is shaped {shape}")
    if kind == "sequence-cnn":
        return SequenceCNN(config.hidden_dim, alphabet=shape[0], channels=width)
    if kind == "mlp":
        return MLPEncoder(example[0].numel(), config.hidden_dim, hidden=(width,))
    if kind == "lenet":
        stride = 2 if min(shape[1:]) >= 64 else 1  # strided first layer on large inputs
        layers = max(1, int(math.log2(min(shape[1:]) // stride)) - 2)  # pool down to 4-7 pixels
        return LeNet(shape[0], config.hidden_dim, channels=width, layers=layers, stride=stride)
    if kind == "gru":
        return GRUEncoder(shape[1], config.hidden_dim, hidden=width)
    return TransformerEncoder(shape[1], config.hidden_dim)


def build_model(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    """The model `config.model` for the training split `data` (its modalities' shapes, its task,
    and its size n, which sets eq. 3's penalty weight)."""
    out = data.output_dim
    if config.model == "mult":
        dims = [as_sequence(x).shape[-1] for x in data.modalities]
        return MulT(dims, out, attention_dropout=attention_dropout_for(data.modality_names))
    encoders = [make_encoder(config, x) for x in data.modalities]
    names = data.modality_names
    # what MNL and InTense share: eq. 3's penalty, eq. 4's p, names and the fusion layer's init
    fusion = {
        "p": config.p,
        "reg_param": config.penalty_weight(len(data)),
        "modality_names": names,
        "fusion_init": config.fusion_init,
    }
    if config.model in ("mnl", "unimodal"):
        return MNL(encoders, out, **fusion)
    if config.model in INTERACTION_NORM_OF:
        return InTense(
            encoders,
            out,
            tf_latent_dim=config.tf_latent_dim,
            interactions=config.interactions,
            max_order=config.max_order,
            interaction_norm=INTERACTION_NORM_OF[config.model],
            **fusion,
        )
    norm = {"encoder_norm": config.encoder_norm}  # the baselines: VBN on the encoder outputs, or none
    if config.model == "lf-concat":
        return LFConcat(encoders, out, **norm)
    if config.model == "tfn":
        return TFN(encoders, out, latent_dim=config.tf_latent_dim, **norm)
    if config.model == "mro":
        return MRO(encoders, out, max_order=config.max_order, **norm)
    return MultiRoute(
        encoders, out, max_order=config.max_order, latent_dim=config.tf_latent_dim, modality_names=names, **norm
    )


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


def run_splits(config: RunConfig) -> Splits:
    """The data splits a run of `config` trains and evaluates on (a unimodal model's: one
    modality; at most `max_samples` of each split, evenly spaced over it; without class weights
    where the run does not balance classes)."""
    splits = load_splits(config)
    if config.class_balance == "none":
        splits = {k: replace(v, class_weights=None) for k, v in splits.items()}
    if config.model == "unimodal":
        n = len(splits["train"].modalities)
        if not 1 <= config.modality <= n:
            raise ValueError(f"--modality must lie in 1..{n}, got {config.modality}")
        splits = {k: v.select([config.modality]) for k, v in splits.items()}
    if config.max_samples is not None:
        splits = {
            k: v.subset(torch.linspace(0, len(v) - 1, min(len(v), config.max_samples)).round().long())
            for k, v in splits.items()
        }
    return splits


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
        "penalty_weight": model.head.reg_param if isinstance(model, InTense) else 0.0,  # eq. 3 / n
        # the appendix's second protocol: the epoch with the highest validation accuracy
        "by_val_accuracy": by_accuracy,
        "audit": audit(model, splits["train"], splits["val"]) if audited else None,
        # MultiRoute: its global scores under every aggregation (routing.py), on the test split
        "relevance_by_aggregation": {how: model.relevance(splits["test"], how=how) for how in AGGREGATIONS}
        if isinstance(model, MultiRoute)
        else None,
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
