"""MultiBench affect pickles (MOSI, MOSEI, UR-FUNNY, MUStARD): format, fix-ups, safety."""

import logging
import pickle

import numpy as np
import pytest
import torch
from conftest import write_affect

from intense.data.affect import load_affect
from intense.data.safe_pickle import UnsafePickleError, safe_load


def test_mosi_file_loads_as_regression_with_flattened_labels(tmp_path):
    content = write_affect(tmp_path / "mosi_raw.pkl")
    splits = load_affect("mosi", tmp_path)
    assert {k: len(v) for k, v in splits.items()} == {"train": 40, "val": 12, "test": 12}
    train = splits["train"]
    assert train.task == "regression" and train.modality_names == ["v", "a", "t"]
    assert [tuple(x.shape[1:]) for x in train.modalities] == [(6, 5), (6, 4), (6, 7)]  # read, not assumed
    assert torch.equal(train.labels, torch.from_numpy(content["train"]["labels"][:, 0, 0]))


def test_sarcasm_labels_are_binary(tmp_path):
    write_affect(tmp_path / "sarcasm.pkl", task="binary")
    splits = load_affect("sarcasm", tmp_path)
    assert splits["test"].task == "binary" and set(splits["test"].labels.tolist()) <= {0.0, 1.0}


def test_minus_inf_audio_is_zeroed_and_empty_text_dropped_with_a_log(tmp_path, caplog):
    content = write_affect(tmp_path / "humor.pkl", task="binary")
    content["train"]["audio"][0, -1, 0] = -np.inf
    content["train"]["vision"][1, -1, 2] = np.nan
    content["train"]["text"][3] = 0.0
    (tmp_path / "humor.pkl").write_bytes(pickle.dumps(content))
    with caplog.at_level(logging.WARNING, logger="intense.data"):
        train = load_affect("humor", tmp_path)["train"]
    assert len(train) == 39 and all(torch.isfinite(x).all() for x in train.modalities)
    assert "non-finite" in caplog.text and "text is all zero" in caplog.text


def test_missing_file_names_the_expected_path_and_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"mosei_senti_data\.pkl.*MultiBench"):
        load_affect("mosei", tmp_path)


def test_truncated_pickle_is_a_clear_error(tmp_path):
    write_affect(tmp_path / "mosi_raw.pkl")
    data = (tmp_path / "mosi_raw.pkl").read_bytes()
    (tmp_path / "mosi_raw.pkl").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_affect("mosi", tmp_path)


class Payload:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))  # would create a file if executed


def test_a_code_executing_pickle_is_refused_and_nothing_runs(tmp_path):
    target = tmp_path / "pwned"
    (tmp_path / "mosi_raw.pkl").write_bytes(pickle.dumps({"train": Payload(str(target))}))
    with pytest.raises(UnsafePickleError, match=r"refusing to load io\.open"):
        load_affect("mosi", tmp_path)
    assert not target.exists()


def test_safe_load_reads_numpy_arrays_of_every_protocol(tmp_path):
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": [np.int64(3), "x"]}
    for protocol in (2, 4, 5):
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(pickle.dumps(value, protocol=protocol))
        loaded = safe_load(path)
        assert np.array_equal(loaded["a"], value["a"]) and loaded["b"][0] == 3


def test_missing_key_and_mismatched_lengths_are_named(tmp_path):
    content = write_affect(tmp_path / "mosi_raw.pkl")
    del content["valid"]["audio"]
    (tmp_path / "mosi_raw.pkl").write_bytes(pickle.dumps(content))
    with pytest.raises(ValueError, match="no 'audio' entry"):
        load_affect("mosi", tmp_path)
    content = write_affect(tmp_path / "mosi_raw.pkl")
    content["test"]["vision"] = content["test"]["vision"][:5]
    (tmp_path / "mosi_raw.pkl").write_bytes(pickle.dumps(content))
    with pytest.raises(ValueError, match="different sample counts"):
        load_affect("mosi", tmp_path)


def test_unknown_affect_dataset():
    with pytest.raises(ValueError, match="unknown affect data set"):
        load_affect("iemocap")
