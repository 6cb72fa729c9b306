"""The price of interactions: one training step of InTense over MNL on the same encoders, by the
number of modalities and the highest interaction order (the learning chapter's data and settings:
SynthGene parity, the sequence CNN with 64 channels, tf_latent_dim 8).

    python benchmarks/bench_orders.py                  # writes results/benchmark_orders.json
    python benchmarks/bench_orders.py --compile        # also torch.compile, on two settings
    python benchmarks/bench_orders.py --smoke --output /tmp/orders.json

For 2 to 5 modalities, every highest order, batch 32 and 64: MNL, InTense (the vectorised fusion
path, `intense.vectorised`) and InTense computed block by block (`vectorised=False`, the path
before it) are built with the same seed, so they share the encoders, and each takes one training
step (forward, backward, AdamW; `intense.train.optimizer_step`) in turn, round after round, on
one torch thread. The ratios to MNL are medians over rounds of the ratio within a round: a busy
machine slows the three alike, so the ratios hold where the absolute milliseconds do not.

`--compile` times `torch.compile` of the vectorised model (the first step, which compiles, and
the steps after it, interleaved with the eager model).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import torch
from _cli import benchmark_parser, machine_load  # benchmarks/_cli.py

from intense.repro.store import RESULTS_DIR, save_results
from intense.runs import RunConfig
from intense.runs.factory import build_model, run_splits
from intense.threads import use_threads
from intense.train import optimizer_step, task_loss

# modalities -> highest orders of InTense
ORDERS = {2: (2,), 3: (2, 3), 4: (2, 3, 4), 5: (2, 3, 4, 5)}
COMPILED = [(3, 3), (4, 4)]  # (modalities, highest order) measured with torch.compile (minutes to compile)


def stepper(modalities: int, model: str, order: int | None, batch: int, **build) -> tuple[Callable, object]:
    """One training step of a freshly built model on a fixed batch, and the model."""
    config = RunConfig.for_dataset(
        "synthgene-parity",
        n_modalities=modalities,
        interacting=[1, 2],
        model=model,
        max_order=order,
        n_samples=max(400, 4 * batch),
        progress=False,
    )
    torch.manual_seed(0)  # the same encoders for every model of a setting
    splits = run_splits(config)
    net = build_model(config, splits["train"])
    net.set_training_size(len(splits["train"]))  # eq. 3's Lambda / n, as the trainer sets it
    for key, value in build.items():
        setattr(net, key, value)
    optimizer = torch.optim.AdamW(net.param_groups(config.weight_decay), lr=config.lr)
    inputs = [x[:batch] for x in splits["train"].modalities]
    labels, loss = splits["train"].labels[:batch], task_loss(splits["train"].task)
    return lambda: optimizer_step(net, optimizer, inputs, labels, loss, config.grad_clip), net


def rounds(steps: dict[str, Callable], n: int) -> dict[str, list[float]]:
    """Seconds of each step, taken in turn, n rounds after 2 rounds of warm-up."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(n + 2):
        for name, step in steps.items():
            start = time.thread_time()
            step()
            if i >= 2:
                times[name].append(time.thread_time() - start)
    return times


def ratio(times: dict[str, list[float]], name: str, to: str = "mnl") -> float:
    return statistics.median(a / b for a, b in zip(times[name], times[to]))


def measure(modalities: int, order: int, batch: int, n: int) -> dict:
    mnl, _ = stepper(modalities, "mnl", None, batch)
    fast, net = stepper(modalities, "intense", order, batch)
    reference, _ = stepper(modalities, "intense", order, batch, vectorised=False)
    times = rounds({"mnl": mnl, "intense": fast, "reference": reference}, n)
    return {
        "modalities": modalities,
        "highest_order": order,
        "batch": batch,
        "blocks": len(net.head.block_names),
        "fusion_inputs": sum(net.head.block_dims),
        "mnl_ms": 1e3 * statistics.median(times["mnl"]),
        "intense_ms": 1e3 * statistics.median(times["intense"]),
        "reference_ms": 1e3 * statistics.median(times["reference"]),
        "intense_over_mnl": ratio(times, "intense"),
        "reference_over_mnl": ratio(times, "reference"),
        "rounds": n,
    }


def measure_compiled(modalities: int, order: int, batch: int, n: int) -> dict:
    eager, _ = stepper(modalities, "intense", order, batch)
    compiled, net = stepper(modalities, "intense", order, batch)
    compiled()  # eagerly: the fusion plan and its index tables are built before compiling
    net.forward = torch.compile(net.forward)
    start = time.perf_counter()
    compiled()  # compiles (by the wall clock: the compiler's worker processes count too)
    compile_seconds = time.perf_counter() - start
    times = rounds({"eager": eager, "compiled": compiled}, n)
    return {
        "modalities": modalities,
        "highest_order": order,
        "batch": batch,
        "first_step_seconds": compile_seconds,
        "eager_ms": 1e3 * statistics.median(times["eager"]),
        "compiled_ms": 1e3 * statistics.median(times["compiled"]),
        "compiled_over_eager": ratio(times, "compiled", "eager"),
        "rounds": n,
    }


def main() -> None:
    parser = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_orders.json", "2 rounds, batch 32, up to order 3")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    use_threads(1)
    n, batches = (2, (32,)) if args.smoke else (args.rounds, (32, 64))
    records = []
    for batch in batches:
        for modalities, orders in ORDERS.items():
            for order in orders if not args.smoke else [o for o in orders if o <= 3]:
                records.append({"benchmark": "step", **measure(modalities, order, batch, n)})
                print(records[-1], flush=True)
    if args.compile:
        for modalities, order in COMPILED:
            records.append({"benchmark": "compile", **measure_compiled(modalities, order, 32, n)})
            print(records[-1], flush=True)
    config = {
        "dataset": "synthgene-parity",
        "settings": "RunConfig.for_dataset('synthgene-parity') (the synthetic chapters' settings)",
        "tf_latent_dim": RunConfig.for_dataset("synthgene-parity").tf_latent_dim,
        "torch_threads": 1,
        "timer": "CPU time of the thread (time.thread_time); torch.compile's first step by the wall clock",
        "load_average": machine_load(load),
        "rounds": n,
        "batches": list(batches),
    }
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
