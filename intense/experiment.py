"""One experiment run (data -> model -> fit -> record) and resumable sweeps of runs.

A run record (RUN.json) holds "config" (every setting, the seed, package versions and the git
commit), "test" and "val" (loss and accuracy of the selected model), "relevance" (eq. 4 of
the selected model) and "history" (per-epoch losses and relevance).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .data import synthgene, synthgene_parity
from .data.base import MultimodalData, split_indices
from .encoders import SequenceCNN
from .models import MNL, InTense
from .results import environment, write_json
from .train import TrainConfig, evaluate, fit

__all__ = ["RunConfig", "DATASETS", "MODELS", "run", "run_file_name", "sweep", "with_overrides",
           "parse_interactions", "build_model"]

MODELS = ("mnl", "intense", "intense-naive", "unimodal")


@dataclass
class RunConfig:
    """Every setting of a run. Defaults follow the paper's synthetic runs (App. G.2)."""

    dataset: str = "synthgene-tri"
    model: str = "intense"
    seed: int = 0
    epochs: int = 20
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    scheduler_gamma: float = 0.9
    grad_clip: float | None = 1.0
    reg_param: float = 0.05
    p: float = 1.0
    tf_latent_dim: int = 8
    interactions: list[str] | None = None  # e.g. ["12", "123"]; None: all up to max_order
    max_order: int | None = None
    hidden_dim: int = 16  # encoder output size d_m
    encoder_channels: int = 16  # convolution channels of the sequence CNN
    n_samples: int = 10_000
    n_modalities: int | None = None  # None: the dataset's default
    interacting: list[int] | None = None  # parity data sets: modalities whose parity is the label
    modality: int | None = None  # unimodal model: which modality (1-based)
    data_seed: int = 0  # the data set and its split are fixed across run seeds
    device: str = "cpu"
    progress: bool = True
    mlflow: bool = False

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {sorted(DATASETS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose from {list(MODELS)}")
        if self.model == "unimodal" and self.modality is None:
            raise ValueError("a unimodal model needs the modality to use (--modality M, 1-based)")
        try:
            device = torch.device(self.device)
        except RuntimeError as err:
            raise ValueError(f"unknown device {self.device!r}: use e.g. cpu or cuda") from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {self.device!r} was asked for but no CUDA GPU is available; use --device cpu")


def _synthgene(config: RunConfig) -> MultimodalData:
    return synthgene(config.n_samples, config.n_modalities or 10, seed=config.data_seed)


def _synthgene_parity(config: RunConfig) -> MultimodalData:
    return synthgene_parity(config.n_samples, config.n_modalities or 3, config.interacting or (1, 2),
                            seed=config.data_seed)


def _sequence_cnn(config: RunConfig) -> nn.Module:
    return SequenceCNN(config.hidden_dim, channels=config.encoder_channels)


# dataset name -> (loader, encoder factory)
DATASETS: dict[str, tuple[Callable[[RunConfig], MultimodalData], Callable[[RunConfig], nn.Module]]] = {
    "synthgene": (_synthgene, _sequence_cnn),
    "synthgene-tri": (_synthgene_parity, _sequence_cnn),
    "synthgene-parity": (_synthgene_parity, _sequence_cnn),  # the same, named for other --interacting
}


def parse_interactions(specs: Iterable[str] | None) -> list[tuple[int, ...]] | None:
    """["12", "1x3", "123"] -> [(1, 2), (1, 3), (1, 2, 3)] (1-based modality positions)."""
    if specs is None:
        return None
    parsed = []
    for spec in specs:
        parts = spec.split("x") if "x" in spec else list(spec)
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"cannot read interaction {spec!r}: write e.g. 12, 123 or 1x10")
        parsed.append(tuple(int(p) for p in parts))
    return parsed


def build_model(config: RunConfig, data: MultimodalData) -> InTense:
    make_encoder = DATASETS[config.dataset][1]
    encoders = [make_encoder(config) for _ in data.modalities]
    common = {"p": config.p, "reg_param": config.reg_param, "modality_names": data.modality_names}
    if config.model in ("mnl", "unimodal"):
        return MNL(encoders, data.output_dim, **common)
    return InTense(encoders, data.output_dim, tf_latent_dim=config.tf_latent_dim,
                   interactions=parse_interactions(config.interactions), max_order=config.max_order,
                   interaction_norm="naive" if config.model == "intense-naive" else "iterbn", **common)


def _mlflow_logger(config: RunConfig):
    try:
        import mlflow
    except ImportError as err:
        raise RuntimeError("--mlflow needs the mlflow package: pip install mlflow") from err
    mlflow.start_run(run_name=run_file_name(config).removesuffix(".json"))
    mlflow.log_params({k: v for k, v in asdict(config).items() if k not in ("progress", "mlflow")})
    return mlflow


def run(config: RunConfig, output: str | Path | None = None) -> dict[str, Any]:
    """Train and evaluate one model; returns the run record and writes it to `output`."""
    mlflow = _mlflow_logger(config) if config.mlflow else None  # fail before training, not after
    torch.manual_seed(config.seed)
    loader = DATASETS[config.dataset][0]
    data = loader(config)
    if config.model == "unimodal":
        if not 1 <= config.modality <= len(data.modalities):
            raise ValueError(f"--modality must lie in 1..{len(data.modalities)}, got {config.modality}")
        data = data.select([config.modality])
    splits = {k: data.subset(v).to(config.device) for k, v in split_indices(len(data), seed=config.data_seed).items()}
    model = build_model(config, data).to(config.device)
    train_config = TrainConfig(config.epochs, config.batch_size, config.lr, config.weight_decay,
                               config.scheduler_gamma, config.grad_clip, config.seed, config.progress)
    start = time.perf_counter()
    result = fit(model, splits["train"], splits["val"], train_config)
    seconds = time.perf_counter() - start
    record = {
        "config": {**asdict(config), "environment": environment()},
        "test": evaluate(model, splits["test"]),
        "val": evaluate(model, splits["val"]),
        "relevance": model.relevance(),
        "best_epoch": result.best_epoch,
        "train_seconds": seconds,
        "sizes": {k: len(v) for k, v in splits.items()},
        "history": result.history,
    }
    if mlflow is not None:
        for row in result.history:
            mlflow.log_metrics({k: v for k, v in row.items() if isinstance(v, float)}, step=row["epoch"])
        mlflow.log_metrics({f"test_{k}": v for k, v in record["test"].items()})
        mlflow.end_run()
    if output is not None:
        write_json(output, record)
    return record


def run_file_name(config: RunConfig) -> str:
    model = config.model + (f"-m{config.modality}" if config.model == "unimodal" else "")
    return f"{config.dataset}_{model}_seed{config.seed}.json"


def _finished(path: Path) -> bool:
    try:
        return "test" in json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return False


def sweep(configs: Iterable[RunConfig], out_dir: str | Path) -> list[Path]:
    """Run every config whose record is not yet in `out_dir`; rerunning resumes a killed sweep."""
    out_dir = Path(out_dir)
    paths = []
    for config in configs:
        path = out_dir / run_file_name(config)
        if _finished(path):
            print(f"skip {path.name} (finished earlier)")
        else:
            record = run(config, path)
            print(f"done {path.name}: test accuracy {record['test']['accuracy']:.3f}")
        paths.append(path)
    return paths


def with_overrides(config: RunConfig, **changes: Any) -> RunConfig:
    """A copy of `config` with some fields changed (validated again)."""
    known = {f.name for f in fields(RunConfig)}
    unknown = set(changes) - known
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    return replace(config, **changes)
