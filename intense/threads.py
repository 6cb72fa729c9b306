"""How many threads torch computes with: one rule for every process of the project.

torch starts one OpenMP thread per core. That is only right for a process that has the cores
to itself: beside other busy processes, its threads spin and wait for each other at every
parallel region, and on 2 shared cores a run of these small models takes 6 to 10 times as long
as on one thread, while alone a second thread gains it little (`benchmarks/bench_threads.py`,
results/benchmark_threads.json, the speed appendix). The rule, first match wins:

1. an explicit count: the `threads` argument (the command line's `--threads N`);
2. the environment variable INTENSE_THREADS;
3. a process that is one of `workers` sharing this machine's cores (a sweep's local workers,
   pytest-xdist's workers): cores // workers, at least 1;
4. a lone process: `LONE_THREADS` (one), the fastest setting once anything else runs beside
   it and within a few per cent of the fastest when nothing does.

`use_threads(..., children=True)` also exports the count (INTENSE_THREADS and OMP_NUM_THREADS),
so that the processes this one starts (notebook kernels, benchmark scripts, a Ray instance's
workers) follow it: OMP_NUM_THREADS sizes torch's pool, and OpenBLAS's, as they start.
"""

from __future__ import annotations

import os

import torch

__all__ = ["ENV", "LONE_THREADS", "cores", "thread_count", "use_threads"]

ENV = "INTENSE_THREADS"
LONE_THREADS = 1


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _positive(value: int | str, source: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{source} must be a whole number of threads >= 1, got {value!r}")
    return count


def thread_count(threads: int | None = None, workers: int | None = None) -> int:
    """The rule above: `threads` if given, else $INTENSE_THREADS, else cores // `workers` for
    one of `workers` processes, else `LONE_THREADS`."""
    if threads is not None:
        return _positive(threads, "--threads")
    if os.environ.get(ENV):
        return _positive(os.environ[ENV], f"the environment variable {ENV}")
    if workers is not None:
        return max(1, cores() // _positive(workers, "the number of workers"))
    return LONE_THREADS


def use_threads(threads: int | None = None, workers: int | None = None, *, children: bool = False) -> int:
    """Set torch's intra-op threads by the rule (`thread_count`) and return the count; with
    `children`, processes started from this one inherit it."""
    count = thread_count(threads, workers)
    torch.set_num_threads(count)
    if children:
        os.environ[ENV] = os.environ["OMP_NUM_THREADS"] = str(count)
    return count
