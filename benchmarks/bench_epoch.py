"""Seconds per training epoch: InTense through the project's trainer vs. a bare PyTorch loop.

    python benchmarks/bench_epoch.py            # writes results/benchmark_epoch.json
    python benchmarks/bench_epoch.py --smoke --output /tmp/epoch.json

SynthGene-Tri, 7 500 training samples, 3 modalities, all interactions, batch 64, the sequence
CNN of the synthetic experiments. Three timings per epoch, medians over epochs:

- "trainer": `intense.train.fit` (AdamW, penalty, gradient clipping, LR schedule), its training
  pass alone, and the whole epoch with the validation pass, relevance and best-checkpoint
  bookkeeping;
- "bare loop, same model": the same InTense model trained by a minimal loop over index slices
  of the pre-encoded tensors (loss + penalty, backward, step; nothing else);
- "bare loop, encoders + linear head": the encoders alone, concatenated into one linear layer.
"""

from __future__ import annotations

import statistics
import time

import torch
from _cli import benchmark_parser  # benchmarks/_cli.py
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits

from intense import InTense, SequenceCNN, penalty_weight
from intense.data import split_indices, synthgene_parity
from intense.repro.store import RESULTS_DIR, save_results
from intense.train import TrainConfig, fit


class ConcatHead(nn.Module):
    def __init__(self, encoders: list[nn.Module], dim: int) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(encoders)
        self.linear = nn.Linear(dim * len(encoders), 1)

    def forward(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        return self.linear(torch.cat([e(x) for e, x in zip(self.encoders, inputs)], dim=1))


def bare_epochs(
    model: nn.Module, inputs: list[torch.Tensor], labels: torch.Tensor, batch: int, epochs: int, penalty: bool
) -> list[float]:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(labels.shape[0])
        for b in range(0, labels.shape[0], batch):
            index = order[b : b + batch]
            loss = binary_cross_entropy_with_logits(model([x[index] for x in inputs])[:, 0], labels[index])
            if penalty:
                loss = loss + model.penalty()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    args = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_epoch.json").parse_args()
    config = {
        "n_samples": 400 if args.smoke else 10_000,
        "epochs": 2 if args.smoke else 5,
        "batch_size": 64,
        "hidden_dim": 16,
        "encoder_channels": 64,
        "tf_latent_dim": 8,
        "interactions": "all",
    }
    data = synthgene_parity(config["n_samples"], 3, (1, 2), seed=0)
    splits = {k: data.subset(v) for k, v in split_indices(len(data), seed=0).items()}
    train = splits["train"]

    def encoders() -> list[nn.Module]:
        torch.manual_seed(0)
        return [SequenceCNN(config["hidden_dim"], channels=config["encoder_channels"]) for _ in range(3)]

    def intense() -> InTense:
        return InTense(encoders(), 1, tf_latent_dim=config["tf_latent_dim"], reg_param=penalty_weight(len(train)))

    history = fit(
        intense(), train, splits["val"], TrainConfig(epochs=config["epochs"], batch_size=64, lr=1e-2, progress=False)
    ).history
    records = [
        {
            "loop": "trainer (intense.train.fit), training pass",
            "seconds_per_epoch": statistics.median(h["train_seconds"] for h in history),
        },
        {
            "loop": "trainer (intense.train.fit), whole epoch with validation",
            "seconds_per_epoch": statistics.median(h["epoch_seconds"] for h in history),
        },
    ]
    for name, model, penalty in [
        ("bare loop, same model", intense(), True),
        ("bare loop, encoders + linear head", ConcatHead(encoders(), config["hidden_dim"]), False),
    ]:
        seconds = statistics.median(bare_epochs(model, train.modalities, train.labels, 64, config["epochs"], penalty))
        records.append({"loop": name, "seconds_per_epoch": seconds})
    bare = records[2]["seconds_per_epoch"]
    for r in records:
        r["relative_to_bare_same_model"] = r["seconds_per_epoch"] / bare
        print(f"{r['loop']}: {r['seconds_per_epoch']:.2f} s per epoch ({r['relative_to_bare_same_model']:.2f}x)")
    config["training_samples"] = len(train)
    print("wrote", save_results(args.output, config, records))


if __name__ == "__main__":
    main()
