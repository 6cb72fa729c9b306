"""The settings of the committed real-data runs (intense/repro/suites.py)."""

import json
import math
from dataclasses import asdict

import pandas as pd
import pytest

from intense.repro.store import RESULTS_DIR
from intense.repro.style import word_list
from intense.repro.suites import (
    CANDIDATES,
    CONFIRM_SEEDS,
    ENRICO_VARIANTS,
    GAMMAS,
    LR_LADDER,
    LR_START,
    METHOD_OVERRIDES,
    SCREEN_SEED,
    SELECTED,
    base_config,
    candidate_losses,
    enrico_variant_configs,
    method_configs,
    real_data_parts,
    select_settings,
    selection_candidates,
    selection_configs,
    selection_dir,
    selection_gaps,
    selection_record,
    selection_runs,
    table_methods,
    widened_lrs,
)
from intense.runs import run_file_name
from intense.runs.config import CHOSEN_SETTINGS, with_overrides


def test_every_method_gets_the_same_grid_and_seed():
    for dataset in SELECTED:
        runs = [c for lr in LR_START for gamma in GAMMAS for c in selection_configs(dataset, lr, gamma)]
        for method in table_methods(dataset):
            mine = [c for c in runs if c.model == method]
            grid = sorted((lr, gamma) for lr in LR_START for gamma in GAMMAS)
            assert sorted((c.lr, c.scheduler_gamma) for c in mine) == grid and {c.seed for c in mine} == {0}
        # one folder per point of the grid
        assert len({selection_dir(dataset, lr, gamma) for lr in LR_START for gamma in GAMMAS}) == 9


def _grid_runs(losses: dict[str, dict[tuple, float]]) -> pd.DataFrame:
    """Selection runs from {method: {(lr, decay[, seed]): validation loss}} (seed 0 if not given)."""
    rows = [
        {"model": m, "lr": point[0], "scheduler_gamma": point[1], "seed": (*point, 0)[2], "val_loss": loss}
        for m, by_point in losses.items()
        for point, loss in by_point.items()
    ]
    return pd.DataFrame(rows)


def test_select_settings_takes_the_lowest_validation_loss_per_method():
    runs = _grid_runs(
        {
            "mnl": {(1e-3, 0.9): 0.5, (5e-3, 0.9): 0.4, (5e-3, 1.0): 0.45},
            "tfn": {(1e-3, 0.95): 0.3, (5e-3, 0.9): 0.9},
        }
    )
    assert select_settings(runs) == {
        "mnl": {"lr": 5e-3, "scheduler_gamma": 0.9},
        "tfn": {"lr": 1e-3, "scheduler_gamma": 0.95},
    }


def test_the_best_learning_rates_of_seed_0_are_confirmed_on_more_seeds_and_the_best_mean_chosen():
    assert SCREEN_SEED not in CONFIRM_SEEDS and CANDIDATES >= 2
    lrs = LR_LADDER[: CANDIDATES + 1]  # one learning rate more than the candidates
    screen = {(lr, 0.9): 0.3 + 0.1 * i for i, lr in enumerate(lrs)} | {(lrs[1], 1.0): 0.35}
    runs = _grid_runs({"mnl": screen})
    # the candidates: the learning rates of lowest seed-0 loss, each once, at its best decay
    candidates = [(lrs[0], 0.9), (lrs[1], 1.0)] + [(lr, 0.9) for lr in lrs[2:CANDIDATES]]
    assert selection_candidates(runs) == {"mnl": candidates}
    lucky, steady, outside = candidates[0], candidates[1], (lrs[CANDIDATES], 0.9)
    assert select_settings(runs) == {"mnl": {"lr": lucky[0], "scheduler_gamma": lucky[1]}}  # seed 0 alone
    # the best rate at seed 0 fails at another seed: the steadiest candidate is chosen
    more = {
        (*p, s): screen[p] + (2.0 if (p, s) == (lucky, CONFIRM_SEEDS[0]) else 0.01)
        for p in candidates
        for s in CONFIRM_SEEDS
    }
    confirmed = _grid_runs({"mnl": screen | more})
    assert select_settings(confirmed) == {"mnl": {"lr": steady[0], "scheduler_gamma": steady[1]}}
    table = candidate_losses(confirmed).set_index(["lr", "scheduler_gamma"])
    expected = [screen[lucky], *(more[(*lucky, s)] for s in CONFIRM_SEEDS)]
    assert table.loc[lucky, "val_loss"] == pytest.approx(sum(expected) / len(expected))
    assert set(table.seeds) == {1 + len(CONFIRM_SEEDS)}
    # candidates are compared on the seeds they all have: one confirmed alone does not count
    partial = _grid_runs({"mnl": screen | {(*lucky, s): 2.3 for s in CONFIRM_SEEDS}})
    assert select_settings(partial) == {"mnl": {"lr": lucky[0], "scheduler_gamma": lucky[1]}}
    assert set(candidate_losses(partial).seeds) == {1}
    # a seed beyond the rule's does not count
    later = max(SCREEN_SEED, *CONFIRM_SEEDS) + 1
    extra = _grid_runs({"mnl": screen | more | {(*steady, later): 9.0}})
    assert select_settings(extra) == select_settings(confirmed)
    # a candidate whose run diverged at a seed has an infinite loss there
    diverged = _grid_runs({"mnl": screen | more | {(*steady, CONFIRM_SEEDS[-1]): math.inf}})
    assert select_settings(diverged) != select_settings(confirmed)
    # a rate outside the candidates does not win on its other seeds
    beyond = _grid_runs({"mnl": screen | more | {(*outside, s): 0.0 for s in CONFIRM_SEEDS}})
    assert select_settings(beyond) == select_settings(confirmed)


