"""Loaders of the genuine data (ENRICO, AV-MNIST rebuilt, UCI mfeat) and MultiBench's
AV-MNIST layout: sizes, splits, documented fix-ups, clear errors."""

import csv
import gzip
import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from intense.data.avmnist import load_avmnist, load_avmnist_rebuilt, pca_degrade, read_idx, spectrogram
from intense.data.enrico import MULTIBENCH_IGNORED, load_enrico, multibench_split
from intense.data.files import cached
from intense.data.mfeat import MFEAT_VIEWS, load_mfeat
from intense.data.registry import load_splits
from intense.runs.config import RunConfig

# MultiBench's ENRICO screens, written once from its construction (tests/data/README.md)
MULTIBENCH_SPLIT = json.loads((Path(__file__).parent / "data" / "enrico_multibench_split.json").read_text())


def test_multibench_split_cuts_at_65_and_80_percent_after_dropping_the_two_ignored_screens():
    ids = [str(1000 + i) for i in range(200)] + list(MULTIBENCH_IGNORED)
    split = multibench_split(ids)
    assert {k: len(v) for k, v in split.items()} == {"train": 130, "val": 30, "test": 40}
    assert sorted(sum(split.values(), [])) == sorted(ids[:200])  # disjoint, complete, ignored ones out
    assert multibench_split(ids) == split  # a fixed seed (42), not the caller's
    assert multibench_split(ids[::-1]) != split  # it depends on the file order


def test_enrico_is_split_exactly_as_multibench_splits_it(shared_data):
    with (shared_data / "enrico" / "design_topics.csv").open(newline="") as handle:
        rows = [(r["screen_id"], r["topic"]) for r in csv.DictReader(handle)]
    assert multibench_split([i for i, _ in rows]) == {k: MULTIBENCH_SPLIT[k] for k in ("train", "val", "test")}
    splits = load_enrico(shared_data)
    assert {k: len(v) for k, v in splits.items()} == {"train": 947, "val": 219, "test": 292}
    topics = sorted({t for _, t in rows})
    topic_of = dict(rows)
    for name, data in splits.items():  # the same screens in the same order: their topics agree one by one
        assert data.labels.tolist() == [topics.index(topic_of[i]) for i in MULTIBENCH_SPLIT[name]], name
    seeded = load_enrico(shared_data, split="seeded")  # the book's earlier split
    assert {k: len(v) for k, v in seeded.items()} == {"train": 948, "val": 219, "test": 291}


def test_an_unknown_enrico_split_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown ENRICO split 'random'.*multibench"):
        load_enrico(tmp_path, split="random")


def test_enrico_skips_the_two_empty_wireframes_and_splits_65_15_20(shared_data, caplog):
    with caplog.at_level(logging.WARNING, logger="intense.data"):
        splits = load_enrico(shared_data)
    assert "50105" in caplog.text and "50109" in caplog.text
    sizes = {k: len(v) for k, v in splits.items()}
    assert sum(sizes.values()) == 1458
    assert sizes["train"] == int(0.65 * 1458) and sizes["val"] == int(0.80 * 1458) - int(0.65 * 1458)
    train = splits["train"]
    assert train.n_classes == 20 and [tuple(x.shape[1:]) for x in train.modalities] == [(3, 64, 32)] * 2
    # class weights balance the training classes: sum_c w_c n_c = n for every class present
    counts = torch.bincount(train.labels, minlength=20).float()
    assert torch.allclose(train.class_weights * counts, torch.full((20,), len(train) / 20.0))


def _fake_enrico(root, broken: str):
    folder = root / "enrico"
    (folder / "screenshots").mkdir(parents=True)
    (folder / "wireframes").mkdir()
    rows = ["screen_id,topic"] + [f"{i},{t}" for i, t in enumerate(["list", "login", "list", "menu", "login"] * 4)]
    (folder / "design_topics.csv").write_text("\n".join(rows))
    for i in range(20):
        Image.new("RGB", (128, 256), (i, 2 * i, 3 * i)).save(folder / "screenshots" / f"{i}.jpg")
        Image.new("RGB", (128, 256), (3 * i, i, 0)).save(folder / "wireframes" / f"{i}.png")
    (folder / "wireframes" / f"{broken}.png").write_bytes(b"")  # an empty image file
    return root


def test_an_empty_image_file_is_skipped_with_a_warning(tmp_path, caplog):
    root = _fake_enrico(tmp_path, broken="7")
    with caplog.at_level(logging.WARNING, logger="intense.data"):
        splits = load_enrico(root)
    assert sum(len(v) for v in splits.values()) == 19
    assert "skipping screen 7" in caplog.text


def test_enrico_loads_at_the_image_size_a_run_asks_for(tmp_path):
    root = _fake_enrico(tmp_path, broken="7")
    for size, shape in ((None, (3, 64, 32)), ("256x128", (3, 256, 128))):
        splits = load_splits(RunConfig.for_dataset("enrico", data_root=str(root), image_size=size))
        assert [tuple(x.shape[1:]) for x in splits["train"].modalities] == [shape] * 2


