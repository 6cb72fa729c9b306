"""The scoreboard as an earlier commit computed it, from that commit's code and records:
`python experiments/verdicts_at_commit.py bdce965` writes results/verdicts-bdce965.json (one
record per row: claim, the paper's column, chapter, outcome, estimate, interval, seeds and the
evidence in that commit's words), whose provenance names the commit. The registry
(`intense.repro.registry`) shows where a claim's verdict changed since.

The commit is exported with `git archive` into a temporary folder (a clean tree, its own
results/) and its `intense.repro.claims.scoreboard()` runs there in a subprocess with this
environment's packages.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from intense.repro.store import RESULTS_DIR, save_results

ROOT = Path(__file__).resolve().parents[1]

# run inside the exported commit: its scoreboard's rows as JSON on stdout
ROWS = """
import json, math
from intense.repro.claims import scoreboard
rows = []
for row in scoreboard():
    v = row.verdict
    number = lambda x: None if math.isnan(x) else (x if math.isfinite(x) else str(x))
    rows.append({"claim": row.claim, "paper": row.paper, "chapter": row.chapter, "outcome": v.outcome,
                 "estimate": number(v.estimate), "interval": [number(x) for x in v.interval], "seeds": v.seeds,
                 "not_learned": v.not_learned, "evidence": v.details(rule=False), "rule": v.rule})
print(json.dumps(rows))
"""


def rows_at(commit: str) -> tuple[str, list[dict]]:
    """The full commit id and its scoreboard's rows."""
    full = subprocess.run(["git", "rev-parse", commit], cwd=ROOT, check=True, capture_output=True, text=True)
    with tempfile.TemporaryDirectory(prefix="intense-verdicts-") as tree:
        archive = subprocess.run(["git", "archive", full.stdout.strip()], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        done = subprocess.run(
            [sys.executable, "-c", ROWS],
            cwd=tree,
            env={"PYTHONPATH": tree, "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            text=True,
        )
    return full.stdout.strip(), json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit")
    parser.add_argument("--output", type=Path, help="default: results/verdicts-COMMIT.json")
    args = parser.parse_args()
    commit, rows = rows_at(args.commit)
    output = args.output or RESULTS_DIR / f"verdicts-{args.commit}.json"
    config = {"commit": commit, "command": f"python experiments/verdicts_at_commit.py {args.commit}"}
    save_results(output, config, rows)
    print(f"{len(rows)} rows of the scoreboard at {commit[:12]} written to {output}")


if __name__ == "__main__":
    main()
