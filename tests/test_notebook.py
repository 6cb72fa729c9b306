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


def test_full_mode_adds_missing_runs_and_never_overwrites_a_committed_record(tmp_path, monkeypatch, capsys):
    from intense.repro import notebook

    monkeypatch.setitem(notebook.ENGINE, "workers", 1)  # in this process
    committed = tmp_path / "results" / "tri"
    config = RunConfig.for_dataset("synthgene-tri", **TINY)
    run(config, committed / run_file_name(config))
    before = (committed / run_file_name(config)).read_bytes()
    # more seeds, same settings: the missing run is added beside the committed one
    shown = notebook_runs("full", committed, [config, with_overrides(config, seed=1)])
    assert len(shown) == 2 and (committed / run_file_name(config)).read_bytes() == before
    # other settings: every run goes to scratch/ (the record that still fits is copied there)
    other = [with_overrides(config, reg_param=0.05), with_overrides(config, seed=1)]
    capsys.readouterr()
    shown = notebook_runs("full", committed, other)
    scratch = tmp_path / "scratch" / "tri"
    assert str(scratch) in capsys.readouterr().out
    assert (committed / run_file_name(config)).read_bytes() == before
    assert sorted(p.name for p in scratch.glob("*.json")) == sorted(shown.file) and len(shown) == 2
    assert json.loads((scratch / run_file_name(config)).read_text())["config"]["reg_param"] == 0.05
    # asked for explicitly: the committed record is replaced
    monkeypatch.setitem(notebook.ENGINE, "replace", True)
    notebook_runs("full", committed, other[:1])
    assert json.loads((committed / run_file_name(config)).read_text())["config"]["reg_param"] == 0.05


def test_a_results_file_is_merged_by_seed_and_never_shrinks(tmp_path, capsys):
    from intense.repro.store import full_results, load_results

    path, made = tmp_path / "results" / "toy.json", []

    def make(arm, seed):
        made.append((arm, seed))
        return {"arm": arm, "seed": seed, "value": 10 * seed}

    def wanted(seeds):
        return [{"arm": arm, "seed": seed} for arm in ("x", "y") for seed in range(seeds)]

    config = {"seeds": 3, "steps": 5}
    assert full_results(path, config, wanted(3), make)[0] == path and len(made) == 6
    before = path.read_bytes()
    # fewer seeds: read from the file; nothing made, nothing written
    target, records = full_results(path, {**config, "seeds": 1}, wanted(1), make)
    assert target == path and len(made) == 6 and len(records) == 2 and path.read_bytes() == before
    # more seeds: only the new ones are made, added beside the old, each with its provenance
    full_results(path, {**config, "seeds": 4}, wanted(4), make)
    payload = load_results(path)
    assert len(made) == 8 and len(payload["records"]) == 8 and payload["config"]["seeds"] == 4
    assert all("git_commit" in r["environment"] for r in payload["records"])
    # other settings: the file stays as it is, the run goes to scratch/ and says so
    capsys.readouterr()
    target, records = full_results(path, {"seeds": 2, "steps": 9}, wanted(2), make)
    assert target == tmp_path / "scratch" / "toy.json" and load_results(path) == payload
    assert str(target) in capsys.readouterr().out and len(load_results(target)["records"]) == 4
    # asked for: replaced
    assert full_results(path, {"seeds": 2, "steps": 9}, wanted(2), make, replace=True)[0] == path
    assert load_results(path)["config"] == {"seeds": 2, "steps": 9} and len(load_results(path)["records"]) == 4


@pytest.mark.slow
def test_a_chapters_full_mode_with_fewer_seeds_or_other_settings_deletes_nothing_committed(tmp_path, monkeypatch):
    """What a reviewer runs (README): the chapter's full mode with fewer seeds, then with other
    settings, in a clone of its notebook and committed results file; git sees no change."""
    import shutil
    import subprocess

    import papermill

    name = "what_can_go_wrong"
    for folder, file in (("notebooks", f"{name}.ipynb"), ("results", f"{name}.json")):
        (tmp_path / folder).mkdir()
        shutil.copy(RESULTS_DIR.parent / folder / file, tmp_path / folder / file)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "committed results"], cwd=tmp_path, check=True)
    notebook = tmp_path / "notebooks" / f"{name}.ipynb"
    monkeypatch.setenv("INTENSE_RESULTS", str(tmp_path / "results"))  # the kernel reads the copy
    for parameters in ({"mode": "full", "seeds": 2}, {"mode": "full", "seeds": 1, "steps": 20}):
        out = tmp_path / "out.ipynb"
        papermill.execute_notebook(notebook, out, parameters=parameters, cwd=notebook.parent, progress_bar=False)
        diff = subprocess.run(["git", "status", "--porcelain", "results"], cwd=tmp_path, capture_output=True, text=True)
        assert diff.stdout == "", diff.stdout
    scratch = tmp_path / "scratch" / f"{name}.json"
    assert str(scratch) in out.read_text()  # the output names where the other settings' runs went
    assert len(json.loads(scratch.read_text())["records"]) == 6  # 2 truths x 3 variants x 1 seed
