"""The mutation score of the core: `make mutation` runs mutmut (configured in pyproject.toml's
[tool.mutmut]: the core modules and their fast unit tests), then this script reads mutmut's
results (mutants/*.meta) and writes results/mutation.json.

Per module: the mutants, how many the tests killed, how many survived, timed out, reached no
selected test or were not run; the equivalent mutants (hand-reviewed, listed with their reason
in tests/mutation_equivalents.toml: no test can fail on them, since the program's behaviour is
unchanged); and the score,

    score = (killed + timeouts) / (mutants - equivalent)

(a mutant that hangs the tests is caught: mutmut stops it past its time limit). A mutant that
no selected test reaches counts against the score, as a survivor does. Every survivor is listed
with the line it changes. The record names its commit and whether the tree was clean
(`intense.runs.record.environment`); the book's appendix (book/mutation.md) reads it.

    python experiments/mutation_report.py              # after `mutmut run`
    python experiments/mutation_report.py --check      # fail unless every module reaches --target
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.toml"
OUT = ROOT / "results" / "mutation.json"
TARGET = 0.9  # issue 30: at least 90 % of the non-equivalent mutants killed in every module

# mutmut's statuses (mutmut.stats.status_by_exit_code) -> this record's counts
COUNTS = {
    "killed": "killed",
    "caught by type check": "killed",
    "timeout": "timeouts",
    "survived": "survived",
    "no tests": "no_tests",
    "skipped": "not_run",
    "not checked": "not_run",
    "check was interrupted by user": "not_run",
    "suspicious": "suspicious",
    "segfault": "killed",  # the tests crashed: they did not pass
}


def load_equivalents(path: Path = EQUIVALENTS) -> dict[tuple[str, str], str]:
    """{(function, mutated line): reason} from the hand-reviewed list."""
    table = tomllib.loads(path.read_text())
    return {(e["function"], e["mutated"].strip()): e["reason"] for e in table.get("equivalent", [])}


def equivalence(name: str, change: list[str], equivalents: dict[tuple[str, str], str]) -> str | None:
    """The reason a mutant is equivalent, if the list has its function and its mutated line."""
    function = name.rsplit("__mutmut_", 1)[0]
    mutated = " ".join(line[1:].strip() for line in change if line.startswith("+"))
    return equivalents.get((function, mutated))


def changed_lines(name: str) -> list[str]:
    """The mutant's diff against the source: its removed and added lines."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name).splitlines()
    return [line.rstrip() for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def module_records(equivalents: dict[tuple[str, str], str]) -> dict[str, dict]:
    """One record per mutated module, from mutmut's results in mutants/ (run from ROOT)."""
    from mutmut.configuration import config
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code

    modules = {}
    for pattern in config().only_mutate:
        path = Path(pattern)
        data = SourceFileMutationData(path=path)
        if not data.meta_path.exists():
            modules[str(path)] = {"run": False}
            continue
        data.load()
        statuses = {name: COUNTS[status_by_exit_code[code]] for name, code in sorted(data.exit_code_by_key.items())}
        counts = Counter(statuses.values())
        changes = {n: changed_lines(n) for n, s in statuses.items() if s in ("survived", "no_tests")}
        reasons = {n: equivalence(n, c, equivalents) for n, c in changes.items()}
        equivalent = sorted(n for n, r in reasons.items() if r)
        uncaught = sorted(n for n, r in reasons.items() if not r)
        not_run = counts["not_run"]
        total = len(statuses)
        denominator = total - len(equivalent) - not_run
        caught = counts["killed"] + counts["timeouts"]
        modules[str(path)] = {
            "run": not_run == 0,
            "mutants": total,
            "killed": counts["killed"],
            "survived": counts["survived"],
            "timeouts": counts["timeouts"],
            "no_tests": counts["no_tests"],
            "suspicious": counts["suspicious"],
            "not_run": not_run,
            "equivalent": len(equivalent),
            "score": caught / denominator if denominator else None,
            "survivors": [{"mutant": n, "status": statuses[n], "change": changes[n]} for n in uncaught],
            "equivalents": [{"mutant": n, "reason": reasons[n], "change": changes[n]} for n in equivalent],
        }
    return modules


def summary(modules: dict[str, dict]) -> dict:
    """Totals over the modules that were run completely."""
    done = [m for m in modules.values() if m["run"]]
    keys = ("mutants", "killed", "survived", "timeouts", "no_tests", "suspicious", "equivalent")
    totals = {k: sum(m[k] for m in done) for k in keys}
    denominator = totals["mutants"] - totals["equivalent"]
    totals["score"] = (totals["killed"] + totals["timeouts"]) / denominator if denominator else None
    totals["modules_run"] = [name for name, m in modules.items() if m["run"]]
    totals["modules_not_run"] = [name for name, m in modules.items() if not m["run"]]
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if a module that ran scores below --target")
    parser.add_argument("--target", type=float, default=TARGET)
    args = parser.parse_args(argv)

    import os

    os.chdir(ROOT)  # mutmut reads pyproject.toml and mutants/ from the working directory
    sys.path.insert(0, str(ROOT))  # this tree's intense, whatever the environment has installed
    from intense.runs.record import environment, write_json

    modules = module_records(load_equivalents())
    record = {
        "tool": f"mutmut {_mutmut_version()}",
        "target": args.target,
        "rule": "score = (killed + timeouts) / (mutants - equivalent); a mutant no selected test reaches counts "
        "as a survivor",
        "total": summary(modules),
        "modules": modules,
        "provenance": environment(),
    }
    write_json(args.out, record)
    for name, m in modules.items():
        if "mutants" not in m:
            print(f"{name:32} not run")
            continue
        done = "" if m["run"] else f", partly run: {m['not_run']} not checked"
        score = "-" if m["score"] is None else f"{m['score']:.1%}"
        print(
            f"{name:32} {score} ({m['killed'] + m['timeouts']} caught of {m['mutants']}; "
            f"{len(m['survivors'])} survivors{done})"
        )
    print(f"wrote {args.out}")
    low = [n for n, m in modules.items() if m["run"] and m["score"] is not None and m["score"] < args.target]
    if args.check and low:
        print(f"below {args.target:.0%}: {', '.join(low)}")
        return 1
    return 0


def _mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


if __name__ == "__main__":
    raise SystemExit(main())
