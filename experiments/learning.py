"""Does InTense learn with many interaction blocks? Learn rates of candidate fixes.

A pairwise parity (label = parity of modalities 1 and 2) among 4 modalities with every
interaction up to order 4, and among 5 modalities with every interaction up to order 3, at
the synthetic chapters' settings (lr 1e-2, 64 channels, 20 epochs, 10 000 samples), in arms:

- "default": as the chapters run (Lambda 0.05 on the batch-mean loss, PyTorch's init);
- "equal-norm": every fusion weight block starts at the same norm (`fusion_init`);
- "eq3-lambda": Lambda read as eq. 3 writes it, 0.05 on the loss summed over the n training
  samples, i.e. 0.05 / n on the mean loss the trainer minimises.

Resumable; records in results/learning/<setting>-<arm>/.

    python experiments/learning.py                 # every setting and arm, 10 seeds
    python experiments/learning.py --seeds 4 --arms default eq3-lambda --workers 2
"""

from __future__ import annotations

import argparse

from intense.repro.store import RESULTS_DIR
from intense.runs import RunConfig, sweep, with_overrides

SETTINGS = {
    "parity12-m4-order4": {"n_modalities": 4, "max_order": 4},
    "parity12-m5-order3": {"n_modalities": 5, "max_order": 3},
}
N_TRAIN = round(0.75 * RunConfig().n_samples)  # the training split of the generated data
ARMS = {
    "default": {},
    "equal-norm": {"fusion_init": "equal-norm"},
    "eq3-lambda": {"reg_param": 0.05 / N_TRAIN},
}


def configs(setting: str, arm: str, seeds: int) -> list[RunConfig]:
    base = RunConfig.for_dataset(
        "synthgene-parity", interacting=[1, 2], model="intense", progress=False, **SETTINGS[setting], **ARMS[arm]
    )
    return [with_overrides(base, seed=s) for s in range(seeds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=0, help="runs at once (0: one per core)")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    args = parser.parse_args()
    step = max(2, args.workers)  # seeds in chunks, so that the arms advance together
    for setting in args.settings:
        for first in range(0, args.seeds, step):
            for arm in args.arms:
                chunk = configs(setting, arm, args.seeds)[first : first + step]
                sweep(chunk, RESULTS_DIR / "learning" / f"{setting}-{arm}", workers=args.workers, progress=False)


if __name__ == "__main__":
    main()
