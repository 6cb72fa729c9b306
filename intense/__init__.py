"""InTense: interpretable tensor fusion (Varshneya et al.), a literate reproduction.

The public names follow the paper's sections:

- Sec. 3.2: `VBN` (eq. 5-7), `MNL` and its objective (eq. 3, `intense.objective`), relevance scores (eq. 4)
- Sec. 3.3: `center_interaction` (eq. 9), `IterBN` (eq. 9-10), `InTense` (eq. 8)
- App. E: the baselines in `intense.baselines`, the real data in `intense.data`
"""

from .encoders import GRUEncoder, LeNet, MLPEncoder, SequenceCNN, TransformerEncoder
from .fusion import FusionHead, relevance_scores
from .models import MNL, InTense
from .norms import VBN, IteratedPairwiseNorm, IterBN, NaiveInteractionNorm, center_interaction, outer_product
from .objective import PAPER_LAMBDA, block_norm_penalty, penalty_weight
from .train import train_steps

__all__ = [
    "VBN",
    "IterBN",
    "NaiveInteractionNorm",
    "IteratedPairwiseNorm",
    "center_interaction",
    "outer_product",
    "FusionHead",
    "block_norm_penalty",
    "penalty_weight",
    "PAPER_LAMBDA",
    "relevance_scores",
    "MNL",
    "InTense",
    "MLPEncoder",
    "SequenceCNN",
    "LeNet",
    "GRUEncoder",
    "TransformerEncoder",
    "train_steps",
]

__version__ = "0.1.0"
