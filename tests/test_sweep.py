"""Sweeps: the same records from one process, parallel processes or Ray; resumable; failures
are recorded and the rest finish."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from intense.runs import RunConfig, with_overrides
from intense.runs.experiment import run_file_name
from intense.runs.sweep import SweepError, stale_settings, sweep, up_to_date

ROOT = Path(__file__).resolve().parent.parent
TINY = RunConfig.for_dataset("synthgene-tri", n_samples=160, epochs=2, batch_size=16, progress=False)


def tiny_configs(seeds=(0, 1, 2)) -> list[RunConfig]:
    return [with_overrides(TINY, model=m, seed=s) for m in ("mnl", "intense") for s in seeds]


def numbers(folder: Path) -> dict:
    """Per record: what a run computed (timings and provenance aside)."""
    out = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        history = [{k: v for k, v in row.items() if "seconds" not in k} for row in record["history"]]
        out[path.name] = (record["test"], record["val"], record["relevance"], record["best_epoch"], history)
    return out


def assert_same_numbers(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        # workers run with 1 torch thread, the serial sweep with all: equal up to float rounding
        assert json.dumps(a[name]) == json.dumps(b[name]) or a[name] == pytest.approx(b[name], rel=1e-5), name


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    report = sweep(tiny_configs(), folder, workers=1, progress=False)
    assert len(report.done) == 6 and not report.failed
    return numbers(folder)


def test_parallel_processes_write_the_same_records_as_one_process(tmp_path, serial):
    report = sweep(tiny_configs(), tmp_path, workers=2, progress=False)
    assert len(report.done) == 6
    assert_same_numbers(numbers(tmp_path), serial)


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path):
    broken = with_overrides(TINY, dataset="humor", data_root=str(tmp_path / "nowhere"))  # no data there
    with pytest.raises(SweepError, match="1 of 3 runs failed") as caught:
        sweep([*tiny_configs(seeds=(0,))[:2], broken], tmp_path, workers=2, progress=False)
    assert len(caught.value.report.done) == 2
    failure = json.loads((tmp_path / "failed" / "humor_intense_seed0.json").read_text())
    assert "humor.pkl" in failure["error"] and failure["config"]["dataset"] == "humor"
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "synthgene-tri_intense_seed0.json",
        "synthgene-tri_mnl_seed0.json",
    ]


def test_two_configurations_with_one_record_name_are_refused(tmp_path):
    with pytest.raises(ValueError, match="write synthgene-tri_mnl_seed0.json"):
        sweep([with_overrides(TINY, model="mnl"), with_overrides(TINY, model="mnl", lr=0.1)], tmp_path)


def test_runs_that_name_their_own_folders_are_written_there_in_one_sweep(tmp_path):
    """A grid of settings in one sweep: each run names its point's folder, where one record name
    may recur; a failing run's traceback goes to failed/ in its own folder."""
    mnl = with_overrides(TINY, model="mnl")
    broken = with_overrides(TINY, dataset="humor", data_root=str(tmp_path / "nowhere"))  # no data there
    runs = [(mnl, tmp_path / "a"), (with_overrides(mnl, lr=0.1), tmp_path / "b"), (broken, tmp_path / "b")]
    with pytest.raises(SweepError, match="1 of 3 runs failed") as caught:
        sweep(runs, workers=2, progress=False)
    assert sorted(str(p.relative_to(tmp_path)) for p in caught.value.report.done) == [
        "a/synthgene-tri_mnl_seed0.json",
        "b/synthgene-tri_mnl_seed0.json",
    ]
    assert json.loads((tmp_path / "b" / "synthgene-tri_mnl_seed0.json").read_text())["config"]["lr"] == 0.1
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("*/failed/*.json")) == [
        "b/failed/humor_intense_seed0.json"
    ]
    assert len(sweep(runs[:2], progress=False).skipped) == 2  # resumed: nothing runs again


def test_a_sweep_refuses_two_runs_of_one_record_and_a_run_without_a_folder_before_running_any(tmp_path):
    mnl, first = with_overrides(TINY, model="mnl"), (with_overrides(TINY, model="intense"), tmp_path / "a")
    with pytest.raises(ValueError, match="write synthgene-tri_mnl_seed0.json in"):
        sweep([first, (mnl, tmp_path / "a"), (with_overrides(mnl, lr=0.1), tmp_path / "b" / ".." / "a")])
    with pytest.raises(ValueError, match="no folder for synthgene-tri_mnl_seed0.json"):
        sweep([first, mnl], progress=False)
    assert not (tmp_path / "a").exists()