def test_the_grid_widens_one_rung_beyond_a_choice_at_its_edge_until_every_choice_is_interior():
    low, mid, high = LR_START
    below, above = LR_LADDER[LR_LADDER.index(low) - 1], LR_LADDER[LR_LADDER.index(high) + 1]
    interior = _grid_runs({"mnl": {(low, 0.9): 0.5, (mid, 0.9): 0.4, (high, 0.9): 0.6}})
    assert widened_lrs(interior) == [low, mid, high]
    at_top = _grid_runs({"mnl": {(low, 0.9): 0.5, (mid, 0.9): 0.4, (high, 1.0): 0.3}})
    assert widened_lrs(at_top) == [low, mid, high, above]
    both = _grid_runs({"mnl": {(low, 0.9): 0.1, (high, 0.9): 0.5}, "tfn": {(low, 0.9): 0.5, (high, 0.9): 0.1}})
    assert widened_lrs(both) == [below, low, high, above]
    # at the ladder's end there is nothing to add
    end = _grid_runs({"mnl": {(LR_LADDER[-2], 0.9): 0.5, (LR_LADDER[-1], 0.9): 0.1}})
    assert widened_lrs(end) == list(LR_LADDER[-2:])


def write_selection_run(
    results, dataset: str, method: str, lr: float, gamma: float, val_loss: float, seed: int = 0, **changes
):
    """A selection record as the sweep writes it (its config, validation loss), with `changes`."""
    (config,) = selection_configs(dataset, lr, gamma, (method,), seed)
    metrics = {"accuracy": 0.5, "loss": val_loss}
    record = {"config": {**asdict(config), **changes}, "test": metrics, "val": metrics, "best_epoch": 1}
    record |= {"relevance": {}, "history": []}
    folder = selection_dir(dataset, lr, gamma, results)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / run_file_name(config)).write_text(json.dumps(record))


def write_confirmation(results, dataset: str, method: str, skip: int = 0) -> None:
    """`method`'s candidates on `dataset` in `results` at every one of `CONFIRM_SEEDS` (at their
    seed-0 loss), but the last `skip` runs."""
    runs = selection_runs(dataset, results)
    mine = runs[(runs.model == method) & (runs.seed == SCREEN_SEED)].set_index(["lr", "scheduler_gamma"]).val_loss
    todo = [(p, s) for p in selection_candidates(runs[runs.model == method])[method] for s in CONFIRM_SEEDS]
    for (lr, gamma), seed in todo[: len(todo) - skip]:
        write_selection_run(results, dataset, method, lr, gamma, float(mine[(lr, gamma)]), seed)


