"""Where real data live (the data root) and a cache for their preprocessed tensors.

The data root is, in order: an explicit argument (`--data-root`), the `INTENSE_DATA`
environment variable, or `../shared/data` beside the repository. Data are read from there
at run time and never copied into the repository. Preprocessed tensors (resized images,
spectrograms) are cached under `INTENSE_CACHE` (default `~/.cache/intense`), keyed by the
source files' sizes and modification times, so that a changed source is re-read.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

__all__ = ["data_root", "require", "cached", "DEFAULT_DATA_ROOT"]

log = logging.getLogger("intense.data")

DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def data_root(root: str | Path | None = None) -> Path:
    """The folder that holds the data sets (see the module docstring for the order)."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get("INTENSE_DATA"):
        return Path(os.environ["INTENSE_DATA"]).expanduser()
    return DEFAULT_DATA_ROOT


def require(path: Path, what: str, where: str) -> Path:
    """`path` if it exists; otherwise a FileNotFoundError naming it and where to get it."""
    if not path.exists():
        raise FileNotFoundError(
            f"{what} not found: expected {path}. {where} Point --data-root (or INTENSE_DATA) at the "
            "folder that holds it."
        )
    return path


def _fingerprint(sources: Iterable[Path]) -> str:
    digest = hashlib.sha1()
    for path in sorted(sources):
        stat = path.stat()
        digest.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cached(name: str, sources: Iterable[Path], build: Callable[[], dict]) -> dict:
    """`build()` (a dict of tensors and plain values), computed once per version of `sources`."""
    folder = Path(os.environ.get("INTENSE_CACHE", Path.home() / ".cache" / "intense"))
    path = folder / f"{name}-{_fingerprint(sources)}.pt"
    if path.exists():
        try:
            return torch.load(path, weights_only=True)
        except Exception as err:  # a broken cache file is rebuilt, never trusted
            log.warning("ignoring unreadable cache file %s (%s); rebuilding", path, err)
    value = build()
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")  # one per process: two may build at once
    torch.save(value, partial)
    partial.replace(path)
    return value
