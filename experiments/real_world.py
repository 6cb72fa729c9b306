"""Every committed real-data run of the book, in order of priority (resumable: finished
runs are skipped; `--workers N` runs N at once, 0: one per core).

    python experiments/real_world.py            # everything
    python experiments/real_world.py mfeat      # one part (see PARTS)
    python experiments/real_world.py avmnist-rebuilt --methods mnl intense  # some of its methods
    python experiments/real_world.py select [DATASET ...] [--methods M ...]  # the runs that choose
                                                  # each method's lr and decay (grid: suites.py)
    python experiments/real_world.py unimodal [DATASET ...]  # each modality alone (Table 5)
    python experiments/real_world.py enrico-variants [NAME ...]  # MNL and InTense on ENRICO,
                                                  # 256 x 128 images or a wider encoder
    python experiments/real_world.py fig4       # Fig. 4's setting at 30 seeds (synthetic)
    python experiments/real_world.py synthgene-p  # InTense on SynthGene, p in {1, 2, 4}
    python experiments/real_world.py parity3-levers [LEVER ...]  # the order-3 parity, by lever
    python experiments/real_world.py parity3-decoy  # its control: a decoy three-way block
    python experiments/real_world.py lambda [REGIME ...]  # the synthetic relevance claims at other
                                                  # weights of the penalty (LAMBDA_REGIMES)

After "select", copy the printed choice into `CHOSEN_SETTINGS` (intense/runs/config.py; a test
checks the two agree) before running the rest; "select" also writes every choice, with the
validation losses behind it, to results/settings_selection.json (from the selection runs made so
far; `selection_gaps` says what a choice still lacks).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from functools import partial
from pathlib import Path

import pandas as pd

from intense.repro.store import RESULTS_DIR
from intense.repro.style import word_list
from intense.repro.suites import (
    CANDIDATES,
    CONFIRM_SEEDS,
    ENRICO_VARIANTS,
    FIG4_SEEDS,
    FIG7_LRS,
    GAMMAS,
    LAMBDA_REGIMES,
    LR_START,
    PARITY3_DECOY_FOLDER,
    PARITY3_LEVERS,
    SCREEN_SEED,
    SELECTED,
    SYNTHGENE_PS,
    UNIMODAL_MODALITIES,
    candidate_losses,
    enrico_variant_folder,
    fig4_multiroute_configs,
    fig7_configs,
    fig7_folder,
    lambda_regime_parts,
    parity3_decoy_configs,
    parity3_lever_configs,
    parity3_lever_folder,
    real_data_parts,
    select_settings,
    selection_candidates,
    selection_configs,
    selection_dir,
    selection_record,
    selection_runs,
    synthgene_p_configs,
    synthgene_p_folder,
    table_methods,
    widened_lrs,
)
from intense.runs import run_file_name, sweep
from intense.runs.config import MODELS, RunConfig
from intense.runs.record import environment, write_json
from intense.runs.sweep import SweepError, up_to_date

# set from the command line (`parse`): the sweeps' workers and, per part, the names it runs
WORKERS = 0
# parity3-levers: only the levers named (default: all; two drivers given different levers run
# side by side, as each lever has its own folder)
LEVERS: list[str] = list(PARITY3_LEVERS)
# lambda: only the regimes named (default: all)
REGIMES: list[str] = list(LAMBDA_REGIMES)
# enrico-variants: only the variants named (default: all)
VARIANTS: list[str] = list(ENRICO_VARIANTS)
# select: only the data sets named (default: all of SELECTED); with --methods, select and the
# real-data parts run only those methods
DATASETS: list[str] = list(SELECTED)
METHODS: list[str] | None = None


def fig4() -> None:
    """Fig. 4's setting at `FIG4_SEEDS` seeds: MultiRoute, IterBN and both naive schemes (the
    first arm of notebooks/fig7_ablation.ipynb), seed by seed so that a stopped sweep leaves
    whole seeds."""
    configs = fig4_multiroute_configs() + fig7_configs(FIG7_LRS[0], "eq3-penalty", FIG4_SEEDS)
    part(sorted(configs, key=lambda c: c.seed), fig7_folder(FIG7_LRS[0], "eq3-penalty"))


def part(configs, folder: str) -> None:
    sweep(configs, RESULTS_DIR / folder, workers=WORKERS)


def parts(folders: dict[str, list[RunConfig]]) -> None:
    """The runs of several results folders (relative to results/) in one sweep, seed by seed, so
    that a stopped sweep leaves the folders' arms of equal size."""
    runs = [(config, RESULTS_DIR / folder) for folder, configs in folders.items() for config in configs]
    sweep(sorted(runs, key=lambda run: run[0].seed), workers=WORKERS)


