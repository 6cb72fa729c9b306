"""Resumable sweeps: run every configuration whose record is not yet written, one after
another, in parallel processes on this machine, or as tasks on a Ray cluster. The records go to
one folder, or each run names its own (a grid of settings, one folder per point, in one sweep).

Whatever the backend, the driver (this process) writes each record atomically under its own
name (`run_file_name`) as soon as its run finishes, so that

- a sweep that is killed loses only the runs in progress, and rerunning it skips what
  finished (a corrupt or partial record is redone);
- workers need no shared file system (on a cluster, they only need the package and the data);
- a run that raises does not stop the sweep: its error is written to `failed/NAME.json`
  beside the records, the other runs go on, and `SweepError` lists the failures at the end
  (the next sweep tries them again).

A run seeds torch itself and reads its data from its own settings, so its numbers do not
depend on the backend or the number of workers, up to float rounding: torch's sums depend on
the thread count in the last bits, and `intense.threads` decides it (`threads` when given;
else each local worker gets cores // workers, a Ray task one per CPU it asks for, and a
one-process sweep runs on a lone process's threads).

A record is matched to its configuration by file name (data set, model, seed); one whose
stored settings differ from the requested ones (runtime settings such as the device aside) is
reported as stale and run again.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from ..threads import cores, thread_count, use_threads
from ..train import LOG as TRAIN_LOG
from .config import RunConfig
from .experiment import run, run_file_name, why_not_learned
from .factory import reads
from .record import environment, write_json

__all__ = [
    "sweep",
    "finished",
    "stale_settings",
    "recorded_setting",
    "up_to_date",
    "BEFORE_RECORDED",
    "SPLITS_BEFORE_RECORDED",
    "stale_records",
    "SweepError",
    "SweepReport",
    "BACKENDS",
    "default_workers",
]

BACKENDS = ("local", "ray")
Backend = Literal["local", "ray"]


# settings that do not change what a run computes
RUNTIME_SETTINGS = {"progress", "mlflow", "device", "data_root", "environment"}

# A record made before a setting existed does not name it: it was made with the value every run
# had until the commit that added the setting. At 3ae338b the real data changed protocol: they
# had trained every epoch with a class-weighted loss, fed the baselines raw encoder outputs, and
# split ENRICO at random and AV-MNIST (rebuilt) by a held-out speaker (`SPLITS_BEFORE_RECORDED`).
BEFORE_RECORDED: dict[str, Any] = {
    "fusion_weight_decay": 0.0,  # 00edb7f
    "image_size": None,  # 12330aa: each data set's own
    "max_samples": None,  # c32bd47
    "patience": None,  # 3ae338b
    "class_balance": "loss",  # 3ae338b
    "encoder_norm": "none",  # 3ae338b
}
SPLITS_BEFORE_RECORDED = {"enrico": "seeded", "avmnist-rebuilt": "held-out-speaker"}  # 3ae338b; others: None


def recorded_setting(stored: dict[str, Any], name: str) -> Any:
    """The value of setting `name` in a record's settings `stored`; in a record older than the
    setting, the value it was made with (`BEFORE_RECORDED`)."""
    if name in stored:
        return stored[name]
    if name == "split":
        return SPLITS_BEFORE_RECORDED.get(stored["dataset"])
    if name not in BEFORE_RECORDED:
        raise KeyError(
            f"a record of {stored.get('dataset')}/{stored.get('model')} does not name the setting {name!r}: "
            "add the value runs had before it existed to intense.runs.sweep.BEFORE_RECORDED"
        )
    return BEFORE_RECORDED[name]


def stale_settings(path: Path, config: RunConfig) -> list[str]:
    """The settings in which the record at `path` differs from `config`: those that change what
    its model computes (`factory.reads`), read at their earlier value where the record is older
    than the setting (`recorded_setting`)."""
    stored, wanted = json.loads(path.read_text())["config"], asdict(config)
    return [
        k
        for k in wanted
        if k not in RUNTIME_SETTINGS and reads(config.model, k) and recorded_setting(stored, k) != wanted[k]
    ]


def stale_records(folder: Path, configs: Iterable[RunConfig]) -> dict[str, list[str]]:
    """{record name: the settings it differs in (`stale_settings`)} for each finished record of
    `configs` in `folder` that was made with other settings than its config's."""
    stale = {}
    for config in configs:
        path = Path(folder) / run_file_name(config)
        if finished(path) and (changed := stale_settings(path, config)):
            stale[path.name] = changed
    return stale


