"""Sweep throughput (runs per minute) with 1 and 2 workers, local processes and Ray, in one run.
The speed appendix (notebooks/speed.ipynb) turns the measured speedup and the committed runs' own
training seconds into the estimate of the full reproduction's wall time.

    python benchmarks/bench_sweep.py            # writes results/benchmark_sweep.json
    python benchmarks/bench_sweep.py --smoke --output /tmp/sweep.json

The fixed sweep: MNL and InTense on SynthGene-Tri (`--runs` runs in all, default 24, the data
set's settings with 4 000 samples and 6 epochs), into a fresh folder for each engine. "local, 1 worker"
runs in the driver's process with every torch thread (the serial baseline, `--workers 1
--threads CORES`); with N workers each gets cores / N threads. Ray starts a local instance
with as many CPUs as workers, and each run asks for one CPU.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from _cli import benchmark_parser  # benchmarks/_cli.py

from intense.runs import RunConfig, with_overrides
from intense.runs.record import environment, write_json
from intense.runs.sweep import default_workers, sweep
from intense.threads import cores

# light imports only: each local worker re-imports this script (multiprocessing's spawn)
RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"


def fixed_sweep(runs: int, n_samples: int, epochs: int) -> list[RunConfig]:
    base = RunConfig.for_dataset("synthgene-tri", n_samples=n_samples, epochs=epochs, progress=False)
    return [with_overrides(base, model=("mnl", "intense")[i % 2], seed=i // 2) for i in range(runs)]


def timed(configs: list[RunConfig], **engine) -> tuple[float, float]:
    """Wall seconds of the sweep, and the runs' summed training seconds (what each run itself
    took: longer when runs share the cores with other runs)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        sweep(configs, folder, progress=False, **engine)
        seconds = time.perf_counter() - start
        train = sum(json.loads(p.read_text())["train_seconds"] for p in Path(folder).glob("*.json"))
        return seconds, train


def main() -> None:
    parser = benchmark_parser(__doc__, RESULTS_DIR / "benchmark_sweep.json", "2 tiny runs per engine")
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    runs, n_samples, epochs = (2, 200, 1) if args.smoke else (args.runs, 4000, 6)
    configs = fixed_sweep(runs, n_samples, epochs)
    engines = [("local", 1), ("local", 2)]
    try:
        import ray

        engines += [] if args.smoke else [("ray", 1), ("ray", 2)]  # tests/test_sweep.py covers Ray
    except ImportError:
        ray = None
        print("Ray is not installed (pip install -e '.[cluster]'): local backend only")
    records = []
    for backend, workers in engines:
        if backend == "ray":
            start = time.perf_counter()
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            ray.get(ray.remote(lambda: None).remote())  # the instance is up: start-up, not counted
            startup = time.perf_counter() - start
        serial = backend == "local" and workers == 1  # every thread, as torch does unasked
        seconds, train = timed(configs, backend=backend, workers=workers, threads=cores() if serial else None)
        if backend == "ray":
            ray.shutdown()
        records.append(
            {
                "backend": backend,
                "workers": workers,
                "runs": runs,
                "seconds": seconds,
                "runs_per_minute": 60 * runs / seconds,
                "train_seconds_sum": train,
                **({"ray_startup_seconds": startup} if backend == "ray" else {}),
            }
        )
        print(records[-1], flush=True)
    config = {"runs": runs, "n_samples": n_samples, "epochs": epochs, "cores": default_workers()}
    write_json(args.output, {"config": config, "environment": environment(), "records": records})


if __name__ == "__main__":
    main()
