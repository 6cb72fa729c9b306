"""One experiment run (data -> model -> fit -> record) and resumable sweeps of runs.

A run record (RUN.json) holds "config" (every setting, the seed, package versions and the git
commit), "test" and "val" (loss and accuracy of the selected model), "relevance" (eq. 4 of
the selected model) and "history" (per-epoch losses and relevance).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .baselines import MRO, TFN, LFConcat, MulT, MultiRoute
from .baselines.mult import as_sequence
from .data import synthgene, synthgene_parity
from .data.affect import AFFECT_FILES, load_affect
from .data.avmnist import load_avmnist, load_avmnist_rebuilt
from .data.base import MultimodalData, Splits, random_splits
from .data.enrico import load_enrico
from .data.mfeat import load_mfeat
from .encoders import GRUEncoder, LeNet, MLPEncoder, SequenceCNN, TransformerEncoder
from .model_base import MultimodalModel
from .models import MNL, InTense
from .results import environment, write_json
from .train import TrainConfig, evaluate, fit

__all__ = ["RunConfig", "DATASETS", "MODELS", "ENCODERS", "make_encoder", "run", "run_file_name", "sweep", "with_overrides",
           "parse_interactions", "build_model"]

MODELS = ("mnl", "intense", "intense-naive", "unimodal", "lf-concat", "tfn", "mult", "mro", "multiroute")
ENCODERS = ("default", "sequence-cnn", "mlp", "lenet", "gru", "transformer")


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
    encoder: str = "default"  # the data set's default encoder, or one of ENCODERS
    encoder_channels: int = 16  # convolution channels (CNN encoders) or hidden width (MLP, GRU)
    n_samples: int = 10_000
    n_modalities: int | None = None  # None: the dataset's default
    interacting: list[int] | None = None  # parity data sets: modalities whose parity is the label
    modality: int | None = None  # unimodal model: which modality (1-based)
    data_seed: int = 0  # the data set and its split are fixed across run seeds
    data_root: str | None = None  # real data sets; None: $INTENSE_DATA or ../shared/data
    device: str = "cpu"
    progress: bool = True
    mlflow: bool = False

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {sorted(DATASETS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose from {list(MODELS)}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}; choose from {list(ENCODERS)}")
        if self.model == "unimodal" and self.modality is None:
            raise ValueError("a unimodal model needs the modality to use (--modality M, 1-based)")
        try:
            device = torch.device(self.device)
        except RuntimeError as err:
            raise ValueError(f"unknown device {self.device!r}: use e.g. cpu or cuda") from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {self.device!r} was asked for but no CUDA GPU is available; use --device cpu")


def _synthgene(config: RunConfig) -> Splits:
    return random_splits(synthgene(config.n_samples, config.n_modalities or 10, seed=config.data_seed),
                         seed=config.data_seed)


def _synthgene_parity(config: RunConfig) -> Splits:
    data = synthgene_parity(config.n_samples, config.n_modalities or 3, config.interacting or (1, 2),
                            seed=config.data_seed)
    return random_splits(data, seed=config.data_seed)


def _affect(name: str) -> Callable[[RunConfig], Splits]:
    return lambda config: load_affect(name, config.data_root)


# dataset name -> (loader returning train / val / test, default encoder)
DATASETS: dict[str, tuple[Callable[[RunConfig], Splits], str]] = {
    "synthgene": (_synthgene, "sequence-cnn"),
    "synthgene-tri": (_synthgene_parity, "sequence-cnn"),
    "synthgene-parity": (_synthgene_parity, "sequence-cnn"),  # the same, named for other --interacting
    "enrico": (lambda c: load_enrico(c.data_root, seed=c.data_seed), "lenet"),
    "avmnist-rebuilt": (lambda c: load_avmnist_rebuilt(c.data_root, seed=c.data_seed), "lenet"),
    "avmnist": (lambda c: load_avmnist(c.data_root), "lenet"),
    "mfeat": (lambda c: load_mfeat(seed=c.data_seed), "mlp"),
    **{name: (_affect(name), "gru") for name in AFFECT_FILES},
}


def make_encoder(config: RunConfig, example: torch.Tensor) -> nn.Module:
    """The encoder `config.encoder` (or the data set's default) for inputs shaped like `example`."""
    kind = DATASETS[config.dataset][1] if config.encoder == "default" else config.encoder
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


def build_model(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    """The model `config.model` for `data` (its modalities' shapes and task)."""
    out = data.output_dim
    if config.model == "mult":
        return MulT([as_sequence(x).shape[-1] for x in data.modalities], out)
    encoders = [make_encoder(config, x) for x in data.modalities]
    names = data.modality_names
    if config.model in ("mnl", "unimodal"):
        return MNL(encoders, out, p=config.p, reg_param=config.reg_param, modality_names=names)
    if config.model in ("intense", "intense-naive"):
        return InTense(encoders, out, p=config.p, reg_param=config.reg_param, modality_names=names,
                       tf_latent_dim=config.tf_latent_dim, interactions=parse_interactions(config.interactions),
                       max_order=config.max_order,
                       interaction_norm="naive" if config.model == "intense-naive" else "iterbn")
    if config.model == "lf-concat":
        return LFConcat(encoders, out)
    if config.model == "tfn":
        return TFN(encoders, out, latent_dim=config.tf_latent_dim)
    if config.model == "mro":
        return MRO(encoders, out, max_order=config.max_order)
    return MultiRoute(encoders, out, max_order=config.max_order, latent_dim=config.tf_latent_dim,
                      modality_names=names)


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
    splits = DATASETS[config.dataset][0](config)
    if config.model == "unimodal":
        n = len(splits["train"].modalities)
        if not 1 <= config.modality <= n:
            raise ValueError(f"--modality must lie in 1..{n}, got {config.modality}")
        splits = {k: v.select([config.modality]) for k, v in splits.items()}
    splits = {k: v.to(config.device) for k, v in splits.items()}
    model = build_model(config, splits["train"]).to(config.device)
    train_config = TrainConfig(config.epochs, config.batch_size, config.lr, config.weight_decay,
                               config.scheduler_gamma, config.grad_clip, config.seed, config.progress)
    start = time.perf_counter()
    result = fit(model, splits["train"], splits["val"], train_config)
    seconds = time.perf_counter() - start
    record = {
        "config": {**asdict(config), "environment": environment()},
        "test": evaluate(model, splits["test"]),
        "val": evaluate(model, splits["val"]),
        "relevance": model.relevance(splits["test"]),
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
