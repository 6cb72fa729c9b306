"""Does InTense learn with many interaction blocks? Learn rates before and after a fix.

A pairwise parity (label = parity of modalities 1 and 2) among 4 modalities with every
interaction up to order 4, and among 5 modalities with every interaction up to order 3, at
the synthetic chapters' settings; the fusion layer initialised by PyTorch's default (block
norms growing like the square root of the block's size) and with equal block norms
(`fusion_init="equal-norm"`). Resumable; records in results/learning/<setting>/.

    python experiments/learning.py                 # every setting, 10 seeds
    python experiments/learning.py --seeds 3 --workers 2
"""

from __future__ import annotations

import argparse

from intense.repro.store import RESULTS_DIR
from intense.runs import RunConfig, sweep, with_overrides

SETTINGS = {
    "parity12-m4-order4": {"n_modalities": 4, "max_order": 4},
    "parity12-m5-order3": {"n_modalities": 5, "max_order": 3},
}
INITS = ("default", "equal-norm")


def configs(setting: str, init: str, seeds: int) -> list[RunConfig]:
    base = RunConfig.for_dataset(
        "synthgene-parity", interacting=[1, 2], model="intense", fusion_init=init, progress=False, **SETTINGS[setting]
    )
    return [with_overrides(base, seed=s) for s in range(seeds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=0, help="runs at once (0: one per core)")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    args = parser.parse_args()
    step = max(2, args.workers)  # seeds in chunks, so that both inits advance together
    for setting in args.settings:
        for first in range(0, args.seeds, step):
            for init in INITS:
                chunk = configs(setting, init, args.seeds)[first : first + step]
                sweep(chunk, RESULTS_DIR / "learning" / f"{setting}-{init}", workers=args.workers, progress=False)


if __name__ == "__main__":
    main()
