"""Seconds per training epoch as the highest interaction order grows (the learning chapter's
settings: parity of modalities 1 and 2, 10 000 samples, 64 channels, batch 64).

    python benchmarks/bench_orders.py            # writes results/benchmark_orders.json
    python benchmarks/bench_orders.py --smoke --output /tmp/orders.json

For 4 modalities, InTense with every interaction up to order 2, 3 and 4, and for 5 modalities
up to order 2 and 3, each beside MNL (no interaction blocks) on the same data: the median over
epochs of the training pass (`history[*].train_seconds` of `intense.train.fit`), on one torch
thread, as each worker of a sweep runs.
"""

from __future__ import annotations

import logging
import statistics

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py

from intense.repro.store import RESULTS_DIR, save_results
from intense.runs import RunConfig
from intense.runs.factory import build_model, run_splits
from intense.threads import use_threads
from intense.train import LOG as TRAIN_LOG
from intense.train import TrainConfig, fit

# modalities -> highest orders of InTense (MNL, order 1, is measured beside each)
ORDERS = {4: (2, 3, 4), 5: (2, 3)}


def main() -> None:
    args = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_orders.json").parse_args()
    use_threads(1)
    TRAIN_LOG.setLevel(logging.ERROR)  # timing only: 3 epochs need not learn
    epochs = 1 if args.smoke else 3
    overrides = {"epochs": epochs, "progress": False} | ({"n_samples": 200} if args.smoke else {})
    records = []
    for modalities, orders in ORDERS.items():
        for model, order in [("mnl", None), *(("intense", k) for k in orders)]:
            config = RunConfig.for_dataset(
                "synthgene-parity",
                n_modalities=modalities,
                interacting=[1, 2],
                model=model,
                max_order=order,
                **overrides,
            )
            torch.manual_seed(0)
            splits = run_splits(config)
            net = build_model(config, splits["train"])
            train_config = TrainConfig(**{f: getattr(config, f) for f in TrainConfig.__dataclass_fields__})
            history = fit(net, splits["train"], splits["val"], train_config).history
            record = {
                "modalities": modalities,
                "model": model,
                "highest_order": order or 1,
                "blocks": len(net.head.block_names),
                "parameters": sum(p.numel() for p in net.parameters()),
                "seconds_per_epoch": statistics.median(h["train_seconds"] for h in history),
            }
            records.append(record)
            print(record)
    config = {
        "dataset": "synthgene-parity",
        "training_samples": len(splits["train"]),
        "epochs": epochs,
        "torch_threads": 1,
        "settings": "RunConfig.for_dataset('synthgene-parity') (the synthetic chapters' settings)",
    }
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