def real_data(folder: str) -> None:
    """The runs of one real-data folder, as `real_data_parts` defines them (with --methods, only
    those methods'); a run the selection has made with the same configuration (`selection_record`)
    is copied from there."""
    configs = [c for c in real_data_parts()[folder] if METHODS is None or c.model in METHODS]
    for config in configs:
        path = RESULTS_DIR / folder / run_file_name(config)
        if (source := selection_record(config)) and not up_to_date(path, config):
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            print(f"copy {path.name} from the selection's {source.parent.name}")
    part(configs, folder)


def select() -> None:
    """The selection runs of each data set in `DATASETS`: the screen at seed 0 on the grid of
    learning rates x `GAMMAS`, widened (`widened_lrs`) until every method's choice is interior,
    and once it is, each method's candidates at `CONFIRM_SEEDS` (`confirm`; the choice may then
    move to an edge, and the grid widens again); then `write_choices`."""
    for dataset in DATASETS:
        methods = tuple(METHODS or table_methods(dataset))
        lrs: list[float] = list(LR_START)
        while True:
            sweep_points(
                [
                    (selection_configs(dataset, lr, gamma, methods), selection_dir(dataset, lr, gamma))
                    for lr in lrs
                    for gamma in GAMMAS
                ]
            )
            runs = selection_runs(dataset)
            if (wider := widened_lrs(runs[runs.model.isin(methods)])) == lrs:
                confirm(dataset, methods)
                runs = selection_runs(dataset)
                wider = widened_lrs(runs[runs.model.isin(methods)])
            if wider == lrs:
                break
            lrs = wider
    write_choices()


def confirm(dataset: str, methods: tuple[str, ...]) -> None:
    """Each of `methods`' candidates (`selection_candidates`) on `dataset` at `CONFIRM_SEEDS`,
    by grid point (folder), through `sweep_points`."""
    runs = selection_runs(dataset)
    by_point: dict[tuple[float, float], list[str]] = {}
    for method, points in selection_candidates(runs[runs.model.isin(methods)]).items():
        for point in points:
            by_point.setdefault(point, []).append(method)
    sweep_points(
        [
            (
                [c for seed in CONFIRM_SEEDS for c in selection_configs(dataset, lr, gamma, tuple(chosen), seed)],
                selection_dir(dataset, lr, gamma),
            )
            for (lr, gamma), chosen in sorted(by_point.items())
        ]
    )


def sweep_points(points: list[tuple[list[RunConfig], Path]]) -> None:
    """Every run of the grid points (each point: its runs, its folder) in one sweep, `WORKERS`
    runs at once whatever the point; a run that fails is reported and the selection goes on (one
    that diverged counts as an infinite validation loss, `selection_runs`; any other is missing,
    and `selection_gaps` says so until a rerun makes it)."""
    try:
        sweep([(config, folder) for configs, folder in points for config in configs], workers=WORKERS)
    except SweepError as err:
        print(err, file=sys.stderr)


