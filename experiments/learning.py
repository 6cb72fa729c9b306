"""Does InTense learn with many interaction blocks? Learn rates of candidate fixes.

A pairwise parity (label = parity of modalities 1 and 2) among 4 modalities with every
interaction up to order 4, and among 5 modalities with every interaction up to order 3, at
the synthetic chapters' settings (lr 1e-2, 64 channels, 20 epochs, 10 000 samples), in arms:

- "batch-mean-lambda": Lambda 0.05 on the batch-mean loss (how the chapters read it before);
- "equal-norm": the same, and every fusion weight block starts at the same norm (`fusion_init`);
- "eq3-lambda": Lambda read as eq. 3 writes it, 0.05 on the loss summed over the n training
  samples, i.e. 0.05 / n on the mean loss the trainer minimises (every chapter's reading now).

Resumable; records in results/learning/<setting>-<arm>/.

    python experiments/learning.py                 # every setting and arm, suites.SEEDS seeds
    python experiments/learning.py --seeds 4 --arms batch-mean-lambda eq3-lambda --workers 2
"""

from __future__ import annotations

import argparse

from intense.repro.store import RESULTS_DIR
from intense.repro.suites import LEARNING_ARMS, LEARNING_SETTINGS, SEEDS, learning_configs
from intense.runs import sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--workers", type=int, default=0, help="runs at once (0: one per core)")
    parser.add_argument("--settings", nargs="+", default=list(LEARNING_SETTINGS), choices=list(LEARNING_SETTINGS))
    parser.add_argument("--arms", nargs="+", default=list(LEARNING_ARMS), choices=list(LEARNING_ARMS))
    args = parser.parse_args()
    step = max(2, args.workers)  # seeds in chunks, so that the arms advance together
    for setting in args.settings:
        for first in range(0, args.seeds, step):
            for arm in args.arms:
                chunk = learning_configs(setting, arm, args.seeds)[first : first + step]
                sweep(chunk, RESULTS_DIR / "learning" / f"{setting}-{arm}", workers=args.workers, progress=False)


if __name__ == "__main__":
    main()
