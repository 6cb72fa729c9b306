"""The command line every benchmark script shares: --smoke and --output."""

from __future__ import annotations

import argparse
from pathlib import Path


def benchmark_parser(doc: str, default_output: Path, smoke_help: str = "tiny sizes, for CI") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help=smoke_help)
    parser.add_argument("--output", type=Path, default=default_output)
    return parser
