"""Run records and result files: small JSON with their configuration, versions and provenance.

Two kinds of file share one writer and one provenance block ("environment"):
- a run record (RUN.json, one trained model): "config" (with "environment" inside),
  "test", "val", "relevance", "best_epoch", "history", ...;
- a results file (a table of many small measurements): "config", "environment", "records".

Provenance names the git commit of the code and whether the working tree was clean; when it
was not, a hash of the uncommitted diff (`git diff HEAD`) is recorded, so that a result made
from uncommitted code can be told apart from one made from a commit.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy
import torch

__all__ = ["environment", "git_state", "write_json", "read_json"]

REPO = Path(__file__).resolve().parents[2]


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def git_state() -> dict[str, Any]:
    """{"git_commit": sha, "git_dirty": bool, "git_diff_sha256": hash or None}, all None when
    git cannot tell (no repository, git missing or failing).

    Dirty means uncommitted changes to tracked files (results/ aside), or untracked files in the
    library, experiments, benchmarks or notebooks; the hash covers the diff and the untracked
    files' contents."""
    unknown = {"git_commit": None, "git_dirty": None, "git_diff_sha256": None}
    commit = _git("rev-parse", "HEAD")
    diff = _git("diff", "HEAD", "--", ".", ":(exclude)results")
    untracked = _git("ls-files", "--others", "--exclude-standard", "intense", "experiments", "notebooks", "benchmarks")
    if commit is None or diff is None or untracked is None:
        return unknown
    digest = hashlib.sha256(diff.encode())
    for name in sorted(untracked.split()):
        digest.update(name.encode() + b"\0" + (REPO / name).read_bytes())
    dirty = bool(diff.strip() or untracked.strip())
    return {"git_commit": commit.strip(), "git_dirty": dirty, "git_diff_sha256": digest.hexdigest() if dirty else None}


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Versions, machine facts and code provenance, recorded beside every result."""
    return {
        "intense": _version("intense"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "processor": platform.machine(),
        "torch_threads": torch.get_num_threads(),
        **git_state(),
    }


def write_json(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write indented JSON atomically: a killed run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(path)
    return path


def read_json(path: str | Path, what: str = "file", how_to_make: str = "") -> dict[str, Any]:
    """Read a JSON file, naming the command that regenerates it when it is missing or corrupt."""
    path = Path(path)
    hint = f" Regenerate it with: {how_to_make}" if how_to_make else ""
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} is missing.{hint}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} {path} is not valid JSON ({err}).{hint}") from err