def test_a_killed_parallel_sweep_loses_no_finished_run_and_resumes(tmp_path):
    out = tmp_path / "runs"
    command = [
        sys.executable,
        "-m",
        "intense",
        "sweep",
        "--dataset",
        "synthgene-tri",
        "--models",
        "mnl",
        "--seeds",
        "0-7",
        "--n-samples",
        "400",
        "--epochs",
        "3",
        "--batch-size",
        "16",
        "--workers",
        "2",
        "--no-progress",
        "--out-dir",
        str(out),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while len(list(out.glob("*.json"))) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its workers, mid-sweep
    process.wait()
    survivors = sorted(out.glob("*.json"))
    assert 2 <= len(survivors) < 8, "the sweep should have been killed midway"
    assert all("test" in json.loads(p.read_text()) for p in survivors)  # every written record is whole
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("skip ") == len(survivors)
    assert len(list(out.glob("*.json"))) == 8


def test_ray_backend_writes_the_same_records_and_reports_failures(tmp_path, serial):
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[cluster]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        broken = with_overrides(TINY, dataset="humor", data_root=str(tmp_path / "nowhere"))
        with pytest.raises(SweepError, match="1 of 3 runs failed"):
            sweep([*tiny_configs(seeds=(0,)), broken], tmp_path, backend="ray", workers=2, progress=False)
        done = numbers(tmp_path)
        assert_same_numbers(done, {name: serial[name] for name in done})
        assert sorted(done) == ["synthgene-tri_intense_seed0.json", "synthgene-tri_mnl_seed0.json"]
        # resuming after the driver stopped: what finished is skipped
        again = sweep(tiny_configs(seeds=(0,)), tmp_path, backend="ray", progress=False)
        assert len(again.skipped) == 2 and not again.done
    finally:
        ray.shutdown()


def test_ray_backend_without_ray_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[cluster\]'"):
        sweep(tiny_configs()[:1], tmp_path, backend="ray", progress=False)


def test_a_record_made_with_other_settings_is_redone(tmp_path, capsys):
    config = tiny_configs(seeds=(0,))[0]
    sweep([config], tmp_path, progress=False)
    assert len(sweep([config], tmp_path, progress=False).skipped) == 1  # same settings: skipped
    changed = with_overrides(config, lr=0.05)
    report = sweep([changed], tmp_path, progress=False)
    assert len(report.done) == 1 and "other lr" in capsys.readouterr().out
    record = json.loads((tmp_path / "synthgene-tri_mnl_seed0.json").read_text())
    assert record["config"]["lr"] == 0.05


def write_record(folder: Path, config: RunConfig, drop: tuple[str, ...] = ()) -> Path:
    """A finished record of `config` whose settings lack `drop`, as a record made before those
    settings existed does."""
    settings = {k: v for k, v in asdict(config).items() if k not in drop}
    path = folder / run_file_name(config)
    path.write_text(json.dumps({"config": settings, "test": {"accuracy": 0.5, "loss": 1.0}}))
    return path


def test_a_record_older_than_a_setting_is_read_at_the_value_runs_had_before_it(tmp_path):
    """Records made before the real-data protocol (3ae338b) name neither the split nor early
    stopping nor the class balancing: they held out one speaker of AV-MNIST (rebuilt), split
    ENRICO at random and trained every epoch with a class-weighted loss. They are stale against
    today's settings in exactly those, and a setting that does not reach the model (MNL always
    normalises its encoder outputs) is never stale."""
    protocol = ("split", "patience", "class_balance", "encoder_norm")
    avmnist = RunConfig.for_dataset("avmnist-rebuilt", model="mult")
    assert stale_settings(write_record(tmp_path, avmnist, drop=protocol), avmnist) == ["patience", "split"]
    enrico = RunConfig.for_dataset("enrico", model="mnl")
    assert stale_settings(write_record(tmp_path, enrico, drop=protocol), enrico) == [
        "patience",
        "class_balance",
        "split",
    ]
    baseline = with_overrides(enrico, model="lf-concat")  # it reads encoder_norm: raw outputs then
    assert "encoder_norm" in stale_settings(write_record(tmp_path, baseline, drop=protocol), baseline)
    as_published = with_overrides(baseline, encoder_norm="none", patience=None, class_balance="loss", split="seeded")
    assert stale_settings(write_record(tmp_path, as_published, drop=protocol), as_published) == []
    assert up_to_date(write_record(tmp_path, avmnist), avmnist)  # a record naming every setting
    # settings added earlier left every run as today's defaults do: records without them are current
    older = ("fusion_weight_decay", "image_size", "max_samples")
    assert up_to_date(write_record(tmp_path, enrico, drop=older), enrico)
    for name, value in zip(older, (0.01, "128x64", 50)):  # and against another value, stale in it
        other = with_overrides(enrico, **{name: value})
        assert stale_settings(write_record(tmp_path, enrico, drop=older), other) == [name]


def test_a_record_lacking_a_setting_of_unknown_history_names_the_fix(tmp_path):
    config = tiny_configs(seeds=(0,))[0]
    path = write_record(tmp_path, config, drop=("tf_latent_dim",))
    with pytest.raises(KeyError, match="tf_latent_dim.*BEFORE_RECORDED"):
        stale_settings(path, config)
