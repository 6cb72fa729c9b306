"""Shared fixtures: a private cache folder, the built book, and MultiBench-format fixture files."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from intense.data.files import data_root
from intense.threads import use_threads

# `make test` runs one pytest-xdist worker per core: each is one of several processes sharing
# the cores, and so are the notebook kernels, benchmark scripts and Ray workers it starts
use_threads(workers=int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1)), children=True)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Preprocessed-data caches go to a temporary folder, not ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("INTENSE_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The book built once per test session, strictly (warnings are errors), in results mode
    (it shows the committed results): the folder of its HTML pages."""
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run(
        [str(jupyter_book), "build", str(root), "--path-output", str(out), "--all", "-W", "--keep-going"],
        capture_output=True,
        text=True,
        env={**os.environ, "INTENSE_MODE": "results"},
        timeout=1800,
    )
    assert build.returncode == 0, build.stdout[-5000:] + build.stderr[-5000:]
    return out / "_build" / "html"


def genuine_data() -> Path | None:
    """The genuine data's folder where it holds them: the data root, $INTENSE_DATA else
    ../shared/data beside the repository (`intense.data.files.data_root`)."""
    root = data_root()
    return root if (root / "enrico").exists() else None


@pytest.fixture
def shared_data():
    root = genuine_data()
    if root is None:
        pytest.skip(f"the genuine data are not at {data_root()} (set INTENSE_DATA to where they are)")
    return root


def affect_split(n, steps=6, dims=(5, 4, 7), task="regression", seed=0):
    """One split of a MultiBench affect pickle: front-padded sequences, labels (n, 1, 1)."""
    rng = np.random.default_rng(seed)
    split = {}
    lengths = rng.integers(1, steps + 1, size=n)
    for key, dim in zip(("vision", "audio", "text"), dims):
        x = rng.normal(size=(n, steps, dim)).astype(np.float32)
        for i, length in enumerate(lengths):
            x[i, : steps - length] = 0.0  # zero padding at the front
        split[key] = x
    labels = rng.uniform(-3, 3, size=(n, 1, 1)) if task == "regression" else rng.integers(0, 2, size=(n, 1))
    split["labels"] = labels.astype(np.float32)
    split["id"] = np.array([f"clip{i}" for i in range(n)])
    return split


def write_affect(path, task="regression", sizes=(40, 12, 12), **kwargs):
    content = {
        name: affect_split(n, task=task, seed=i, **kwargs)
        for i, (name, n) in enumerate(zip(("train", "valid", "test"), sizes))
    }
    path.write_bytes(pickle.dumps(content))
    return content