def write_choices() -> None:
    """Each data set's choices (`select_settings` of its committed selection runs), with the
    validation losses behind them (the screen's at every point, and each candidate's by seed),
    to results/settings_selection.json."""
    choices = {}
    for dataset in SELECTED:
        runs = selection_runs(dataset)
        screen, candidates = runs[runs.seed == SCREEN_SEED], candidate_losses(runs)
        choices[dataset] = {
            model: {
                **chosen,
                "val_loss": {
                    f"lr {r.lr:g}, gamma {r.scheduler_gamma:g}": r.val_loss
                    for r in screen[screen.model == model].itertuples()
                },
                "candidates": {
                    f"lr {c['lr']:g}, gamma {c['scheduler_gamma']:g}": {
                        **{k: v for k, v in c.items() if k.startswith("seed ") and pd.notna(v)},
                        "mean over seeds": c["val_loss"],
                        "seeds": c["seeds"],
                    }
                    for c in candidates[candidates.model == model].to_dict("records")
                },
            }
            for model, chosen in select_settings(runs).items()
        }
        print(dataset, {m: (c["lr"], c["scheduler_gamma"]) for m, c in choices[dataset].items()})
    rule = (
        f"per data set and method: seed {SCREEN_SEED} runs every point of a grid of learning rates (widened until "
        f"every method's choice is interior) and decays; the {CANDIDATES} learning rates of lowest validation loss, "
        f"each at its best decay, run again at seeds {word_list(CONFIRM_SEEDS)}; the choice is the candidate of "
        "lowest mean validation loss over the seeds that all the method's candidates have run (a diverged run: an "
        "infinite loss)"
    )
    config = {
        "rule": rule,
        "gammas": list(GAMMAS),
        "screen_seed": SCREEN_SEED,
        "confirm_seeds": list(CONFIRM_SEEDS),
        "candidates": CANDIDATES,
    }
    write_json(
        RESULTS_DIR / "settings_selection.json", {"config": config, "environment": environment(), "choices": choices}
    )


PARTS = {
    "select": select,
    "write-choices": write_choices,
    "fig4": fig4,
    "lambda": lambda: parts({f: configs for regime in REGIMES for f, configs in lambda_regime_parts(regime).items()}),
    "synthgene-p": lambda: parts({synthgene_p_folder(p): synthgene_p_configs(p) for p in SYNTHGENE_PS}),
    "parity3-decoy": lambda: part(parity3_decoy_configs(), PARITY3_DECOY_FOLDER),
    "parity3-levers": lambda: parts({parity3_lever_folder(lever): parity3_lever_configs(lever) for lever in LEVERS}),
    # each real data set's table: every method of `table_methods`, `SEEDS` seeds
    **{d: partial(real_data, d) for d in ("mfeat", "enrico", "avmnist-rebuilt")},
    "unimodal": lambda: [real_data(f"{d}-unimodal") for d in UNIMODAL_MODALITIES if d in DATASETS],
    "enrico-variants": lambda: [real_data(enrico_variant_folder(v)) for v in VARIANTS],
    "encoders": lambda: real_data("enrico-mlp"),
}


def parse(argv: list[str]) -> list[str]:
    """The parts to run (all when none is named), after setting the module's options from `argv`;
    an unknown part or name, or a bad option, stops with the list of what is known."""
    global WORKERS, LEVERS, REGIMES, VARIANTS, DATASETS, METHODS
    names = {"parts": list(PARTS), "levers": list(PARITY3_LEVERS), "regimes": list(LAMBDA_REGIMES)}
    names |= {"enrico variants": list(ENRICO_VARIANTS), "data sets": list(SELECTED)}
    parser = argparse.ArgumentParser(
        prog="python experiments/real_world.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="; ".join(f"{kind}: {' '.join(known)}" for kind, known in names.items()),
    )
    parser.add_argument("names", nargs="*", metavar="PART [NAME ...]", help="parts to run and the names they take")
    parser.add_argument("--workers", type=int, default=0, help="runs at once (0: one per core)")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=MODELS,
        metavar="METHOD",
        help=f"select and the real-data parts: only these methods ({', '.join(MODELS)})",
    )
    args = parser.parse_args(argv)
    if unknown := [n for n in args.names if not any(n in known for known in names.values())]:
        parser.error(f"unknown part or name {', '.join(unknown)} (see the list below --help)")
    if args.workers < 0:
        parser.error("--workers takes 0 (one per core) or a positive number")
    WORKERS, METHODS = args.workers, args.methods
    LEVERS = [a for a in args.names if a in PARITY3_LEVERS] or LEVERS
    REGIMES = [a for a in args.names if a in LAMBDA_REGIMES] or REGIMES
    VARIANTS = [a for a in args.names if a in ENRICO_VARIANTS] or VARIANTS
    DATASETS = [a for a in args.names if a in SELECTED] or DATASETS
    # "select DATASET ..." and "unimodal DATASET ..." name the data sets of that part, not the
    # parts of the same names
    if args.names[:1] in (["select"], ["unimodal"]):
        return args.names[:1]
    return [a for a in args.names if a in PARTS] or list(PARTS)


if __name__ == "__main__":
    for name in parse(sys.argv[1:]):
        PARTS[name]()