def test_a_selection_short_of_the_rule_says_what_is_missing(tmp_path):
    """Every method's choice on the whole grid at the current settings, its candidates confirmed
    at every seed, interior: nothing to say. A method with a point not run, or run with other
    settings, a candidate not run at a confirming seed, a choice made with other settings or at
    the grid's edge, or no run at all, is named with what it lacks. The grid is the rates run at
    the current settings."""
    low, mid, high = LR_START
    for lr in LR_START:
        for gamma in GAMMAS:
            write_selection_run(tmp_path, "mfeat", "mnl", lr, gamma, 0.1 if (lr, gamma) == (mid, 0.9) else 0.5)
            if (lr, gamma) != (low, 1.0):  # one point not run
                epochs = {"epochs": 3} if (lr, gamma) == (mid, 0.95) else {}  # one with other settings
                write_selection_run(tmp_path, "mfeat", "tfn", lr, gamma, 0.1 if lr == high else 0.5, **epochs)
    # a rate run only with other settings is not (yet) a point of the grid
    write_selection_run(tmp_path, "mfeat", "tfn", LR_LADDER[LR_LADDER.index(low) - 1], 0.9, 0.9, epochs=3)
    write_confirmation(tmp_path, "mfeat", "mnl")
    write_confirmation(tmp_path, "mfeat", "tfn", skip=1)
    points, confirming = len(LR_START) * len(GAMMAS), CANDIDATES * len(CONFIRM_SEEDS)
    seeds = " and ".join(map(str, CONFIRM_SEEDS))
    assert selection_gaps("mfeat", ("mnl", "tfn"), tmp_path) == {
        "tfn": f"{points - 2} of {points} grid points run at the current settings, {confirming - 1} of {confirming} "
        f"runs of its candidates at seeds {seeds}, its learning rate {high:g} at the grid's edge"
    }
    assert selection_gaps("mfeat", ("mnl",), tmp_path) == {}
    stale = tmp_path / "stale"
    write_selection_run(stale, "mfeat", "mnl", mid, 0.9, 0.1, epochs=3)
    assert selection_gaps("mfeat", ("mnl", "mro"), stale) == {
        "mnl": f"no grid point run at the current settings, 0 of {len(CONFIRM_SEEDS)} runs of its candidates at "
        f"seeds {seeds}",
        "mro": "no selection run",
    }
    # the best record made with other settings: that point is missing, and the choice rests on it
    write_selection_run(tmp_path, "mfeat", "mnl", mid, 0.95, 0.01, epochs=3)
    write_confirmation(tmp_path, "mfeat", "mnl")  # the new candidate's other seeds (current)
    assert selection_gaps("mfeat", ("mnl",), tmp_path) == {
        "mnl": f"{points - 1} of {points} grid points run at the current settings, its choice made with other settings"
    }


def test_a_confirmation_run_made_with_other_settings_is_missing_and_one_that_diverged_counts(tmp_path):
    low, mid, high = LR_START
    for lr in LR_START:
        for gamma in GAMMAS:
            write_selection_run(tmp_path, "mfeat", "mnl", lr, gamma, 0.1 if (lr, gamma) == (mid, 0.9) else 0.5)
    write_confirmation(tmp_path, "mfeat", "mnl")
    assert selection_gaps("mfeat", ("mnl",), tmp_path) == {}
    assert select_settings(selection_runs("mfeat", tmp_path)) == {"mnl": {"lr": mid, "scheduler_gamma": 0.9}}
    seed, confirming = CONFIRM_SEEDS[0], CANDIDATES * len(CONFIRM_SEEDS)
    write_selection_run(tmp_path, "mfeat", "mnl", mid, 0.9, 0.1, seed, epochs=3)
    assert selection_gaps("mfeat", ("mnl",), tmp_path) == {
        "mnl": f"{confirming - 1} of {confirming} runs of its candidates at seeds {word_list(CONFIRM_SEEDS)}"
    }
    # the run diverged instead: the sweep keeps its error in failed/, and the rate loses
    (config,) = selection_configs("mfeat", mid, 0.9, ("mnl",), seed)
    folder = selection_dir("mfeat", mid, 0.9, tmp_path)
    (folder / run_file_name(config)).unlink()
    (folder / "failed").mkdir()
    error = "Traceback ...\nFloatingPointError: training diverged (objective = nan); lower the learning rate"
    (folder / "failed" / run_file_name(config)).write_text(json.dumps({"config": asdict(config), "error": error}))
    runs = selection_runs("mfeat", tmp_path)
    assert runs.diverged.sum() == 1
    assert select_settings(runs) == {"mnl": {"lr": low, "scheduler_gamma": 0.9}}  # the next best
    # (its run counts as made: what is left to say is that the choice now sits at the grid's edge)
    assert selection_gaps("mfeat", ("mnl",), tmp_path) == {"mnl": f"its learning rate {low:g} at the grid's edge"}
    # a run that failed for another reason is not a result: it is missing
    other = error.replace("FloatingPointError: training diverged", "MemoryError")
    (folder / "failed" / run_file_name(config)).write_text(json.dumps({"config": asdict(config), "error": other}))
    assert "mnl" in selection_gaps("mfeat", ("mnl",), tmp_path)