def up_to_date(path: Path, config: RunConfig) -> bool:
    """Whether `path` holds a complete record of `config` made with its settings (a sweep skips it)."""
    return finished(path) and not stale_settings(path, config)


def finished(path: Path) -> bool:
    """Whether `path` holds a complete run record (a corrupt or partial one is redone)."""
    try:
        return "test" in json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return False


def default_workers() -> int:
    """One worker per core this process may use."""
    return cores()


@dataclass
class SweepReport:
    """What a sweep did: records written now, records found finished, runs that failed."""

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)  # record -> error
    seconds: float = 0.0

    @property
    def paths(self) -> list[Path]:
        return self.skipped + self.done


class SweepError(RuntimeError):
    """Some runs of a sweep raised; the others finished and were written."""

    def __init__(self, report: SweepReport) -> None:
        self.report = report
        lines = [f"  {_shown(Path(path))}: {error.strip().splitlines()[-1]}" for path, error in report.failed.items()]
        super().__init__(
            f"{len(report.failed)} of {len(report.failed) + len(report.done)} runs failed "
            "(tracebacks in failed/ beside their records; rerunning the sweep retries them):\n" + "\n".join(lines)
        )


# --- what a worker does ------------------------------------------------------------------


def _attempt(config: RunConfig) -> tuple[str, Any]:
    """("ok", record) or ("error", traceback): a failing run must not stop the sweep. The
    driver says of each run whether it learned, so the trainer does not warn as well."""
    level = TRAIN_LOG.level
    TRAIN_LOG.setLevel(logging.ERROR)
    try:
        return "ok", run(config)
    except Exception:  # any error of one run is reported; the sweep goes on
        return "error", traceback.format_exc()
    finally:
        TRAIN_LOG.setLevel(level)


def _guarded(config: RunConfig, threads: int) -> tuple[str, Any]:
    """One run in a worker, with `threads` torch threads and no progress bar; the driver
    writes its record."""
    use_threads(threads)
    return _attempt(replace(config, progress=False))


# --- backends: each yields (index of the config, outcome) as runs finish --------------------


def _serial(configs: list[RunConfig], threads: int | None) -> Iterator[tuple[int, tuple[str, Any]]]:
    use_threads(threads)
    for i, config in enumerate(configs):
        yield i, _attempt(config)


def _local(
    configs: list[RunConfig], workers: int, threads: int | None, retries: int
) -> Iterator[tuple[int, tuple[str, Any]]]:
    """Runs in `workers` spawned processes (fresh interpreters: no torch state inherited from
    the driver), each with `threads` torch threads, by default cores / workers. When a worker process dies (e.g. out
    of memory) the pool breaks and every run in it fails with it; those runs go to a new pool,
    each at most `retries` more times, since the pool cannot tell which run killed it."""
    threads = thread_count(threads, workers)
    attempts = dict.fromkeys(range(len(configs)), 0)
    queue = list(range(len(configs)))
    while queue:
        broken: list[int] = []
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            pending = {pool.submit(_guarded, configs[i], threads): i for i in queue}
            while pending:
                ready, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in ready:
                    i = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:  # a worker died: this run, or another one in the pool
                        attempts[i] += 1
                        if attempts[i] <= retries:
                            broken.append(i)
                            continue
                        outcome = ("error", traceback.format_exc())
                    yield i, outcome
        queue = broken


def _ray(
    configs: list[RunConfig], workers: int, threads: int | None, address: str | None, gpus: float, retries: int
) -> Iterator[tuple[int, tuple[str, Any]]]:
    """Each run a Ray task asking for `threads` CPUs (by default one), one torch thread per CPU,
    and `gpus` GPUs."""
    threads = thread_count(threads, workers=cores())  # one of as many tasks as a node has CPUs
    try:
        import ray
    except ImportError as err:
        raise RuntimeError(
            "--backend ray needs Ray: pip install -e '.[cluster]' (or pip install 'ray==2.60.0')"
        ) from err
    forwarded = ("MLFLOW_TRACKING_URI", "INTENSE_DATA", "INTENSE_CACHE", "INTENSE_THREADS")
    env = {k: os.environ[k] for k in forwarded if k in os.environ}
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address is None:  # a local instance with `workers` CPUs
            options["num_cpus"] = workers * threads
        try:
            ray.init(address=address, runtime_env={"env_vars": env} if env else None, **options)
        except ConnectionError as err:  # Ray's own advice names its flags, not ours
            raise RuntimeError(
                f"no Ray cluster is running at --address {address}: start one with `ray start --head` on this "
                "machine (and `ray start --address HEAD_IP:6379` on each other one), or drop --address to "
                "start a local Ray instance"
            ) from err
    # max_retries: a task whose worker died is retried; an exception in the run is not (it is reported)
    task = ray.remote(num_cpus=threads, num_gpus=gpus, max_retries=retries)(_guarded)
    pending = {task.remote(c, threads): i for i, c in enumerate(configs)}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            i = pending.pop(ref)
            try:
                yield i, ray.get(ref)
            except Exception:  # the worker died more often than `retries`
                yield i, ("error", traceback.format_exc())


