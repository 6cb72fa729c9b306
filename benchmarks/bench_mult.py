"""MulT's epoch on the image data sets: the fast path (`MulT.forward`) against the readable one
(`MulT.reference_forward`, the path before it), which compute the same outputs.

    python benchmarks/bench_mult.py              # writes results/benchmark_mult.json
    python benchmarks/bench_mult.py --compile    # also torch.compile of the fast path (ENRICO)
    python benchmarks/bench_mult.py --smoke --output /tmp/mult.json

For ENRICO and AV-MNIST (rebuilt), MulT is built with the settings of the committed runs
(`intense.repro.suites`), copied, and both copies train epoch by epoch in turn
(`intense.train.fit`, one epoch per call) on one torch thread: the training pass of each epoch
(`history[0]["train_seconds"]`) and the whole epoch with its validation pass. The speedup is the
median over epochs of the ratio within an epoch pair, which a busy machine slows alike.
"""

from __future__ import annotations

import copy
import statistics
import time
import warnings

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py

from intense.data.registry import load_splits
from intense.repro.store import RESULTS_DIR, save_results
from intense.repro.suites import METHOD_OVERRIDES, base_config
from intense.runs import build_model
from intense.train import NotLearnedWarning, TrainConfig, fit


def epoch(model, splits, config, seed: int) -> tuple[float, float]:
    """(training pass, whole epoch) seconds of one epoch of `fit`."""
    train_config = TrainConfig(1, config.batch_size, config.lr, grad_clip=config.grad_clip, seed=seed, progress=False)
    start = time.perf_counter()
    history = fit(model, splits["train"], splits["val"], train_config).history
    return history[0]["train_seconds"], time.perf_counter() - start


def measure(dataset: str, epochs: int, samples: int | None, compiled: bool) -> dict:
    config = base_config(dataset, model="mult", **METHOD_OVERRIDES.get("mult", {}))
    splits = load_splits(config)
    if samples is not None:
        splits = {k: v.subset(torch.arange(min(samples, len(v)))) for k, v in splits.items()}
    torch.manual_seed(0)
    fast = build_model(config, splits["train"])
    other = copy.deepcopy(fast)
    if compiled:  # against the same path, compiled
        other.forward, name = torch.compile(other.forward), "compiled"
        first = epoch(other, splits, config, seed=0)  # compiles
    else:
        other.forward, name = other.reference_forward, "reference"
    times: dict[str, list[tuple[float, float]]] = {"fast": [], name: []}
    for e in range(epochs):
        for key, model in (("fast", fast), (name, other)):
            times[key].append(epoch(model, splits, config, seed=e))
    record = {
        "dataset": dataset,
        "compared": name,
        "training_samples": len(splits["train"]),
        "epochs": epochs,
        "fast_seconds_per_epoch": statistics.median(t for t, _ in times["fast"]),
        f"{name}_seconds_per_epoch": statistics.median(t for t, _ in times[name]),
        # > 1: the fast path is faster
        f"speedup_over_{name}": statistics.median(b[0] / a[0] for a, b in zip(times["fast"], times[name])),
        f"speedup_over_{name}_with_validation": statistics.median(
            b[1] / a[1] for a, b in zip(times["fast"], times[name])
        ),
    }
    if compiled:
        record["first_compiled_epoch_seconds"] = first[1]
    return record


def main() -> None:
    parser = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_mult.json", "1 epoch on 64 samples")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=["enrico", "avmnist-rebuilt"])
    parser.add_argument("--compile", action="store_true", help="also torch.compile, on the first data set")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", NotLearnedWarning)  # timing only: a few epochs need not learn
    epochs, samples = (1, 64) if args.smoke else (args.epochs, None)
    records = []
    for dataset in args.datasets:
        records.append(measure(dataset, epochs, samples, compiled=False))
        print(records[-1], flush=True)
    if args.compile:
        records.append(measure(args.datasets[0], epochs, samples, compiled=True))
        print(records[-1], flush=True)
    config = {"epochs": epochs, "samples": samples or "all", "torch_threads": 1, "device": "cpu"}
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
