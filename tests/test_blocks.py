"""Blocks (intense/blocks.py): modality names, how an interaction is written, which subsets
a model fuses, and the error a user gets for each way of writing one wrong."""

import pytest

from intense.blocks import name_modalities, parse_interaction, resolve_interactions, subsets_up_to


def test_modalities_are_named_one_to_n_by_default_or_by_n_distinct_given_names():
    assert name_modalities(3) == ["1", "2", "3"]
    assert name_modalities(2, ["t", "a"]) == ["t", "a"]
    assert name_modalities(2, [7, 8]) == ["7", "8"]  # names are strings


@pytest.mark.parametrize(
    ("n", "names", "message"),
    [
        (0, None, "at least one modality is needed"),
        (2, ["t"], r"need 2 distinct modality names, got \['t'\]"),  # too few
        (2, ["t", "a", "v"], "need 2 distinct"),  # too many
        (2, ["t", "t"], r"need 2 distinct modality names, got \['t', 't'\]"),  # the right count, repeated
    ],
)
def test_a_wrong_count_or_a_repeated_name_is_refused_with_the_names_given(n, names, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        name_modalities(n, names)


@pytest.mark.parametrize(
    ("spec", "read"),
    [
        ("12", (1, 2)),  # without "x": digit by digit
        ("123", (1, 2, 3)),
        ("1x10", (1, 10)),  # with "x": numbers between the x's
        ("10x2x3", (10, 2, 3)),
        ((1, 3), (1, 3)),  # tuples pass through, checked later against the model
        (("t", "a"), ("t", "a")),
        ([2, 1], (2, 1)),
    ],
)
def test_an_interaction_is_read_digit_by_digit_or_between_xs(spec, read):
    assert parse_interaction(spec) == read


@pytest.mark.parametrize("spec", ["", "1a", "x", "1x", "1xa", "1X2", "t"])
def test_an_unreadable_interaction_says_how_to_write_one(spec):
    with pytest.raises(ValueError, match=rf"cannot read interaction '{spec}': write e.g. 12, 123 or 1x10"):
        parse_interaction(spec)


def test_subsets_come_by_order_then_lexicographically_from_min_order_which_defaults_to_one():
    assert subsets_up_to(3, 2) == [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]
    assert subsets_up_to(3, 3, min_order=2) == [(0, 1), (0, 2), (1, 2), (0, 1, 2)]
    assert subsets_up_to(3, 1) == [(0,), (1,), (2,)]  # the lowest max_order
    assert subsets_up_to(1, 1) == [(0,)]


@pytest.mark.parametrize("max_order", [0, 4, -1])
def test_max_order_outside_one_to_n_is_refused(max_order):
    with pytest.raises(ValueError, match=rf"max_order must lie in 1..3 \(the number of modalities\), got {max_order}"):
        subsets_up_to(3, max_order)


def test_by_default_a_model_fuses_every_interaction_up_to_max_order():
    names = ["1", "2", "3"]
    assert resolve_interactions(names) == [(0, 1), (0, 2), (1, 2), (0, 1, 2)]
    assert resolve_interactions(names, max_order=2) == [(0, 1), (0, 2), (1, 2)]
    assert resolve_interactions(names, max_order=1) == []  # modalities only
    assert resolve_interactions(names, []) == []


def test_interactions_are_sorted_zero_based_positions_from_positions_or_names():
    names = ["t", "a", "v"]
    assert resolve_interactions(names, ["21", (3, 1), ("v", "a"), "1x2x3"]) == [(0, 1), (0, 2), (1, 2), (0, 1, 2)]


@pytest.mark.parametrize(
    ("interactions", "max_order", "message"),
    [
        (["12"], 2, "give either an explicit list of interactions or max_order, not both"),
        ([("t", "x")], None, r"unknown modality 'x' in interaction \('t', 'x'\): use 1-based positions 1..3"),
        (["14"], None, r"unknown modality 4 in interaction '14'"),
        (["02"], None, "unknown modality 0"),  # positions are 1-based
        ([("1", "2")], None, "unknown modality '1'"),  # a digit string in a tuple is a name, not a position
        (["1"], None, "interaction '1' needs two or more distinct modalities"),  # one modality is no interaction
        (["11"], None, "interaction '11' needs two or more distinct modalities"),
        ([(1, 2, 2)], None, r"interaction \(1, 2, 2\) needs two or more distinct"),  # a repeated position
        (["12", "21"], None, "interaction '21' is listed twice"),
    ],
)
def test_a_bad_interaction_list_is_refused_naming_the_interaction(interactions, max_order, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        resolve_interactions(["t", "a", "v"], interactions, max_order)
