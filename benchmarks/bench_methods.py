"""Size and seconds per training epoch of every method of Table 1/2 on real data (CPU).

    python benchmarks/bench_methods.py            # writes results/benchmark_methods.json
    python benchmarks/bench_methods.py --smoke --output /tmp/methods.json

For ENRICO and AV-MNIST (rebuilt), each method is built with the settings of the committed
runs (`intense.repro.suites`) and trained by `intense.train.fit` for a few epochs; the record holds
the parameter count and the median wall-clock time of an epoch's training pass. MulT reads
each image as a sequence of rows. Methods run one after another, never concurrently.
"""

from __future__ import annotations

import statistics

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py

from intense.data.base import Splits
from intense.data.registry import load_splits
from intense.repro.store import RESULTS_DIR, save_results
from intense.repro.suites import METHOD_OVERRIDES, METHODS, REAL_WORLD, base_config
from intense.runs import build_model
from intense.train import TrainConfig, fit


def measure(dataset: str, splits: Splits, method: str, epochs: int, samples: int | None) -> dict:
    config = base_config(dataset, model=method, **METHOD_OVERRIDES.get(method, {}))
    train = splits["train"] if samples is None else splits["train"].subset(torch.arange(samples))
    torch.manual_seed(0)
    model = build_model(config, train)
    train_config = TrainConfig(epochs, config.batch_size, config.lr, grad_clip=config.grad_clip, progress=False)
    result = fit(model, train, splits["val"], train_config)
    return {
        "dataset": dataset,
        "method": method,
        "parameters": sum(p.numel() for p in model.parameters()),
        "training_samples": len(train),
        "epochs": epochs,
        "seconds_per_epoch": statistics.median(h["train_seconds"] for h in result.history),
    }


def main() -> None:
    parser = benchmark_parser(
        __doc__, RESULTS_DIR / "benchmark_methods.json", "1 epoch on 64 samples (checks the script runs)"
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=["enrico", "avmnist-rebuilt"], choices=sorted(REAL_WORLD))
    args = parser.parse_args()
    epochs, samples = (1, 64) if args.smoke else (args.epochs, None)
    records = []
    for dataset in args.datasets:
        splits = load_splits(base_config(dataset))
        sequences = splits["train"].modalities[0].dim() > 2  # MulT reads sequences (or image rows)
        for method in (*METHODS, "mult") if sequences else METHODS:
            records.append(measure(dataset, splits, method, epochs, samples))
            print(records[-1], flush=True)
    save_results(args.output, {"epochs": epochs, "samples": samples or "all", "device": "cpu"}, records)


if __name__ == "__main__":
    main()
