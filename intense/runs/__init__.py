"""Runs: one configuration for every setting, one run (data -> model -> fit -> record),
resumable sweeps, and the command line (`python -m intense`)."""

from .config import DATASET_SETTINGS, ENCODERS, MODELS, RunConfig, with_overrides
from .experiment import run, run_file_name
from .factory import build_model, make_encoder
from .sweep import sweep

__all__ = [
    "RunConfig",
    "DATASET_SETTINGS",
    "MODELS",
    "ENCODERS",
    "with_overrides",
    "build_model",
    "make_encoder",
    "run",
    "run_file_name",
    "sweep",
]
