"""The command line: python -m intense train / sweep."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from intense.runs.cli import main
from intense.runs.config import flag_fields

SMALL = "--n-samples 160 --epochs 1 --batch-size 16 --no-progress".split()


def cli(command: str, *extra: str) -> int:
    """main() on a command line written as one string, plus arguments that may hold spaces."""
    return main([*command.split(), *extra])


def test_train_writes_a_complete_run_record(tmp_path):
    out = tmp_path / "run.json"
    command = "train --dataset synthgene-tri --model intense --seed 3 --interactions 12 123 --output"
    assert cli(command, str(out), *SMALL) == 0
    record = json.loads(out.read_text())
    assert {"config", "test", "val", "train", "relevance", "relevance_at_init", "history"} <= set(record)
    assert record["config"]["seed"] == 3 and record["config"]["interactions"] == ["12", "123"]
    assert {"torch", "python", "git_commit", "git_dirty"} <= set(record["config"]["environment"])
    assert list(record["relevance"]) == ["1", "2", "3", "1x2", "1x2x3"]
    assert sum(record["relevance"].values()) == pytest.approx(1.0)
    # eq. 4 before training: the prior of the blocks' sizes (the 512-feature 1x2x3 block leads)
    assert list(record["relevance_at_init"]) == list(record["relevance"])
    assert sum(record["relevance_at_init"].values()) == pytest.approx(1.0)
    assert max(record["relevance_at_init"], key=record["relevance_at_init"].get) == "1x2x3"
    assert 0.0 <= record["test"]["accuracy"] <= 1.0 and len(record["history"]) == 1
    assert 0.0 <= record["train"]["accuracy"] <= 1.0
    assert set(record["history"][0]) >= {"epoch", "train_objective", "val_loss", "relevance"}
    assert sum(record["sizes"].values()) == 160


def test_sweep_skips_finished_runs_and_redoes_missing_ones(tmp_path, capsys):
    # one worker: in this process (tests/test_sweep.py covers parallel workers)
    command = (
        "sweep --dataset synthgene --n-modalities 3 --models mnl unimodal --modalities 2 --seeds 0-1 "
        "--workers 1 --out-dir"
    )
    assert cli(command, str(tmp_path), *SMALL) == 0
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    assert files == [
        "synthgene_mnl_seed0.json",
        "synthgene_mnl_seed1.json",
        "synthgene_unimodal-m2_seed0.json",
        "synthgene_unimodal-m2_seed1.json",
    ]
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    (tmp_path / "synthgene_mnl_seed1.json").unlink()  # as if the sweep had been killed there
    (tmp_path / "synthgene_mnl_seed0.json").write_text("{trunc")  # a corrupt record is redone
    capsys.readouterr()
    assert cli(command, str(tmp_path), *SMALL) == 0
    log = capsys.readouterr().out
    assert log.count("skip ") == 2 and log.count("done ") == 2
    for name in ["synthgene_unimodal-m2_seed0.json", "synthgene_unimodal-m2_seed1.json"]:
        assert (tmp_path / name).stat().st_mtime_ns == stamps[name]
    assert "test" in json.loads((tmp_path / "synthgene_mnl_seed0.json").read_text())


def test_max_samples_keeps_at_most_that_many_of_each_split(tmp_path):
    out = tmp_path / "run.json"
    assert cli("train --dataset synthgene-tri --max-samples 12 --output", str(out), *SMALL) == 0
    assert json.loads(out.read_text())["sizes"] == {"train": 12, "val": 12, "test": 12}  # of 120, 20, 20


def test_clear_errors(tmp_path, capsys):
    out = str(tmp_path / "x.json")
    assert cli("train --model unimodal --output", out, *SMALL) == 2
    assert "--modality" in capsys.readouterr().err
    assert cli("train --interactions 1a --output", out, *SMALL) == 2
    assert "cannot read interaction" in capsys.readouterr().err
    assert cli("train --device tpu9 --output", out, *SMALL) == 2
    assert "unknown device" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert cli("train --device cuda --output", out, *SMALL) == 2
        assert "no CUDA GPU" in capsys.readouterr().err
    assert cli("train --max-samples 0 --output", out, *SMALL) == 2
    assert "max_samples must be at least 1" in capsys.readouterr().err
    assert cli("sweep --seeds 0-x --out-dir", str(tmp_path), *SMALL) == 2
    assert "cannot read seeds" in capsys.readouterr().err
    assert cli("sweep --seeds 3-1 --out-dir", str(tmp_path), *SMALL) == 2
    assert "--seeds 3-1: the range runs backwards; write 1-3" in capsys.readouterr().err
    assert cli("sweep --seeds 0- --out-dir", str(tmp_path), *SMALL) == 2
    assert "--seeds 0-: the range has no end" in capsys.readouterr().err
    for flag in ("--workers -2", "--retries -1", "--gpus-per-run -1", "--threads 0"):
        with pytest.raises(SystemExit):
            cli(f"sweep {flag} --out-dir", str(tmp_path), *SMALL)
        assert f"argument {flag.split()[0]}: must be" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.json"))
    with pytest.raises(SystemExit):
        cli("train --dataset mnist-please --output", out)
    assert not (tmp_path / "x.json").exists()


def test_help_documents_every_flag():
    text = subprocess.run(
        [sys.executable, "-m", "intense", "train", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in [*(f.name for f in flag_fields()), "model", "output", "mlflow"]:
        assert "--" + name.replace("_", "-") in text
    top = subprocess.run([sys.executable, "-m", "intense", "--help"], capture_output=True, text=True, check=True)
    assert "sweep" in top.stdout


def test_mlflow_flag_without_mlflow_fails_before_training(tmp_path, capsys):
    try:
        import mlflow  # noqa: F401
    except ImportError:
        assert cli("train --mlflow --output", str(tmp_path / "x.json"), *SMALL) == 2
        assert "pip install mlflow" in capsys.readouterr().err
        assert not (tmp_path / "x.json").exists()
    else:
        pytest.skip("mlflow is installed here")


def test_mlflow_flag_logs_params_and_per_epoch_metrics(tmp_path, monkeypatch):
    import types

    calls = []
    fake = types.ModuleType("mlflow")
    for name in ("start_run", "log_params", "log_metrics", "end_run"):
        setattr(fake, name, lambda *a, _name=name, **k: calls.append((_name, a, k)))
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    assert cli("train --mlflow --output", str(tmp_path / "x.json"), *SMALL, "--epochs", "2") == 0
    names = [c[0] for c in calls]
    assert names[0] == "start_run" and names[-1] == "end_run" and "log_params" in names
    epoch_steps = [c[2]["step"] for c in calls if c[0] == "log_metrics" and "step" in c[2]]
    assert epoch_steps == [1, 2]


def test_sweep_crosses_datasets_models_and_seeds(tmp_path):
    command = "sweep --dataset synthgene synthgene-tri --n-modalities 3 --models mnl --seeds 0 2 --workers 1 --out-dir"
    assert cli(command, str(tmp_path), *SMALL) == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "synthgene-tri_mnl_seed0.json",
        "synthgene-tri_mnl_seed2.json",
        "synthgene_mnl_seed0.json",
        "synthgene_mnl_seed2.json",
    ]


def test_affect_data_from_data_root_trains_with_gru_and_transformer_encoders(tmp_path, monkeypatch):
    from conftest import write_affect

    write_affect(tmp_path / "mosi_raw.pkl")
    monkeypatch.setenv("INTENSE_DATA", str(tmp_path / "elsewhere"))  # --data-root wins over the variable
    for encoder in ("gru", "transformer", "mlp"):
        out = tmp_path / f"{encoder}.json"
        command = f"train --dataset mosi --model intense --interactions 13 --encoder {encoder} --epochs 1"
        assert (
            cli(command, "--batch-size", "8", "--no-progress", "--data-root", str(tmp_path), "--output", str(out)) == 0
        )
        record = json.loads(out.read_text())
        assert list(record["relevance"]) == ["v", "a", "t", "vxt"]
        assert record["sizes"] == {"train": 40, "val": 12, "test": 12}


@pytest.mark.parametrize("model", ["lf-concat", "tfn", "mro", "multiroute", "mult"])
def test_every_baseline_runs_through_the_cli(tmp_path, model):
    from conftest import write_affect

    write_affect(tmp_path / "sarcasm.pkl", task="binary")
    out = tmp_path / "run.json"
    command = f"train --dataset sarcasm --model {model} --epochs 1 --batch-size 8 --no-progress"
    assert cli(command, "--data-root", str(tmp_path), "--output", str(out)) == 0
    relevance = json.loads(out.read_text())["relevance"]
    if model == "multiroute":  # global routing scores over the test split
        assert len(relevance) == 7 and sum(relevance.values()) == pytest.approx(1.0)
    else:
        assert relevance == {}


def test_missing_real_data_names_the_path_and_the_data_root_flag(tmp_path, capsys):
    assert cli("train --dataset humor --no-progress --data-root", str(tmp_path), "--output", str(tmp_path / "x")) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "humor.pkl") in err and "--data-root" in err


def test_an_encoder_that_does_not_fit_the_data_is_a_clear_error(tmp_path, capsys):
    assert cli("train --dataset synthgene-tri --encoder lenet --output", str(tmp_path / "y.json"), *SMALL) == 2
    assert "lenet encoder reads images" in capsys.readouterr().err


def test_a_saved_model_reloads_to_the_same_predictions_and_can_be_audited(tmp_path, capsys):
    from intense.runs.checkpoint import load_checkpoint

    model_path, audit_path = tmp_path / "model.pt", tmp_path / "audit.json"
    command = "train --dataset synthgene-tri --interactions 12 --output"
    assert cli(command, str(tmp_path / "run.json"), "--save-model", str(model_path), *SMALL) == 0
    record = json.loads((tmp_path / "run.json").read_text())
    model, config, splits = load_checkpoint(model_path)
    assert config.interactions == ["12"] and config.n_samples == 160
    assert model.relevance() == pytest.approx(record["relevance"])  # the selected epoch's weights
    assert cli("audit", str(model_path), "--repeats", "1", "--partners", "2", "--output", str(audit_path)) == 0
    result = json.loads(audit_path.read_text())
    assert set(result["blocks"]) >= {"1", "2", "3", "1x2"} and "agreement" in result
    assert "Shapley" in capsys.readouterr().out


def test_a_checkpoint_that_is_missing_corrupt_or_does_not_fit_is_a_clear_error(tmp_path, capsys):
    assert cli("audit", str(tmp_path / "none.pt")) == 2
    assert "no checkpoint" in capsys.readouterr().err
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    assert cli("audit", str(tmp_path / "bad.pt")) == 2
    assert "bad.pt is not a checkpoint (not the zip archive torch.save writes); audit reads" in capsys.readouterr().err
    model_path = tmp_path / "model.pt"
    assert (
        cli(
            "train --dataset synthgene-tri --interactions 12 --output",
            str(tmp_path / "r.json"),
            "--save-model",
            str(model_path),
            *SMALL,
        )
        == 0
    )
    capsys.readouterr()
    assert cli("audit", str(tmp_path / "r.json")) == 2  # the run record instead of the model
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "r.json is a run record (what train --output writes), not a checkpoint" in err
    assert "--save-model" in err and len(err.strip().splitlines()) == 1  # no PyTorch text before it
    (tmp_path / "cut.pt").write_bytes(model_path.read_bytes()[:2000])  # a truncated checkpoint
    assert cli("audit", str(tmp_path / "cut.pt")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'cut.pt'} is a zip archive but not a readable checkpoint")
    payload = torch.load(model_path, weights_only=True)
    payload["config"]["interactions"] = ["12", "13"]  # a configuration that builds another model
    torch.save(payload, model_path)
    assert cli("audit", str(model_path)) == 2
    assert "does not fit the model" in capsys.readouterr().err


def test_help_shows_each_default_once_and_the_settings_chosen_per_method():
    from intense.runs.cli import _parser
    from intense.runs.config import CHOSEN_SETTINGS

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in ("train", "sweep"):
        for action in commands[name]._actions:
            assert (action.help or "").count("default:") <= 1, action.dest
        epilog = commands[name].epilog
        for dataset, methods in CHOSEN_SETTINGS.items():
            for model, chosen in methods.items():
                line = next(line for line in epilog.splitlines() if line.split()[:2] == [dataset, model])
                assert all(f"--{k.replace('_', '-')} {v:g}" in line for k, v in chosen.items()), line


def test_a_run_that_did_not_learn_says_which_rule_failed_once_without_source_lines(tmp_path, capsys):
    model_path = tmp_path / "model.pt"
    command = "train --dataset synthgene-tri --output"  # 160 samples, 1 epoch: not learned
    assert cli(command, str(tmp_path / "r.json"), "--save-model", str(model_path), *SMALL) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "did not learn" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: synthgene-tri: the model did not learn the task")
    assert "below the data set's threshold 0.750" in warned[0] and len(err.strip().splitlines()) == 1
    assert cli("audit", str(model_path), "--repeats", "1", "--partners", "2") == 0
    assert "warning: the audited model did not learn its task (validation accuracy" in capsys.readouterr().err
    command = "sweep --dataset synthgene-tri --models mnl --seeds 0 --workers 1 --out-dir"
    assert cli(command, str(tmp_path / "sweep"), *SMALL) == 0
    out, err = capsys.readouterr()
    assert "(DID NOT LEARN: validation accuracy" in out and "threshold 0.750" in out and "did not learn" not in err


def test_ray_address_without_a_cluster_says_how_to_start_one(tmp_path, monkeypatch, capsys):
    import types

    def refuse(**kwargs):  # what Ray raises when no cluster runs at the address
        raise ConnectionError("Could not find any running Ray instance. Please specify the --address flag")

    fake = types.SimpleNamespace(is_initialized=lambda: False, init=refuse)
    monkeypatch.setitem(sys.modules, "ray", fake)
    assert cli("sweep --backend ray --address auto --seeds 0 --out-dir", str(tmp_path), *SMALL) == 2
    err = capsys.readouterr().err
    assert "no Ray cluster is running at --address auto: start one with `ray start --head`" in err
    assert "drop --address" in err


@pytest.fixture
def keep_threads():
    """The test changes torch's threads in this process: restored afterwards."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_threads_flag_and_environment_override(tmp_path, monkeypatch, capsys, keep_threads):
    out = str(tmp_path / "r.json")
    assert cli("train --threads 2 --output", out, *SMALL) == 0
    assert json.loads((tmp_path / "r.json").read_text())["config"]["environment"]["torch_threads"] == 2
    monkeypatch.setenv("INTENSE_THREADS", "1")
    assert cli("train --output", out, *SMALL) == 0
    assert json.loads((tmp_path / "r.json").read_text())["config"]["environment"]["torch_threads"] == 1
    monkeypatch.setenv("INTENSE_THREADS", "many")
    assert cli("train --output", out, *SMALL) == 2
    assert "the environment variable INTENSE_THREADS must be a whole number of threads >= 1" in capsys.readouterr().err


