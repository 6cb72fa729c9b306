"""One rule for torch's threads (intense/threads.py)."""

import json
import os

import pytest
import torch

from intense.threads import ENV, LONE_THREADS, cores, thread_count, use_threads


@pytest.fixture
def rule(monkeypatch):
    """The rule with nothing set in the environment; torch's threads restored afterwards."""
    monkeypatch.delenv(ENV, raising=False)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_an_explicit_count_then_the_environment_then_the_workers_then_a_lone_process(rule, monkeypatch):
    assert thread_count() == LONE_THREADS
    assert thread_count(workers=1) == cores()
    assert thread_count(workers=cores() * 4) == 1  # never below one
    monkeypatch.setenv(ENV, "3")
    assert thread_count() == 3 and thread_count(workers=2) == 3
    assert thread_count(threads=5) == 5


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_a_count_that_is_not_a_whole_number_above_zero_is_refused_naming_its_source(rule, monkeypatch, bad):
    monkeypatch.setenv(ENV, bad)
    with pytest.raises(ValueError, match=f"the environment variable {ENV} must be a whole number"):
        thread_count()
    with pytest.raises(ValueError, match="--threads must be"):
        thread_count(threads=0)


def test_use_threads_sets_torch_and_with_children_exports_the_count(rule, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert use_threads(2) == 2 and torch.get_num_threads() == 2
    assert os.environ["OMP_NUM_THREADS"] == "7"  # this process only
    assert use_threads(1, children=True) == 1 and torch.get_num_threads() == 1
    assert os.environ[ENV] == os.environ["OMP_NUM_THREADS"] == "1"


def test_a_sweeps_workers_and_its_serial_runs_follow_the_rule(rule, tmp_path):
    from intense.runs import RunConfig, with_overrides
    from intense.runs.sweep import sweep

    base = RunConfig.for_dataset("synthgene-tri", n_samples=120, epochs=1, batch_size=16, progress=False)
    configs = [with_overrides(base, seed=s) for s in (0, 1)]
    sweep(configs, tmp_path / "two", workers=2, progress=False)  # two processes: cores / 2 threads each
    sweep(configs[:1], tmp_path / "one", workers=1, threads=2, progress=False)  # in this process, as asked

    def threads(folder):
        return {json.loads(p.read_text())["config"]["environment"]["torch_threads"] for p in folder.glob("*.json")}

    assert threads(tmp_path / "two") == {max(1, cores() // 2)} and threads(tmp_path / "one") == {2}
