"""Command line: python -m intense {train,sweep} ... (python -m intense train --help)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from .experiment import DATASETS, ENCODERS, MODELS, RunConfig, run, sweep

# one entry per RunConfig field: (argparse keyword arguments, help)
FLAGS: dict[str, tuple[dict, str]] = {
    "dataset": ({"choices": sorted(DATASETS)}, "data set"),
    "seed": ({"type": int}, "seed of model initialisation and batch order"),
    "epochs": ({"type": int}, "training epochs; the epoch with the lowest validation loss is kept"),
    "batch_size": ({"type": int}, "mini-batch size"),
    "lr": ({"type": float}, "initial learning rate of AdamW"),
    "weight_decay": ({"type": float}, "AdamW weight decay on the encoders (not on the fusion layer)"),
    "scheduler_gamma": ({"type": float}, "exponential learning-rate decay per epoch"),
    "grad_clip": ({"type": float}, "maximum gradient norm (clipping)"),
    "reg_param": ({"type": float}, "Lambda of the block-norm penalty (eq. 3)"),
    "p": ({"type": float}, "p of the L_p constraint on the relevance scores (1 <= p)"),
    "tf_latent_dim": ({"type": int}, "size each modality is projected to before tensor products"),
    "interactions": ({"nargs": "+"}, "interactions to model, e.g. 12 13 123 (default: all, up to --max-order)"),
    "max_order": ({"type": int}, "highest interaction order when --interactions is not given"),
    "hidden_dim": ({"type": int}, "output size of each modality encoder"),
    "encoder": ({"choices": ENCODERS}, "modality encoder; default: the data set's own (see the README)"),
    "encoder_channels": ({"type": int}, "convolution channels (CNN encoders) or hidden width (MLP, GRU)"),
    "n_samples": ({"type": int}, "samples to generate (synthetic data sets)"),
    "n_modalities": ({"type": int}, "modalities to generate (synthetic data sets)"),
    "interacting": ({"type": int, "nargs": "+"}, "parity data sets: modalities whose parity is the label, e.g. 1 2"),
    "modality": ({"type": int}, "unimodal model: the modality to train on (1-based)"),
    "data_seed": ({"type": int}, "seed of the generated data set and its train/val/test split"),
    "data_root": ({}, "folder of the real data sets (default: $INTENSE_DATA, else ../shared/data)"),
    "device": ({}, "torch device, e.g. cpu or cuda"),
}


def _add_run_flags(parser: argparse.ArgumentParser, sweep: bool = False) -> None:
    defaults = RunConfig()
    for name, (kwargs, text) in FLAGS.items():
        default = getattr(defaults, name)
        if sweep and name == "seed":  # a sweep takes --seeds
            continue
        if sweep and name == "dataset":  # a sweep crosses data sets x models x seeds
            kwargs, text, default = {**kwargs, "nargs": "+"}, "data sets", [default]
        parser.add_argument("--" + name.replace("_", "-"), default=default, help=f"{text} (default: {default})", **kwargs)
    parser.add_argument("--mlflow", action="store_true", help="also log to MLflow (needs: pip install mlflow)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _config(args: argparse.Namespace, **changes) -> RunConfig:
    values = {f.name: getattr(args, f.name) for f in fields(RunConfig) if f.name in FLAGS and f.name in args}
    values.update(progress=not args.no_progress, mlflow=args.mlflow, **changes)
    return RunConfig(**values)


def _seeds(text: list[str]) -> list[int]:
    seeds = []
    for item in text:
        low, _, high = item.partition("-")
        seeds += list(range(int(low), int(high) + 1)) if high else [int(low)]
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m intense", description="InTense: interpretable tensor fusion")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train and evaluate one model, write RUN.json")
    train.add_argument("--model", choices=MODELS, default="intense", help="model (default: intense)")
    train.add_argument("--output", type=Path, required=True, help="where to write the run record (JSON)")
    _add_run_flags(train)

    many = commands.add_parser("sweep", help="runs for every data set x model x seed; skips finished runs (resumable)")
    many.add_argument("--models", nargs="+", choices=MODELS, default=["intense"], help="models to train")
    many.add_argument("--seeds", nargs="+", default=["0-9"], help="seeds, e.g. 0-9 or 0 3 5 (default: 0-9)")
    many.add_argument("--modalities", type=int, nargs="+", help="unimodal models: one per listed modality")
    many.add_argument("--out-dir", type=Path, required=True, help="folder of run records")
    _add_run_flags(many, sweep=True)

    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            record = run(_config(args, model=args.model), args.output)
            print(f"test accuracy {record['test']['accuracy']:.4f}; relevance {record['relevance']}")
            print(f"wrote {args.output}")
        else:
            configs = []
            for dataset in args.dataset:
                for model in args.models:
                    modalities = (args.modalities or []) if model == "unimodal" else [args.modality]
                    if model == "unimodal" and not modalities:
                        parser.error("unimodal models in a sweep need --modalities")
                    for seed in _seeds(args.seeds):
                        for modality in modalities:
                            configs.append(_config(args, dataset=dataset, model=model, seed=seed, modality=modality))
            sweep(configs, args.out_dir)
    except (ValueError, OSError, RuntimeError, FloatingPointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
