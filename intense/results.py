"""Result records: small JSON files with their configuration, seeds and versions."""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy
import torch

from . import __version__

__all__ = ["environment", "write_json", "save_results", "load_results", "RESULTS_DIR"]

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def environment() -> dict[str, Any]:
    """Versions and machine facts recorded beside every result."""
    return {
        "intense": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "processor": platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "git_commit": _git_commit(),
    }


def write_json(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write indented JSON atomically: a killed run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(path)
    return path


def save_results(path: str | Path, config: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    """Write {"config", "environment", "records"}; returns the path."""
    return write_json(path, {"config": config, "environment": environment(), "records": records})


def load_results(path: str | Path, how_to_make: str = "") -> dict[str, Any]:
    """Read a results file, naming the command that regenerates it when it is missing or corrupt."""
    path = Path(path)
    hint = f" Regenerate it with: {how_to_make}" if how_to_make else ""
    if not path.is_file():
        raise FileNotFoundError(f"results file {path} is missing.{hint}")
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"results file {path} is not valid JSON ({err}).{hint}") from err
    if not {"config", "records"} <= set(payload):
        raise ValueError(f"results file {path} lacks 'config' or 'records'.{hint}")
    return payload
