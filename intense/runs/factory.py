"""What a run's configuration builds, by name: its data splits, its encoders and its model.

`MODELS` and `ENCODERS` are the one registry of names: `RunConfig` and the command line take
their choices from them, the checkpoint loader rebuilds a model through `build_model`, and the
book reads each method's display name and whether it is a column of the real-data tables
(`intense.repro.style`, `intense.repro.suites`). A new method is one entry in `MODELS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import torch
from torch import nn

from ..baselines import MRO, TFN, LFConcat, MulT, MultiRoute
from ..baselines.mult import as_sequence, attention_dropout_for
from ..data.base import MultimodalData, Splits
from ..data.registry import default_encoder, load_splits
from ..encoders import GRUEncoder, LeNet, MLPEncoder, SequenceCNN, TransformerEncoder
from ..model_base import MultimodalModel
from ..models import MNL, InTense

# a run's configuration, `intense.runs.config.RunConfig`: not imported here, since config.py takes
# its choices of models and encoders from this module
RunConfig = Any

__all__ = ["Method", "Encoder", "MODELS", "ENCODERS", "make_encoder", "build_model", "reads", "run_splits"]


@dataclass(frozen=True)
class Encoder:
    """One modality encoder by name: `build(config, shape)` for one sample's `shape`."""

    build: Callable[[RunConfig, tuple[int, ...]], nn.Module]
    display: str  # the name the book shows
    reads: tuple[int, str] | None = None  # the sample's rank it needs, and what that is