# --- the driver ----------------------------------------------------------------------------


def _shown(path: Path) -> str:
    """A record as the log names it: its folder and file."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def sweep(
    configs: Iterable[RunConfig | tuple[RunConfig, str | Path]],
    out_dir: str | Path | None = None,
    *,
    workers: int = 1,
    threads: int | None = None,
    backend: Backend = "local",
    address: str | None = None,
    gpus_per_run: float = 0.0,
    retries: int = 2,
    progress: bool = True,
) -> SweepReport:
    """Run every config whose record is not yet in its folder; rerunning resumes a killed sweep.

    `configs`: each a config, whose record goes to `out_dir`, or a (config, folder) pair, whose
    record goes to that folder (e.g. one folder per point of a grid of settings).

    `workers`: runs at once (0: one per core). `threads`: torch threads of each run (default:
    `intense.threads`' rule, e.g. cores / workers). `backend`: "local" (processes on this machine;
    with one worker, runs happen in this process) or "ray" (`address`: a cluster, e.g. "auto"
    or "ray://host:10001"; None starts a local Ray instance; `gpus_per_run` is for Ray only).
    `retries`: how often a run whose worker process died is run again. Raises `SweepError` at
    the end if any run failed; everything else is written by then.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use one of {list(BACKENDS)}")
    for name, value, meaning in [
        ("workers", workers, "runs at once; 0: one per core"),
        ("retries", retries, "retries of a run whose worker process died"),
        ("gpus_per_run", gpus_per_run, "GPUs each Ray task asks for"),
    ]:
        if value < 0:
            raise ValueError(f"{name} (--{name.replace('_', '-')}) must be >= 0 ({meaning}), got {value}")
    workers = workers or default_workers()
    report, todo, paths, seen = SweepReport(), [], [], set()
    start = time.perf_counter()
    for item in configs:
        config, folder = item if isinstance(item, tuple) else (item, out_dir)
        if folder is None:
            raise ValueError(f"no folder for {run_file_name(config)}: give out_dir, or pair the config with a folder")
        path = Path(os.path.abspath(Path(folder) / run_file_name(config)))  # one spelling of each record
        name = _shown(path)
        if path in seen:
            raise ValueError(
                f"two configurations of this sweep write {path.name} in {path.parent}: they differ in a "
                "setting that the record's name does not show; sweep them into different folders"
            )
        seen.add(path)
        if up_to_date(path, config):
            print(f"skip {name} (finished earlier)")
            report.skipped.append(path)
        else:
            if finished(path):
                print(f"redo {name}: its record was made with other {', '.join(stale_settings(path, config))}")
            todo.append(config)
            paths.append(path)
    if backend == "ray":
        outcomes = _ray(todo, workers, threads, address, gpus_per_run, retries)
    elif workers == 1:
        outcomes = _serial(todo, threads)
    else:
        outcomes = _local(todo, min(workers, max(1, len(todo))), threads, retries)
    bar = tqdm(total=len(todo), desc=f"sweep ({backend}, {workers} workers)", disable=not progress or len(todo) < 2)
    for i, (status, payload) in outcomes:
        path, failed = paths[i], paths[i].parent / "failed" / paths[i].name
        name = _shown(path)
        if status == "ok":
            write_json(path, payload)
            failed.unlink(missing_ok=True)
            report.done.append(path)
            reason = why_not_learned(payload)
            flag = f" (DID NOT LEARN: {reason})" if reason else ""
            tqdm.write(f"done {name}: test accuracy {payload['test']['accuracy']:.3f}{flag}")
        else:
            write_json(failed, {"config": asdict(todo[i]), "error": payload, "environment": environment()})
            report.failed[path] = payload
            tqdm.write(f"FAILED {name}: {payload.strip().splitlines()[-1]}")
        bar.update()
    bar.close()
    report.seconds = time.perf_counter() - start
    if report.failed:
        raise SweepError(report)
    return report
