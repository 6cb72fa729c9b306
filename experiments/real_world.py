"""Every committed real-data run of the book, in order of priority (resumable: finished
runs are skipped). CPU: about an hour on 2 cores.

    python experiments/real_world.py            # everything
    python experiments/real_world.py mfeat      # one part (see PARTS)
    python experiments/real_world.py select     # (re)select lr and Lambda on validation data
"""

from __future__ import annotations

import sys

from intense.repro.store import RESULTS_DIR
from intense.repro.suites import SETTINGS_FILE, method_configs, select_settings, unimodal_configs
from intense.runs import RunConfig, sweep, with_overrides

# the Fig. 4 settings of notebooks/fig4_synthgene_tri.ipynb, for MultiRoute
FIG4 = RunConfig.for_dataset("synthgene-tri", model="multiroute", progress=False)

PARTS = {
    "fig4": lambda: sweep([with_overrides(FIG4, seed=s) for s in range(10)], RESULTS_DIR / "synthgene-tri"),
    "mfeat": lambda: sweep(method_configs("mfeat"), RESULTS_DIR / "mfeat"),
    "enrico": lambda: sweep(method_configs("enrico"), RESULTS_DIR / "enrico"),
    "avmnist-rebuilt": lambda: sweep(method_configs("avmnist-rebuilt"), RESULTS_DIR / "avmnist-rebuilt"),
    "unimodal": lambda: [
        sweep(unimodal_configs(d, n), RESULTS_DIR / f"{d}-unimodal")
        for d, n in (("enrico", 2), ("avmnist-rebuilt", 2), ("mfeat", 6))
    ],
    "mult": lambda: sweep(method_configs("enrico", ("mult",)), RESULTS_DIR / "enrico"),
    "encoders": lambda: sweep(
        method_configs("enrico", ("mnl", "intense"), encoder="mlp", encoder_channels=64), RESULTS_DIR / "enrico-mlp"
    ),
}

if __name__ == "__main__":
    if "select" in sys.argv[1:] or not SETTINGS_FILE.exists():
        print("selected settings:", select_settings())
    for name in [a for a in sys.argv[1:] if a != "select"] or PARTS:
        PARTS[name]()
