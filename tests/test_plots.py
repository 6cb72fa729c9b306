"""Figures and tables shared by the chapters (intense/repro/plots.py, analysis.py)."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from intense.repro.analysis import (
    aggregation_means,
    bias_table,
    by_aggregation,
    paired_changes,
    relevance_spread,
    still_improving,
    training_length,
)
from intense.repro.plots import label_points, learning_curves, relevance_bars
from intense.repro.style import block_label, block_labels, dataset_name


def test_labels_of_points_close_together_are_stacked_apart_and_lone_ones_stay_put():
    fig, ax = plt.subplots()
    xs, ys = [1.0, 1.01, 5.0], [0.5, 0.5, 0.2]
    ax.scatter(xs, ys)
    ax.set(xlim=(0, 6), ylim=(0, 1))
    label_points(ax, xs, ys, ["a", "b", "c"], gap=0.05)
    at = {t.get_text(): t.xyann[1] for t in ax.texts}
    assert abs(at["a"] - at["b"]) >= 0.05 - 1e-9  # near each other: stacked
    assert at["c"] == 0.2  # alone: beside its point
    plt.close(fig)


def test_multiroute_scores_per_aggregation_skip_records_made_before_them():
    runs = pd.DataFrame(
        {
            "relevance": [{"1": 0.5, "2": 0.5}] * 3,
            "relevance_by_aggregation": [
                {"paper": {"1": 0.5, "2": 0.5}, "label": {"1": 0.8, "2": 0.2}},
                {"paper": {"1": 0.5, "2": 0.5}, "label": {"1": 0.6, "2": 0.4}},
                None,  # an older record
            ],
        }
    )
    assert list(by_aggregation(runs, "label").relevance) == [{"1": 0.8, "2": 0.2}, {"1": 0.6, "2": 0.4}]
    means = aggregation_means(runs)
    assert list(means.index) == ["paper", "label"] and means.loc["label", "1"] == 0.7
    assert aggregation_means(runs.iloc[2:]).empty
    with pytest.raises(ValueError, match="unknown aggregation 'mean'"):
        by_aggregation(runs, "mean")


def test_learning_curves_draw_one_line_per_method_in_its_colour_and_mark_an_epoch():
    history = [{"epoch": e, "val_loss": 1 / e, "val_accuracy": 1 - 1 / e} for e in range(1, 6)]
    runs = pd.DataFrame([{"model": m, "seed": s, "history": history} for m in ("mnl", "intense") for s in (0, 1)])
    fig = learning_curves(runs, mark=3)
    loss, accuracy = fig.axes
    assert [t.get_text() for t in loss.get_legend().texts] == ["MNL", "InTense"]  # beside the top panel
    assert {line.get_color() for line in loss.lines[:2]} == {"#17becf", "#1f77b4"}
    assert [line.get_xdata()[0] for line in loss.lines if line.get_linestyle() == "--"] == [3]
    plt.close(fig)


def test_relevance_spread_rescales_to_one_and_counts_blocks_by_entropy():
    # p = 2 scores (norm 1, sum above 1): all on one block, or spread evenly over four
    runs = pd.DataFrame(
        {
            "seed": [0, 1],
            "relevance": [
                {"1": 1.0, "2": 0.0, "1x2": 0.0},
                {"1": 0.5, "2": 0.5, "3": 0.5, "1x2": 0.5},
            ],
        }
    )
    spread = relevance_spread(runs)
    assert spread["effective blocks"].tolist() == pytest.approx([1.0, 4.0])
    assert spread["interaction share"].tolist() == pytest.approx([0.0, 0.25])
    assert spread["top interaction"].tolist() == pytest.approx([0.0, 0.25])


def test_blocks_are_written_as_the_prose_writes_them():
    # numbered (synthetic) modalities are M1, M2, ... and their interactions M1×M2
    assert block_labels(["1", "2", "1x2", "1x2"]) == {"1": "M1", "2": "M2", "1x2": "M1\u00d7M2"}
    assert block_label(["1", "2", "3"]) == "M1\u00d7M2\u00d7M3"
    # mfeat's "pix" keeps its x; "pixxzer" is pix with zer
    assert block_labels(["pix", "zer", "pixxzer"])["pixxzer"] == "pix \u00d7 zer"
    assert dataset_name("avmnist-rebuilt") == "AV-MNIST (rebuilt)" and dataset_name("other") == "other"


def test_relevance_bars_show_display_names_of_methods_and_blocks():
    frame = pd.DataFrame(
        {"seed": 0, "method": ["intense"] * 3, "block": ["a", "b", "axb"], "relevance": [0.2, 0.3, 0.5]}
    )
    fig, ax = plt.subplots()
    relevance_bars(frame, hue="method", ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "a \u00d7 b"]
    assert [t.get_text() for t in ax.get_legend().texts] == ["InTense"]
    plt.close(fig)


def test_a_run_is_still_improving_when_it_kept_one_of_its_last_three_epochs():
    runs = pd.DataFrame({"best_epoch": [20, 18, 17, 5], "history": [[{}] * 20] * 4})
    assert still_improving(runs).tolist() == [True, True, False, False]


def test_training_length_puts_training_accuracy_beside_test_and_the_majority_class():
    # a method that does not fit its training data shows it: train near the majority class
    runs = pd.DataFrame(
        {
            "dataset": "enrico",
            "model": ["mnl", "mnl", "lf-concat", "lf-concat"],
            "seed": [0, 1, 0, 1],
            "history": [[{}] * 10] * 4,
            "best_epoch": [4, 10, 5, 5],
            "train_accuracy": [0.9, 0.8, 0.2, 0.3],
            "test_accuracy": [0.4, 0.3, 0.2, 0.1],
            "chance": 0.175,
        }
    )
    table = training_length(runs)
    mnl, concat = table.loc[("ENRICO", "MNL")], table.loc[("ENRICO", "LF-Concat")]
    assert mnl["train accuracy %"] == pytest.approx(85) and mnl["test accuracy %"] == pytest.approx(35)
    assert concat["train accuracy %"] == pytest.approx(25) and concat["majority class %"] == pytest.approx(17.5)
    assert mnl["seeds still improving"] == 1 and concat["seeds"] == 2


def test_a_change_measured_on_too_few_seeds_has_no_interval_rather_than_an_infinite_one():
    """ENRICO's variants run 4 seeds: no sign-flip test on 4 values can reject, so the table
    says there is no interval instead of printing "-inf to +inf"; at 6 seeds there is one."""
    for seeds, bounded in ((4, False), (6, True)):
        before = pd.DataFrame({"mnl": [30.0 + s for s in range(seeds)], "intense": [31.0 + s for s in range(seeds)]})
        after = before.assign(mnl=before.mnl + 1.0, intense=before.intense + 2.0)
        rows = paired_changes(before, after, "variant")
        text = rows[("variant", "InTense minus MNL")]["95 % interval"]
        assert ("inf" not in text) and (text.startswith("none") != bounded), text


def test_the_bias_toy_table_reads_each_run_against_its_own_true_block():
    blocks = {"1": 0.1, "2": 0.1, "3": 0.1, "1x2": 0.3, "1x3": 0.0, "2x3": 0.0, "1x2x3": 0.4}
    records = [
        {"truth": "1x2", "variant": "naive", "seed": 0, "test_accuracy": 0.9, "relevance": blocks},
        {"truth": "1", "variant": "naive", "seed": 0, "test_accuracy": 0.5, "relevance": blocks | {"1": 0.5}},
    ]
    frame = bias_table(records, learned_at=0.8)
    assert list(frame.truth_relevance) == [0.3, 0.5]
    assert list(frame.above_truth) == [True, False]  # 0.4 beats its own truth 0.3, not the other's 0.5
    assert list(frame.top) == ["1x2x3", "1"]
    assert list(frame.learned) == [True, False]