def _lenet(config: RunConfig, shape: tuple[int, ...]) -> nn.Module:
    stride = 2 if min(shape[1:]) >= 64 else 1  # strided first layer on large inputs
    layers = max(1, int(math.log2(min(shape[1:]) // stride)) - 2)  # pool down to 4-7 pixels
    return LeNet(shape[0], config.hidden_dim, channels=config.encoder_channels, layers=layers, stride=stride)


ENCODERS: dict[str, Encoder] = {
    "sequence-cnn": Encoder(
        lambda c, shape: SequenceCNN(c.hidden_dim, alphabet=shape[0], channels=c.encoder_channels), "sequence CNN"
    ),
    "mlp": Encoder(lambda c, shape: MLPEncoder(math.prod(shape), c.hidden_dim, hidden=(c.encoder_channels,)), "MLP"),
    "lenet": Encoder(_lenet, "LeNet-style CNN", (3, "images (channels, height, width)")),
    "gru": Encoder(
        lambda c, shape: GRUEncoder(shape[1], c.hidden_dim, hidden=c.encoder_channels),
        "GRU with BatchNorm",
        (2, "sequences (steps, features)"),
    ),
    "transformer": Encoder(
        lambda c, shape: TransformerEncoder(shape[1], c.hidden_dim), "Transformer", (2, "sequences (steps, features)")
    ),
}


def make_encoder(config: RunConfig, example: torch.Tensor) -> nn.Module:
    """The encoder `config.encoder` (or the data set's default) for inputs shaped like `example`
    (a batch: (B, ...))."""
    kind = default_encoder(config.dataset) if config.encoder == "default" else config.encoder
    encoder, shape = ENCODERS[kind], tuple(example.shape[1:])
    if encoder.reads is not None and len(shape) != encoder.reads[0]:
        raise ValueError(f"the {kind} encoder reads {encoder.reads[1]}; this modality is shaped {shape}")
    return encoder.build(config, shape)


# --- the models ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One model by name: `build(config, data)` for the training split `data`."""

    build: Callable[[RunConfig, MultimodalData], MultimodalModel]
    display: str  # the name the book shows
    compared: bool = False  # a method of the real-data tables (Table 1 / 2)
    encoder_norm: bool = False  # reads `RunConfig.encoder_norm` (LF-Concat, TF Network, MRO, MultiRoute)


def _encoders(config: RunConfig, data: MultimodalData) -> list[nn.Module]:
    return [make_encoder(config, x) for x in data.modalities]


def _fusion(config: RunConfig, data: MultimodalData) -> dict[str, Any]:
    """What MNL and InTense share: eq. 3's weight (None: Lambda / n, set by the trainer), eq. 4's
    p, the modalities' names and the fusion layer's init."""
    return {
        "p": config.p,
        "reg_param": config.reg_param,
        "modality_names": data.modality_names,
        "fusion_init": config.fusion_init,
    }


def _mnl(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    return MNL(_encoders(config, data), data.output_dim, **_fusion(config, data))


def _intense(interaction_norm: str, config: RunConfig, data: MultimodalData) -> MultimodalModel:
    return InTense(
        _encoders(config, data),
        data.output_dim,
        tf_latent_dim=config.tf_latent_dim,
        interactions=config.interactions,
        max_order=config.max_order,
        interaction_norm=interaction_norm,
        **_fusion(config, data),
    )


def _mult(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    dims = [as_sequence(x).shape[-1] for x in data.modalities]  # MulT reads the raw sequences
    return MulT(dims, data.output_dim, attention_dropout=attention_dropout_for(data.modality_names))


# the baselines' encoder outputs: VBN, as MNL and InTense have, or none, as published
def _lf_concat(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    return LFConcat(_encoders(config, data), data.output_dim, encoder_norm=config.encoder_norm)


def _tfn(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    encoders = _encoders(config, data)
    return TFN(encoders, data.output_dim, latent_dim=config.tf_latent_dim, encoder_norm=config.encoder_norm)


def _mro(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    encoders = _encoders(config, data)
    return MRO(encoders, data.output_dim, max_order=config.max_order, encoder_norm=config.encoder_norm)


def _multiroute(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    return MultiRoute(
        _encoders(config, data),
        data.output_dim,
        max_order=config.max_order,
        latent_dim=config.tf_latent_dim,
        modality_names=data.modality_names,
        encoder_norm=config.encoder_norm,
    )


# in the order of the real-data tables' columns
MODELS: dict[str, Method] = {
    "lf-concat": Method(_lf_concat, "LF-Concat", compared=True, encoder_norm=True),
    "tfn": Method(_tfn, "TF Network", compared=True, encoder_norm=True),
    "mult": Method(_mult, "MulT", compared=True),
    "mro": Method(_mro, "MRO", compared=True, encoder_norm=True),
    "multiroute": Method(_multiroute, "MultiRoute", compared=True, encoder_norm=True),
    "mnl": Method(_mnl, "MNL", compared=True),
    "intense": Method(partial(_intense, "iterbn"), "InTense", compared=True),
    # Sec. 3.3's ablations: InTense with another normalisation of its interaction blocks
    "intense-naive": Method(partial(_intense, "naive"), "InTense, all-factor VBN"),
    "intense-naive-pairwise": Method(partial(_intense, "naive-pairwise"), "InTense, iterated pairwise VBN"),
    "unimodal": Method(_mnl, "unimodal"),  # MNL on the one modality of `RunConfig.modality`
}


def reads(model: str, setting: str) -> bool:
    """Whether `model` reads `setting` (a `RunConfig` field) when it is built. Only
    `encoder_norm` is told apart: LF-Concat, TF Network, MRO and MultiRoute read it; a model that
    does not is never stale in it. Every other setting counts as read by every model."""
    return setting != "encoder_norm" or MODELS[model].encoder_norm


def build_model(config: RunConfig, data: MultimodalData) -> MultimodalModel:
    """The model `config.model` for the training split `data` (its modalities' shapes and its task)."""
    return MODELS[config.model].build(config, data)


def run_splits(config: RunConfig) -> Splits:
    """The data splits a run of `config` trains and evaluates on (a unimodal model's: one
    modality; at most `max_samples` of each split, evenly spaced over it; without class weights
    where the run does not balance classes)."""
    splits = load_splits(config)
    if config.class_balance == "none":
        splits = {k: replace(v, class_weights=None) for k, v in splits.items()}
    if config.model == "unimodal":
        n = len(splits["train"].modalities)
        if not 1 <= config.modality <= n:
            raise ValueError(f"--modality must lie in 1..{n}, got {config.modality}")
        splits = {k: v.select([config.modality]) for k, v in splits.items()}
    if config.max_samples is not None:
        splits = {
            k: v.subset(torch.linspace(0, len(v) - 1, min(len(v), config.max_samples)).round().long())
            for k, v in splits.items()
        }
    return splits
