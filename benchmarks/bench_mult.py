"""MulT's epoch on the image data sets: the fast path (`MulT.forward`) against the readable one
(`MulT.reference_forward`, the path before it), which compute the same outputs.

    python benchmarks/bench_mult.py              # writes results/benchmark_mult.json
    python benchmarks/bench_mult.py --compile    # also torch.compile of the fast path (ENRICO)
    python benchmarks/bench_mult.py --smoke --output /tmp/mult.json

For ENRICO and AV-MNIST (rebuilt), MulT is built with the settings of the committed runs
(`intense.repro.suites`) and copied; both copies train epoch by epoch in turn, on one torch thread,
each epoch the trainer's training pass (shuffled batches, `intense.train.optimizer_step`) and then
its validation pass (`intense.train.evaluate`). Recorded: the median wall-clock and CPU seconds of
a training pass, and the speedups as medians over epochs of the ratio within an epoch pair. The
machine is shared with other runs: the CPU time of this process's thread is the steadier measure.
"""

from __future__ import annotations

import copy
import statistics
import time

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py

from intense.data.registry import load_splits
from intense.repro.store import RESULTS_DIR, save_results
from intense.repro.suites import METHOD_OVERRIDES, base_config
from intense.runs import build_model
from intense.threads import use_threads
from intense.train import evaluate, optimizer_step, task_loss


def epoch(model, optimizer, splits, config, seed: int) -> dict[str, float]:
    """Wall and CPU seconds of one training pass (as `intense.train.fit` runs it) and of the
    validation pass after it."""
    train = splits["train"]
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    loss = task_loss(train.task, train.class_weights)
    model.train()
    wall, cpu = time.perf_counter(), time.thread_time()
    for start in range(0, len(train), config.batch_size):
        index = order[start : start + config.batch_size]
        if index.numel() >= 2:
            inputs = [x[index] for x in train.modalities]
            optimizer_step(model, optimizer, inputs, train.labels[index], loss, config.grad_clip)
    times = {"wall": time.perf_counter() - wall, "cpu": time.thread_time() - cpu}
    start = time.perf_counter()
    evaluate(model, splits["val"])
    return times | {"validation": time.perf_counter() - start}


def measure(dataset: str, epochs: int, samples: int | None, compiled: bool) -> dict:
    config = base_config(dataset, model="mult", **METHOD_OVERRIDES.get("mult", {}))
    splits = load_splits(config)
    if samples is not None:
        splits = {k: v.subset(torch.arange(min(samples, len(v)))) for k, v in splits.items()}
    torch.manual_seed(0)
    fast = build_model(config, splits["train"])
    other = copy.deepcopy(fast)
    optimizers = {id(m): torch.optim.AdamW(m.parameters(), lr=config.lr) for m in (fast, other)}
    if compiled:  # against the same path, compiled
        other.forward, name = torch.compile(other.forward), "compiled"
        first = epoch(other, optimizers[id(other)], splits, config, seed=0)  # compiles
    else:
        other.forward, name = other.reference_forward, "reference"
    times: dict[str, list[dict[str, float]]] = {"fast": [], name: []}
    for e in range(epochs):
        for key, model in (("fast", fast), (name, other)):
            times[key].append(epoch(model, optimizers[id(model)], splits, config, seed=e))

    def speedup(measure: str) -> float:  # > 1: the fast path is faster
        return statistics.median(b[measure] / a[measure] for a, b in zip(times["fast"], times[name]))

    record = {
        "dataset": dataset,
        "compared": name,
        "training_samples": len(splits["train"]),
        "epochs": epochs,
        "fast_seconds_per_epoch": statistics.median(t["wall"] for t in times["fast"]),
        f"{name}_seconds_per_epoch": statistics.median(t["wall"] for t in times[name]),
        "fast_cpu_seconds_per_epoch": statistics.median(t["cpu"] for t in times["fast"]),
        f"{name}_cpu_seconds_per_epoch": statistics.median(t["cpu"] for t in times[name]),
        "speedup": speedup("wall"),
        "cpu_speedup": speedup("cpu"),
        "validation_speedup": speedup("validation"),
    }
    if compiled:
        record["first_compiled_epoch_seconds"] = first["wall"]
    return record


def main() -> None:
    parser = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_mult.json", "1 epoch on 64 samples")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=["enrico", "avmnist-rebuilt"])
    parser.add_argument("--compile", action="store_true", help="also torch.compile, on the first data set")
    args = parser.parse_args()
    use_threads(1)
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
