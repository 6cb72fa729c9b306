"""The paper's reported numbers (Varshneya et al., Tables 1, 2, 4, 5), for the book to
show beside ours. Accuracies in %, (mean, sd over 10 seeds); sd None where not reported."""

from __future__ import annotations

__all__ = ["TABLE1", "TABLE2", "TABLE4", "TABLE5"]

# Table 1 (main text): interpretable methods on the two classification data sets
TABLE1 = {
    "avmnist": {"multiroute": (71.8, None), "mro": (72.0, None), "mnl": (72.4, None), "intense": (72.8, None)},
    "enrico": {"multiroute": (46.7, None), "mro": (49.2, None), "mnl": (47.1, None), "intense": (50.8, None)},
}

# Table 2 (App. E): every method on the four affect data sets
_T2_ORDER = ("lf-concat", "tfn", "mult", "multiroute", "mro", "mnl", "intense")
_T2 = {
    "sarcasm": [(65.4, 1.0), (62.1, 0.8), (71.2, 0.4), (65.9, 0.3), (66.5, 0.6), (67.4, 0.5), (69.6, 0.4)],
    "mosi": [(75.2, 0.8), (74.4, 0.2), (82.7, 0.3), (76.8, 0.8), (75.8, 0.6), (80.8, 0.8), (79.7, 0.6)],
    "humor": [(62.2, 0.6), (61.2, 0.4), (66.2, 0.1), (63.6, 0.9), (63.4, 0.4), (63.4, 0.3), (65.1, 0.6)],
    "mosei": [(79.2, 0.4), (79.4, 0.5), (82.1, 0.7), (80.2, 0.8), (79.7, 0.6), (80.5, 0.4), (81.5, 0.3)],
}
TABLE2 = {dataset: dict(zip(_T2_ORDER, values)) for dataset, values in _T2.items()}

# Table 4 (App. F.2): encoders (GRU with BN, Transformer, MLP) x (MNL, InTense)
TABLE4 = {
    "mosi": {
        "gru": {"mnl": (80.8, 0.8), "intense": (79.7, 0.6)},
        "transformer": {"mnl": (78.2, 0.2), "intense": (79.5, 0.4)},
        "mlp": {"mnl": (77.4, 0.6), "intense": (78.2, 0.4)},
    },
    "mosei": {
        "gru": {"mnl": (80.5, 0.4), "intense": (81.5, 0.3)},
        "transformer": {"mnl": (80.2, 0.5), "intense": (81.2, 0.2)},
        "mlp": {"mnl": (78.8, 0.7), "intense": (79.7, 0.2)},
    },
    "humor": {
        "gru": {"mnl": (64.4, 0.3), "intense": (65.1, 0.6)},
        "transformer": {"mnl": (65.6, 0.3), "intense": (65.8, 0.3)},
        "mlp": {"mnl": (62.6, 0.3), "intense": (63.9, 0.5)},
    },
    "sarcasm": {
        "gru": {"mnl": (67.4, 0.5), "intense": (69.6, 0.4)},
        "transformer": {"mnl": (67.8, 0.5), "intense": (69.8, 0.2)},
        "mlp": {"mnl": (65.8, 0.4), "intense": (66.4, 0.3)},
    },
}

# Table 5 (App. F.4): unimodal accuracy and InTense relevance. The paper's row labels read
# "text", "audio", "text audio video"; we take the third row to be the video modality.
TABLE5 = {
    "mosi": {"text": (74.2, 0.75), "audio": (65.5, 0.11), "video": (66.3, 0.14)},
    "mosei": {"text": (78.8, 0.85), "audio": (66.4, 0.05), "video": (67.2, 0.10)},
    "sarcasm": {"text": (68.6, 0.78), "audio": (64.9, 0.07), "video": (65.7, 0.16)},
    "humor": {"text": (58.3, 0.77), "audio": (57.2, 0.15), "video": (57.3, 0.07)},
}