def test_real_data_sets_default_to_their_own_split_and_a_wrong_split_is_a_clear_error():
    assert RunConfig.for_dataset("enrico").split == "multibench"
    assert RunConfig.for_dataset("enrico").class_balance == "sampler"  # MultiBench's WeightedRandomSampler
    assert RunConfig.for_dataset("avmnist-rebuilt").split == "shared-speakers"
    with pytest.raises(ValueError, match="'held-out-speaker' does not apply to 'enrico'.*multibench"):
        RunConfig(dataset="enrico", split="held-out-speaker")
    with pytest.raises(ValueError, match="does not apply to 'mfeat'.*leave --split out"):
        RunConfig(dataset="mfeat", split="multibench")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"image_size": "256*128"}, "must be HEIGHTxWIDTH"),
        ({"image_size": "0x64"}, "must be HEIGHTxWIDTH"),
        ({"dataset": "mfeat", "image_size": "64x32"}, "applies to enrico, not to 'mfeat'"),
    ],
)
def test_a_bad_image_size_is_a_clear_error(changes, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**{"dataset": "enrico", **changes})


def test_enrico_missing_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"enrico/design_topics\.csv"):
        load_enrico(tmp_path)


def test_avmnist_rebuilt_shares_speakers_across_splits_as_the_original(shared_data):
    splits = load_avmnist_rebuilt(shared_data)
    assert {k: len(v) for k, v in splits.items()} == {"train": 2084, "val": 416, "test": 500}
    # the audio of every split comes from all six speakers: a test clip's speaker was heard in training
    held_out = load_avmnist_rebuilt(shared_data, split="held-out-speaker")
    theo = {tuple(x.flatten()[:50].tolist()) for x in held_out["test"].modalities[1]}
    in_test = sum(tuple(x.flatten()[:50].tolist()) in theo for x in splits["test"].modalities[1])
    in_train = sum(tuple(x.flatten()[:50].tolist()) in theo for x in splits["train"].modalities[1])
    assert 50 < in_test < 150 and in_train > 250  # theo's 500 of 3000 clips: about 1/6 of each split
    with pytest.raises(ValueError, match="unknown AV-MNIST \\(rebuilt\\) split"):
        load_avmnist_rebuilt(shared_data, split="speakers")


def test_avmnist_rebuilt_pairs_digits_and_holds_out_a_speaker(shared_data):
    splits = load_avmnist_rebuilt(shared_data, split="held-out-speaker", test_speaker="theo")
    assert {k: len(v) for k, v in splits.items()} == {"train": 2084, "val": 416, "test": 500}
    image, audio = splits["train"].modalities
    assert image.shape[1:] == (1, 28, 28) and audio.shape[1:] == (1, 112, 112)
    assert splits["test"].labels.bincount().tolist() == [50] * 10


def test_pca_degradation_keeps_the_components_holding_a_quarter_of_the_energy():
    torch.manual_seed(0)
    x = torch.randn(200, 10) * torch.arange(10, 0, -1).float()  # decreasing variances
    degraded = pca_degrade(x, x, energy=0.25)
    rank = torch.linalg.matrix_rank(degraded - x.mean(0))
    assert rank == 1  # the first component holds 100/385 > 25 % of the variance
    assert torch.allclose(pca_degrade(x, x, energy=1.0), x, atol=1e-4)


def test_spectrogram_is_112_by_112_and_finite_for_short_and_long_clips():
    for n in (1000, 20000):
        s = spectrogram(np.random.default_rng(0).normal(size=n).astype(np.float32) * 0.1)
        assert s.shape == (112, 112) and torch.isfinite(s).all()


def test_truncated_idx_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    header = b"\0\0\x08\x03" + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    path.write_bytes(gzip.compress(header + bytes(100)))
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_multibench_avmnist_layout_takes_the_last_twelfth_of_train_as_validation(tmp_path):
    folder = tmp_path / "avmnist"
    (folder / "image").mkdir(parents=True)
    (folder / "audio").mkdir()
    for split, n in (("train", 24), ("test", 6)):
        np.save(folder / "image" / f"{split}_data.npy", np.random.default_rng(0).integers(0, 255, (n, 784)))
        np.save(folder / "audio" / f"{split}_data.npy", np.zeros((n, 112, 112), np.float32))
        np.save(folder / f"{split}_labels.npy", np.arange(n) % 10)
    splits = load_avmnist(tmp_path)
    assert {k: len(v) for k, v in splits.items()} == {"train": 22, "val": 2, "test": 6}
    assert splits["val"].labels.tolist() == [2, 3] and splits["train"].modalities[0].max() <= 1


def test_mfeat_has_six_standardised_views_of_2000_digits():
    splits = load_mfeat()
    assert sum(len(v) for v in splits.values()) == 2000
    train = splits["train"]
    assert train.modality_names == list(MFEAT_VIEWS)
    assert [x.shape[1] for x in train.modalities] == [76, 216, 64, 240, 47, 6]
    assert all(x.mean(0).abs().max() < 1e-4 for x in train.modalities)


def _cache_in_a_process(source: str) -> list[int]:
    """Build the cache entry once both processes are building it, so that their writes overlap."""
    started = Path(source).parent / "started"

    def build() -> dict:
        with started.open("a") as log:
            log.write("x")
        deadline = time.time() + 60
        while started.read_text() != "xx" and time.time() < deadline:
            time.sleep(0.01)
        return {"x": torch.arange(3), "bulk": torch.zeros(20_000_000)}  # 80 MB: a slow write

    return cached("race", [Path(source)], build)["x"].tolist()


def test_two_processes_building_the_same_cache_entry_both_succeed(tmp_path):
    """Two sweep drivers may build one data set's cache at once: neither may lose the other's file."""
    source = tmp_path / "source.bin"
    source.write_bytes(b"data")
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_cache_in_a_process, [str(source)] * 2))
    assert results == [[0, 1, 2]] * 2
    cache = Path(os.environ["INTENSE_CACHE"])
    assert [p.suffix for p in cache.glob("race-*")] == [".pt"]  # no temporary file left behind
