"""The settings of the committed real-data runs (intense/repro/suites.py)."""

import json
from dataclasses import asdict, replace

import pandas as pd
import pytest

from intense.repro.store import RESULTS_DIR
from intense.repro.suites import (
    ENRICO_VARIANTS,
    LONGER_SEEDS,
    LONGER_TRAINING,
    LR_CANDIDATES,
    METHOD_OVERRIDES,
    SELECTED,
    base_config,
    enrico_variant_configs,
    longer_training_configs,
    longer_training_folder,
    method_configs,
    select_lr,
    selection_configs,
    selection_dir,
    selection_runs,
    table_methods,
)
from intense.runs.config import CHOSEN_LR


def test_every_method_gets_the_same_learning_rate_grid_and_seed():
    for dataset in SELECTED:
        runs = [c for lr in LR_CANDIDATES for c in selection_configs(dataset, lr)]
        for method in table_methods(dataset):
            mine = [c for c in runs if c.model == method]
            assert sorted(c.lr for c in mine) == sorted(LR_CANDIDATES) and {c.seed for c in mine} == {0}


def test_select_lr_takes_the_lowest_validation_loss_per_method():
    runs = pd.DataFrame(
        {"model": ["mnl", "mnl", "tfn", "tfn"], "lr": [1e-3, 5e-3, 1e-3, 5e-3], "val_loss": [0.5, 0.4, 0.3, 0.9]}
    )
    assert select_lr(runs) == {"mnl": 5e-3, "tfn": 1e-3}


@pytest.mark.parametrize("dataset", SELECTED)
def test_each_methods_learning_rate_is_the_committed_selection(dataset):
    if not selection_dir(dataset, LR_CANDIDATES[0]).exists():
        pytest.skip(f"no committed selection runs for {dataset}")
    chosen = select_lr(selection_runs(dataset))
    assert set(chosen) == set(table_methods(dataset))
    assert CHOSEN_LR[dataset] == chosen
    for method, lr in chosen.items():  # and the table's runs use it
        assert {c.lr for c in method_configs(dataset, (method,), seeds=2)} == {lr}
    assert base_config(dataset, model="unimodal", modality=1).lr == chosen["mnl"]
    # and results/settings_selection.json, the file the book links, says the same
    recorded = json.loads((RESULTS_DIR / "settings_selection.json").read_text())["choices"][dataset]
    assert {m: c["chosen_lr"] for m, c in recorded.items()} == chosen


def test_longer_training_changes_only_the_number_of_epochs():
    for dataset, epochs in LONGER_TRAINING.items():
        longer = longer_training_configs(dataset)
        table = method_configs(dataset, seeds=LONGER_SEEDS)
        assert [replace(c, epochs=epochs) for c in table] == longer
        assert epochs > base_config(dataset).epochs and longer_training_folder(dataset) == f"{dataset}-{epochs}-epochs"


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
