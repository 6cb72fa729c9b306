"""Data sets: generators and loaders, each returning one tensor per modality plus labels."""

from .base import MultimodalData, split_indices
from .synthgene import synthgene, synthgene_parity
from .toy import gaussian_parity

__all__ = ["MultimodalData", "split_indices", "synthgene", "synthgene_parity", "gaussian_parity"]
