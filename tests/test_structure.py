"""The library and the reproduction are apart; every setting has one source."""

import subprocess
import sys

import pytest
import torch

from intense import MNL, InTense, MLPEncoder
from intense.baselines import MultiRoute
from intense.runs.cli import _parser
from intense.runs.config import DATASET_SETTINGS, RunConfig, generic_default
from intense.train import TrainConfig


def test_importing_the_library_needs_neither_pandas_nor_plotting():
    code = (
        "import sys, intense, intense.runs, intense.baselines, intense.data.registry\n"
        "heavy = {'pandas', 'seaborn', 'matplotlib'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_data_sets_settings_come_from_one_table():
    config = RunConfig.for_dataset("synthgene")
    assert (config.lr, config.encoder_channels) == (1e-2, 64)  # the synthetic chapters' settings
    assert config.epochs == generic_default("epochs") == TrainConfig.epochs  # untouched: the trainer's default
    for dataset, settings in DATASET_SETTINGS.items():
        config = RunConfig.for_dataset(dataset)
        assert all(getattr(config, k) == v for k, v in settings.items()), dataset
    assert RunConfig.for_dataset("enrico", lr=1e-4).lr == 1e-4  # changes win


def test_choosing_interactions_replaces_the_data_sets_max_order():
    assert RunConfig.for_dataset("mfeat").max_order == 2
    config = RunConfig.for_dataset("mfeat", interactions=["12"])
    assert config.interactions == ["12"] and config.max_order is None


def test_the_cli_without_flags_trains_with_the_data_sets_settings():
    from intense.runs.cli import _config

    args = _parser().parse_args(["train", "--dataset", "synthgene", "--output", "x.json"])
    assert _config(args, "synthgene") == RunConfig.for_dataset("synthgene")
    args = _parser().parse_args(["train", "--dataset", "enrico", "--lr", "0.1", "--output", "x.json"])
    assert _config(args, "enrico") == RunConfig.for_dataset("enrico", lr=0.1)


def test_cli_help_lists_each_data_sets_settings():
    text = subprocess.run(
        [sys.executable, "-m", "intense", "train", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "settings that differ from the generic defaults, per data set" in text
    assert "synthgene" in text and "--lr 0.01 --encoder-channels 64" in text


def test_a_run_reads_its_interactions_with_the_librarys_parser():
    # the spellings themselves are specified in tests/test_blocks.py
    with pytest.raises(ValueError, match="cannot read interaction"):
        RunConfig(interactions=["1a"])


def test_mnl_is_intense_without_interaction_blocks():
    encoders = [MLPEncoder(3, 4), MLPEncoder(5, 4)]
    torch.manual_seed(0)
    mnl = MNL(encoders, 2)
    assert isinstance(mnl, InTense) and mnl.interactions == [] and list(mnl.relevance()) == ["1", "2"]
    with pytest.raises(ValueError, match="no interaction blocks"):
        MNL(encoders, 2, max_order=2)


def test_intense_and_multiroute_name_blocks_alike():
    encoders = [MLPEncoder(3, 4) for _ in range(3)]
    names = ["t", "a", "v"]
    intense = InTense(encoders, 2, modality_names=names)
    routing = MultiRoute([MLPEncoder(3, 4) for _ in range(3)], 2, modality_names=names)
    assert list(intense.relevance()) == routing.feature_names == ["t", "a", "v", "txa", "txv", "axv", "txaxv"]
