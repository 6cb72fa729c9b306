"""What every chapter notebook relies on (intense/repro/notebook.py)."""

import json

import pytest

from intense.repro.notebook import RecordsLink, StaleRecordsWarning, notebook_runs
from intense.repro.store import RESULTS_DIR
from intense.runs import RunConfig, run, run_file_name, with_overrides

TINY = {"n_samples": 120, "epochs": 1, "batch_size": 16, "progress": False}


def test_results_mode_shows_committed_records_and_flags_ones_made_with_other_settings(tmp_path):
    config = RunConfig.for_dataset("synthgene-tri", **TINY)
    run(config, tmp_path / run_file_name(config))
    shown = notebook_runs("results", tmp_path, [config])
    assert list(shown.file) == [run_file_name(config)]
    other = with_overrides(config, reg_param=0.05)  # what the chapter asks for now differs
    with pytest.warns(StaleRecordsWarning, match="other settings.*reg_param"):
        notebook_runs("results", tmp_path, [other])


def test_results_mode_warns_about_missing_records(tmp_path):
    config = RunConfig.for_dataset("synthgene-tri", **TINY)
    run(config, tmp_path / run_file_name(config))
    with pytest.warns(UserWarning, match="1 of the 2 runs"):
        shown = notebook_runs("results", tmp_path, [config, with_overrides(config, seed=1)])
    assert len(shown) == 1


def test_a_record_names_the_penalty_weight_it_trained_with(tmp_path):
    config = RunConfig.for_dataset("synthgene-tri", **TINY)
    record = run(config, tmp_path / "r.json")
    n_train = record["sizes"]["train"]
    assert record["penalty_weight"] == pytest.approx(0.05 / n_train)  # eq. 3 over n
    assert json.loads((tmp_path / "r.json").read_text())["config"]["reg_param"] is None
    assert {"epoch", "val", "test", "relevance"} <= set(record["by_val_accuracy"])


def test_RecordsLink_points_into_the_built_books_copy_of_results(tmp_path):
    folder = RESULTS_DIR / "synthgene-tri"
    html = RecordsLink(folder)._repr_html_()
    assert 'href="../results/synthgene-tri.zip"' in html
    assert f"{len(list(folder.glob('*.json')))} run records" in html
    assert (
        'href="../results/what_can_go_wrong.json"' in RecordsLink(RESULTS_DIR / "what_can_go_wrong.json")._repr_html_()
    )
    assert "not committed" in RecordsLink(tmp_path)._repr_html_()  # a smoke run's folder has no link
