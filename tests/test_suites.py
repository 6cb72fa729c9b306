"""The settings of the committed real-data runs (intense/suites.py)."""

import pytest

from intense.repro.store import load_results
from intense.repro.suites import SETTINGS_FILE, base_config, method_configs, table_methods


def test_real_data_settings_come_from_the_validation_selection():
    chosen = load_results(SETTINGS_FILE)["config"]["chosen"]
    for dataset, settings in chosen.items():
        config = base_config(dataset)
        assert (config.lr, config.reg_param) == (settings["lr"], settings["reg_param"])
    records = load_results(SETTINGS_FILE)["records"]
    for dataset, settings in chosen.items():  # the choice is the lowest mean validation loss
        rows = [r for r in records if r["dataset"] == dataset]
        mean = {}
        for r in rows:
            mean.setdefault((r["lr"], r["reg_param"]), []).append(r["val_loss"])
        best = min(mean, key=lambda k: sum(mean[k]) / len(mean[k]))
        assert best == (settings["lr"], settings["reg_param"])


def test_method_configs_keep_mults_own_settings_and_cover_ten_seeds():
    assert "mult" in table_methods("enrico") and "mult" not in table_methods("mfeat")
    configs = method_configs("mosi", table_methods("mosi"))
    assert len(configs) == 10 * 7
    mult = [c for c in configs if c.model == "mult"]
    assert mult and all(c.lr == 1e-3 and c.grad_clip == 0.8 for c in mult)
    enrico = method_configs("enrico")  # the six methods that share the selected lr
    assert {c.lr for c in enrico} == {base_config("enrico").lr} and len(enrico) == 60


def test_affect_data_use_the_papers_table_3_settings():
    config = base_config("mosi")
    assert config.lr == 1e-3 and config.interactions == ["13"] and config.epochs == 100
    with pytest.raises(ValueError, match="no real-world settings"):
        base_config("iemocap")
