"""Trained models on disk: `--save-model PATH` writes one, `load_checkpoint` rebuilds it.

A checkpoint holds the model's state dict, the complete `RunConfig` that built it and the
package version. Loading rebuilds the model from that configuration (reading the data set for
its shapes) and fails with a clear message when the file is not a checkpoint, was written by a
configuration this version does not know, or does not fit the model its configuration builds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from ..data.base import Splits
from ..model_base import MultimodalModel
from .config import RunConfig
from .record import environment

__all__ = ["save_checkpoint", "load_checkpoint", "FORMAT"]

FORMAT = "intense-checkpoint-1"


def save_checkpoint(path: str | Path, model: MultimodalModel, config: RunConfig) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "config": asdict(config),
        "environment": {k: v if v is None or isinstance(v, bool) else str(v) for k, v in environment().items()},
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # a half-written file never has the final name
    return path


EXPECTED = "audit reads the model file that `python -m intense train ... --save-model PATH` writes"


def _check_kind(path: Path) -> None:
    """A clear error for a file that is not a checkpoint at all: a run record, other JSON, or
    anything that is not the zip archive torch.save writes."""
    with path.open("rb") as file:
        head = file.read(4)
    if head == b"PK\x03\x04":
        return
    try:
        content = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path} is not a checkpoint (not the zip archive torch.save writes); {EXPECTED}") from None
    record = isinstance(content, dict) and {"config", "test"} <= content.keys()
    what = "a run record (what train --output writes)" if record else "a JSON file"
    raise ValueError(f"{path} is {what}, not a checkpoint; {EXPECTED}")


def load_checkpoint(path: str | Path, data_root: str | None = None) -> tuple[MultimodalModel, RunConfig, Splits]:
    """The model saved at `path` (in eval mode), its configuration and its data splits."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}; write one with: python -m intense train ... --save-model {path}"
        )
    _check_kind(path)
    try:
        payload: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a corrupt or foreign file: torch raises many kinds
        said = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(
            f"{path} is a zip archive but not a readable checkpoint (truncated or corrupt?); {EXPECTED}. "
            f"PyTorch said: {said}"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not an InTense checkpoint (format {FORMAT}); train again with --save-model")
    stored = dict(payload["config"])
    known = {f.name for f in fields(RunConfig)}
    unknown = set(stored) - known
    if unknown:
        raise ValueError(
            f"{path} was written with settings this version does not know ({sorted(unknown)}); "
            "use the version that wrote it or train again"
        )
    if data_root is not None:
        stored["data_root"] = data_root
    config = RunConfig(**{**stored, "progress": False, "mlflow": False})
    from .experiment import build_model, run_splits  # experiment.py saves checkpoints with this module

    splits = run_splits(config)
    model = build_model(config, splits["train"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"{path} does not fit the model its configuration builds: {err}") from err
    return model.eval(), config, splits
