"""The in-memory data set and its splits (`intense.data.base`): what every experiment's train,
validation and test parts rest on."""

import pytest
import torch

from intense.data.base import MultimodalData, balanced_class_weights, random_splits, split_indices


def toy(n=8, **kwargs):
    """Row i of every modality holds i, so a row's origin can be read off any part."""
    rows = torch.arange(n, dtype=torch.float32)[:, None]
    modalities = [rows.repeat(1, 2), rows.repeat(1, 3), rows.repeat(1, 1)]
    return MultimodalData("toy", modalities, torch.arange(n) % 2, ["a", "b", "c"], "binary", **kwargs)


@pytest.mark.parametrize(
    "fractions",
    [
        (0.5, 0.5),  # two parts, summing to 1
        (0.5, 0.5, 0.0),  # an empty part, summing to 1
        (0.6, 0.5, -0.1),  # a negative part, summing to 1
        (0.5, 0.3, 0.3),  # three positive parts summing to 1.1
        (0.25, 0.25, 0.25),  # three positive parts summing to 0.75
        (0.5, 0.25, 0.125, 0.125),  # four parts, summing to 1
    ],
)
def test_split_fractions_must_be_three_positive_numbers_summing_to_one(fractions):
    message = f"need three positive split fractions summing to 1, got {list(fractions)}"
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        split_indices(20, fractions)


def test_random_splits_cut_the_data_set_at_split_indices_keeping_rows_whole():
    data = toy(16)
    parts = random_splits(data, (0.5, 0.25, 0.25), seed=2)
    indices = split_indices(16, (0.5, 0.25, 0.25), seed=2)
    assert list(parts) == ["train", "val", "test"]
    for name, part in parts.items():
        assert part.labels.tolist() == data.labels[indices[name]].tolist()
        for x in part.modalities:
            assert x[:, 0].tolist() == indices[name].float().tolist()  # every modality's same rows
        assert part.modality_names == data.modality_names and part.task == data.task


def test_random_splits_default_to_three_quarters_an_eighth_and_an_eighth():
    parts = random_splits(toy(16))
    assert [len(p) for p in parts.values()] == [12, 2, 2]
    assert [len(v) for v in split_indices(16).values()] == [12, 2, 2]
    seeded = split_indices(16, seed=0)  # and to seed 0, whatever the global generator
    torch.manual_seed(5)
    assert all(torch.equal(split_indices(16)[k], seeded[k]) for k in seeded)
    assert all(torch.equal(p.labels, toy(16).labels[seeded[k]]) for k, p in random_splits(toy(16)).items())


def test_a_data_set_needs_one_label_per_sample_and_one_name_per_modality():
    rows = torch.zeros(4, 2)
    with pytest.raises(ValueError, match=r"toy: modalities have \[4, 3\] samples but there are 4 labels"):
        MultimodalData("toy", [rows, rows[:3]], torch.zeros(4), ["a", "b"], "binary")
    with pytest.raises(ValueError, match="toy: 2 modalities, 1 names"):
        MultimodalData("toy", [rows, rows], torch.zeros(4), ["a"], "binary")


def test_length_is_the_number_of_samples_and_outputs_follow_the_task():
    assert len(toy(5)) == 5
    assert toy().output_dim == 1  # binary: one logit
    data = MultimodalData("m", [torch.zeros(3, 2)], torch.zeros(3), ["a"], "multiclass", n_classes=4)
    assert data.output_dim == 4
    data = MultimodalData("r", [torch.zeros(3, 2)], torch.zeros(3), ["a"], "regression", n_classes=4)
    assert data.output_dim == 1


def test_select_keeps_the_modalities_at_the_given_1_based_positions_in_that_order():
    data = toy(4)
    chosen = data.select([3, 1])
    assert chosen.modality_names == ["c", "a"]
    assert [x.shape[1] for x in chosen.modalities] == [1, 2]
    assert chosen.labels is data.labels


def test_moving_a_data_set_moves_every_tensor_and_its_class_weights():
    weights = torch.tensor([1.0, 3.0])
    moved = toy(4, class_weights=weights).to("meta")
    assert all(x.device.type == "meta" for x in moved.modalities)
    assert moved.labels.device.type == "meta" and moved.class_weights.device.type == "meta"
    assert toy(4).to("meta").class_weights is None


def test_balanced_class_weights_give_every_present_class_the_same_total_weight():
    labels = torch.tensor([0, 0, 0, 1])
    weights = balanced_class_weights(labels, 3)
    # n / (n_classes * count_c): 4 / (3 * 3), 4 / (3 * 1); class 2 is absent and weighs nothing
    torch.testing.assert_close(weights, torch.tensor([4 / 9, 4 / 3, 0.0]))
    totals = torch.bincount(labels, weights=weights[labels], minlength=3)
    torch.testing.assert_close(totals, torch.tensor([4 / 3, 4 / 3, 0.0]))
