"""MulT's epoch on the image data sets: the fast path (`MulT.forward`) against the readable one
(`MulT.reference_forward`, the path before it), which compute the same outputs.

    python benchmarks/bench_mult.py              # writes results/benchmark_mult.json
    python benchmarks/bench_mult.py --compile    # also torch.compile of the fast path (ENRICO),
                                                 # drawing dropout masks as eager does
    python benchmarks/bench_mult.py --smoke --output /tmp/mult.json

For ENRICO and AV-MNIST (rebuilt), MulT is built with the settings of the committed runs
(`intense.repro.suites`) and copied; both copies train epoch by epoch in turn, on one torch thread,
each epoch the trainer's training pass (shuffled batches, `intense.train.optimizer_step`) and then
its validation pass (`intense.train.evaluate`). Recorded: the median wall-clock and CPU seconds of
a training pass, and the speedups as medians over epochs of the ratio within an epoch pair: the
other path's time over the fast path's (above 1: the fast path is faster; with --compile, the
compiled epoch's time over the eager one's). The machine may be shared with other runs (the
record keeps its load average): the CPU time of this process's thread is the steadier measure.
"""

from __future__ import annotations

import copy
import os
import statistics
import time

import torch
from _cli import benchmark_parser, machine_load  # benchmarks/_cli.py

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
        torch._inductor.config.fallback_random = True  # eager's dropout draws: MulT's random stream
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


# torch operators by what they compute in MulT (self CPU time; the rest is "other")
KINDS = {
    "attention (scores, softmax, weighted sum)": (
        "aten::bmm",
        "aten::_softmax",
        "aten::_softmax_backward_data",
        "aten::_scaled_dot_product",
    ),
    "dropout masks (random draws)": ("aten::bernoulli_",),
    "linear layers": ("aten::mm", "aten::addmm"),
    "layer norm": ("aten::native_layer_norm",),
    "optimizer (AdamW)": ("Optimizer.step", "aten::_foreach", "aten::addcdiv_", "aten::lerp_"),
    "copies": ("aten::copy_", "aten::cat"),
}


def profile_step(dataset: str, samples: int | None, steps: int = 3) -> dict:
    """Where a training step's CPU time goes (torch.profiler, self CPU time by kind of operator),
    for the fast path and the reference, on one batch of the data set."""
    config = base_config(dataset, model="mult", **METHOD_OVERRIDES.get("mult", {}))
    train = load_splits(config)["train"]
    torch.manual_seed(0)
    fast = build_model(config, train)
    reference = copy.deepcopy(fast)
    reference.forward = reference.reference_forward
    batch = min(config.batch_size, samples or config.batch_size)
    inputs, labels = [x[:batch] for x in train.modalities], train.labels[:batch]
    loss = task_loss(train.task, train.class_weights)
    record = {"dataset": dataset, "compared": "profile", "batch": batch, "steps": steps}
    for name, model in (("fast", fast), ("reference", reference)):
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
        model.train()
        optimizer_step(model, optimizer, inputs, labels, loss, config.grad_clip)  # warm-up
        with torch.profiler.profile() as prof:
            for _ in range(steps):
                optimizer_step(model, optimizer, inputs, labels, loss, config.grad_clip)
        shares = dict.fromkeys([*KINDS, "other"], 0.0)
        for event in prof.key_averages():
            kind = next((k for k, prefixes in KINDS.items() if event.key.startswith(prefixes)), "other")
            shares[kind] += event.self_cpu_time_total / 1e6 / steps  # seconds per step
        record[f"{name}_seconds_per_step"] = sum(shares.values())
        record[f"{name}_by_kind"] = shares
    return record


def main() -> None:
    parser = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_mult.json", "1 epoch on 64 samples")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=["enrico", "avmnist-rebuilt"])
    parser.add_argument("--compile", action="store_true", help="also torch.compile, on the first data set")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile of a training step")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    use_threads(1)
    epochs, samples = (1, 64) if args.smoke else (args.epochs, None)
    records = []
    for dataset in args.datasets:
        records.append(measure(dataset, epochs, samples, compiled=False))
        print(records[-1], flush=True)
    if args.compile:
        records.append(measure(args.datasets[0], epochs, samples, compiled=True))
        print(records[-1], flush=True)
    if not args.no_profile:
        for dataset in args.datasets:
            records.append(profile_step(dataset, samples, steps=1 if args.smoke else 3))
            print(records[-1], flush=True)
    config = {
        "epochs": epochs,
        "samples": samples or "all",
        "torch_threads": 1,
        "device": "cpu",
        "load_average": machine_load(load),
    }
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
