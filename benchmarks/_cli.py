"""The command line every benchmark script shares: --smoke and --output."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def benchmark_parser(doc: str, default_output: Path, smoke_help: str = "tiny sizes, for CI") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help=smoke_help)
    parser.add_argument("--output", type=Path, default=default_output)
    return parser


def machine_load(start: float) -> dict[str, float]:
    """The machine's one-minute load average when the benchmark started (`start`, from
    `os.getloadavg()[0]`) and now: other work on the same cores shows in it (a one-thread
    benchmark alone keeps it near 1)."""
    return {"start": start, "end": os.getloadavg()[0]}
