"""Speed of the core: eq. 9 centring (recursion vs. literal eq. 9) and one InTense training step.

    python benchmarks/bench_core.py                  # full size, writes results/benchmark_core.json
    python benchmarks/bench_core.py --smoke --output /tmp/bench.json

Times are wall-clock medians on the CPU with torch's default thread count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py

from intense import MNL, InTense, MLPEncoder, center_interaction
from intense.reference import center_interaction_bruteforce
from intense.repro.store import RESULTS_DIR, save_results
from intense.train import optimizer_step, task_loss


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_centering(orders: list[int], batch: int, dim: int, repeats: int) -> list[dict]:
    records = []
    for k in orders:
        g = torch.Generator().manual_seed(k)
        features = [torch.randn(batch, dim, generator=g) for _ in range(k)]
        fast = median_seconds(lambda f=features: center_interaction(f), repeats)
        literal = median_seconds(lambda f=features: center_interaction_bruteforce(f), max(1, repeats // 3))
        records.append(
            {
                "benchmark": "centering",
                "k": k,
                "batch": batch,
                "dim": dim,
                "recursion_s": fast,
                "eq9_literal_s": literal,
                "speedup": literal / fast,
            }
        )
        print(f"k={k}: recursion {fast * 1e3:.2f} ms, literal eq. 9 {literal * 1e3:.2f} ms")
    return records


def bench_train_step(batch: int, in_dim: int, hidden: int, latent: int, repeats: int) -> list[dict]:
    records = []
    inputs = [torch.randn(batch, in_dim) for _ in range(3)]
    labels = torch.randint(0, 10, (batch,))
    for name, make in {
        "MNL": lambda enc: MNL(enc, 10),
        "InTense (iterbn)": lambda enc: InTense(enc, 10, tf_latent_dim=latent),
        "InTense (naive)": lambda enc: InTense(enc, 10, tf_latent_dim=latent, interaction_norm="naive"),
    }.items():
        torch.manual_seed(0)
        model = make([MLPEncoder(in_dim, hidden, hidden=(hidden,)) for _ in range(3)])
        model.set_training_size(batch)  # eq. 3's Lambda / n, as the trainer sets it
        optimizer = torch.optim.AdamW(model.param_groups(0.01), lr=1e-3)

        loss = task_loss("multiclass")
        seconds = median_seconds(
            lambda m=model, o=optimizer, fn=loss: optimizer_step(m, o, inputs, labels, fn, None), repeats
        )
        records.append(
            {
                "benchmark": "train_step",
                "model": name,
                "batch": batch,
                "modalities": 3,
                "interactions": len(model.interactions),
                "tf_latent_dim": latent,
                "encoder": f"MLP {in_dim}-{hidden}-{hidden}",
                "seconds": seconds,
                "parameters": sum(p.numel() for p in model.parameters()),
            }
        )
        print(f"{name}: {seconds * 1e3:.2f} ms per step")
    return records


def main() -> None:
    args = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_core.json").parse_args()
    if args.smoke:
        config = {
            "orders": [2, 3],
            "batch": 32,
            "dim": 4,
            "repeats": 3,
            "step_batch": 32,
            "in_dim": 16,
            "hidden": 16,
            "latent": 4,
        }
    else:
        config = {
            "orders": [2, 3, 4, 5],
            "batch": 256,
            "dim": 8,
            "repeats": 9,
            "step_batch": 256,
            "in_dim": 32,
            "hidden": 64,
            "latent": 8,
        }
    records = bench_centering(config["orders"], config["batch"], config["dim"], config["repeats"])
    records += bench_train_step(
        config["step_batch"], config["in_dim"], config["hidden"], config["latent"], config["repeats"] * 3
    )
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
