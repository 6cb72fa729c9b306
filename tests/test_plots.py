"""Figures and tables shared by the chapters (intense/repro/plots.py, analysis.py)."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from intense.repro.analysis import aggregation_means, by_aggregation
from intense.repro.plots import label_points


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