def test_the_relevance_at_initialisation_can_be_recomputed_for_an_older_record(tmp_path):
    """experiments/initial_relevance.py fills in eq. 4 of the untrained model for records made
    before they held it: the model initialised at the run's seed is the run's own."""
    from intense.runs.config import RunConfig
    from intense.runs.experiment import initial_relevance, run

    config = RunConfig.for_dataset("synthgene-tri", n_samples=160, epochs=1, batch_size=16, progress=False, seed=4)
    record = run(config)
    assert initial_relevance(config) == record["relevance_at_init"]
    assert (
        initial_relevance(RunConfig.for_dataset("synthgene-tri", n_samples=160, seed=5)) != record["relevance_at_init"]
    )


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["--help"], 0, "parts: select write-choices"),
        (["enrico", "bogus"], 2, "unknown part or name bogus"),
        (["select", "--methods", "foo"], 2, "invalid choice: 'foo'"),
    ],
)
def test_the_reproduction_driver_runs_nothing_on_help_or_a_name_it_does_not_know(argv, code, says, tmp_path):
    """experiments/real_world.py answers --help with its parts and refuses an unknown name before
    any run starts (it once read every argument it did not know as 'run everything')."""
    script = Path(__file__).parents[1] / "experiments" / "real_world.py"
    env = {**os.environ, "INTENSE_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, script, *argv], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == code and says in done.stdout + done.stderr
    assert not any(tmp_path.iterdir())


def load_driver():
    """experiments/real_world.py as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "real_world", Path(__file__).parents[1] / "experiments" / "real_world.py"
    )
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    return driver


def test_the_reproduction_driver_reads_the_names_after_select_or_unimodal_as_data_sets():
    """`unimodal avmnist-rebuilt` runs that data set's unimodal runs, not also its table (a part of
    the same name); a data set named alone is its table, and --methods keeps those methods' runs."""
    driver = load_driver()
    assert driver.parse(["unimodal", "avmnist-rebuilt"]) == ["unimodal"] and driver.DATASETS == ["avmnist-rebuilt"]
    assert driver.parse(["select", "enrico"]) == ["select"] and driver.DATASETS == ["enrico"]
    assert driver.parse(["avmnist-rebuilt"]) == ["avmnist-rebuilt"]
    # --methods: a real-data part runs only those methods' runs
    ran = []
    driver.part = lambda configs, folder: ran.append((folder, {c.model for c in configs}, len(configs)))
    driver.parse(["avmnist-rebuilt", "--methods", "mnl", "intense"])
    driver.PARTS["avmnist-rebuilt"]()
    assert ran == [("avmnist-rebuilt", {"mnl", "intense"}, 20)]