def test_a_table_run_the_selection_made_with_the_same_configuration_is_found_there(tmp_path):
    (table_run,) = [c for c in method_configs("mfeat", ("mnl",), seeds=2) if c.seed == 1]
    lr, gamma = table_run.lr, table_run.scheduler_gamma
    assert selection_record(table_run, tmp_path) is None  # not run
    write_selection_run(tmp_path, "mfeat", "mnl", lr, gamma, 0.1, seed=1, epochs=3)
    assert selection_record(table_run, tmp_path) is None  # run with other settings
    write_selection_run(tmp_path, "mfeat", "mnl", lr, gamma, 0.1, seed=1)
    found = selection_record(table_run, tmp_path)
    assert found == selection_dir("mfeat", lr, gamma, tmp_path) / run_file_name(table_run)
    # another seed, or the same seed at another point of the grid, is another configuration
    assert selection_record(with_overrides(table_run, seed=2), tmp_path) is None
    assert selection_record(with_overrides(table_run, lr=lr * 2), tmp_path) is None


def test_the_driver_and_the_registry_read_one_definition_of_each_real_data_folder():
    parts = real_data_parts()
    assert set(SELECTED) | {f"{d}-unimodal" for d in SELECTED} | {"enrico-mlp"} <= set(parts)
    for dataset in SELECTED:
        assert parts[dataset] == method_configs(dataset, table_methods(dataset))
    for name in ENRICO_VARIANTS:
        assert parts[f"enrico-{name}"] == enrico_variant_configs(name)


@pytest.mark.parametrize("dataset", SELECTED)
def test_each_methods_learning_rate_and_decay_are_the_committed_selection(dataset):
    chosen = select_settings(selection_runs(dataset))
    assert set(chosen) == set(table_methods(dataset))
    assert CHOSEN_SETTINGS[dataset] == chosen
    for method, setting in chosen.items():  # and the table's runs use it
        configs = method_configs(dataset, (method,), seeds=2)
        assert {(c.lr, c.scheduler_gamma) for c in configs} == {(setting["lr"], setting["scheduler_gamma"])}
    unimodal = base_config(dataset, model="unimodal", modality=1)
    assert {"lr": unimodal.lr, "scheduler_gamma": unimodal.scheduler_gamma} == chosen["mnl"]
    # and results/settings_selection.json, the file the book links, says the same
    recorded = json.loads((RESULTS_DIR / "settings_selection.json").read_text())["choices"][dataset]
    assert {m: {k: c[k] for k in ("lr", "scheduler_gamma")} for m, c in recorded.items()} == chosen


def test_mult_keeps_its_own_clipping_and_runs_as_many_seeds_as_every_method():
    assert "mult" in table_methods("mosi") and "mult" in table_methods("avmnist-rebuilt")
    assert "mult" not in table_methods("mfeat")  # six vectors: no sequence to read
    mult = method_configs("avmnist-rebuilt", ("mult",), seeds=10)
    assert len(mult) == 10 and {c.grad_clip for c in mult} == {METHOD_OVERRIDES["mult"]["grad_clip"]}


def test_affect_data_use_the_papers_table_3_settings():
    config = base_config("mosi")
    assert config.lr == 1e-3 and config.interactions == ["13"] and config.epochs == 100
    with pytest.raises(ValueError, match="no real-world settings"):
        base_config("iemocap")


def test_each_enrico_variant_changes_one_setting_and_runs_seed_by_seed():
    table = {(c.model, c.seed): c for c in method_configs("enrico", ("mnl", "intense"), seeds=3)}
    for name, changes in ENRICO_VARIANTS.items():
        variant = enrico_variant_configs(name, seeds=3)
        assert [(c.model, c.seed) for c in variant][:2] == [("mnl", 0), ("intense", 0)]
        for config in variant:
            changed = {k: v for k, v in asdict(config).items() if v != asdict(table[(config.model, config.seed)])[k]}
            assert changed == changes


def test_each_weight_of_the_penalty_names_its_source_and_the_prose_lists_them_all():
    from intense.repro.registry import LAMBDA_READING, LAMBDA_WEIGHTS
    from intense.repro.suites import LAMBDA_REGIMES, LAMBDA_SOURCES

    assert LAMBDA_SOURCES.keys() == LAMBDA_REGIMES.keys() == LAMBDA_READING.keys()
    for regime, weight in LAMBDA_REGIMES.items():
        assert f"{weight['reg_param']:g} ({LAMBDA_SOURCES[regime]})" in LAMBDA_WEIGHTS
        assert LAMBDA_SOURCES[regime] in LAMBDA_READING[regime].name
