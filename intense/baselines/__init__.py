"""The paper's baselines (App. E.1), written from their papers' descriptions.

Non-interpretable: `LFConcat`, `TFN` (Zadeh et al. 2017), `MulT` (Tsai et al. 2019).
Interpretable: `MRO` (Wortwein et al. 2022), `MultiRoute` (Tsai et al. 2020).
All take one tensor per modality and return (B, output_dim), like MNL and InTense.
"""

from .concat import LFConcat
from .mro import MRO
from .mult import MulT
from .routing import MultiRoute
from .tfn import TFN

__all__ = ["LFConcat", "TFN", "MulT", "MRO", "MultiRoute"]