def test_the_driver_confirms_each_methods_candidates_at_the_confirming_seeds_and_goes_on_past_a_failure(capsys):
    """`confirm` runs every candidate of the methods named (none of another method) at each of
    `CONFIRM_SEEDS`, in one sweep of `WORKERS` runs at once whatever the grid point, each run into
    its grid point's folder; a failed run is reported, not raised."""
    import pandas as pd

    from intense.repro.suites import CANDIDATES, CONFIRM_SEEDS, LR_LADDER, selection_candidates, selection_dir
    from intense.runs.sweep import SweepError, SweepReport

    driver = load_driver()
    lrs = LR_LADDER[: CANDIDATES + 1]
    screen = [
        {"model": m, "lr": lr, "scheduler_gamma": g, "seed": 0, "val_loss": i + (g == 1.0) + (m == "tfn")}
        for m in ("mnl", "tfn", "mro")
        for i, lr in enumerate(lrs)
        for g in (0.9, 1.0)
    ]
    runs = pd.DataFrame(screen)
    driver.selection_runs = lambda dataset: runs
    asked = []

    def sweep(runs, workers):
        asked.append((workers, [(c.model, c.lr, c.scheduler_gamma, c.seed, folder) for c, folder in runs]))
        raise SweepError(SweepReport(failed={"x.json": "FloatingPointError: training diverged"}))

    driver.sweep, driver.WORKERS = sweep, 2
    driver.confirm("mfeat", ("mnl", "tfn"))
    [(workers, configs)] = asked  # one sweep
    assert workers == 2
    expected = selection_candidates(runs[runs.model != "mro"])
    wanted = {(m, *p, s) for m, points in expected.items() for p in points for s in CONFIRM_SEEDS}
    assert {run[:4] for run in configs} == wanted and len(configs) == len(wanted)
    for _, lr, g, _, folder in configs:  # each run in its own grid point's folder
        assert folder == selection_dir("mfeat", lr, g)
    assert "1 of 1 runs failed" in capsys.readouterr().err
