"""Multimodal Routing (Tsai et al. 2020), with its global interpretation scores.

Features i are the modalities and their interactions up to `max_order`: a unimodal feature
is the encoder output projected to `capsule_dim`; an interaction feature is a linear map of
the tensor product of its modalities' projections (to `latent_dim`, batch-normalised so that
the factors are centred: without this, our MultiRoute never learned SynthGene-Tri's XOR).
Every feature is layer-normalised, so features of different orders have one scale. Each has an
activation p_i = sigmoid(w_i . f_i) and casts a vote u_ij = W_ij f_i for every concept j
(one per class; 2 for binary tasks, 1 for regression). Routing by agreement, for
`iterations` rounds, starting from uniform r_ij:

    c_j  = sum_i p_i r_ij u_ij                         (concepts)
    r_ij = softmax_j( <u_ij, c_j> / sqrt(capsule_dim) )   (routing coefficients, sum_j r_ij = 1)

and the prediction is o_j . c_j + b_j per concept (binary: the difference of the two).

Global interpretation (App. F.3 of the InTense paper): r_ij averaged over a data set,
normalised over the features i for each concept, then averaged over concepts, so that the
scores sum to one like InTense's relevance ("paper"). Since sum_j r_ij = 1 for every feature,
this average pulls every score towards 1 / I whatever was learned, so `relevance(data, how)`
also offers aggregations that are not uniform by construction, each normalised to sum to one
over the features:

- "label": the mean over samples of r_{i, y} (the routing to the sample's own class; the
  MultiRoute paper reads r_ij per concept, i.e. per class);
- "activation": the mean of p_i r_{i, y} (routing weighted by the feature's activation);
- "contribution": the mean norm of p_i r_{i, y} u_{i, y}, what feature i adds to the concept
  of the sample's class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..blocks import block_name, subsets_up_to
from ..data.base import MultimodalData
from ..model_base import EncodedModel
from ..norms import outer_product

__all__ = ["MultiRoute", "AGGREGATIONS"]

AGGREGATIONS = ("paper", "label", "activation", "contribution")


class MultiRoute(EncodedModel):
    def __init__(
        self,
        encoders: Sequence[nn.Module],
        output_dim: int,
        n_concepts: int | None = None,
        max_order: int | None = None,
        capsule_dim: int = 16,
        latent_dim: int = 8,
        iterations: int = 3,
        modality_names: Sequence[str] | None = None,
        encoder_norm: str = "vbn",
    ) -> None:
        super().__init__(encoders, modality_names, encoder_norm=encoder_norm)
        n = len(encoders)
        self.features = subsets_up_to(n, min(3, n) if max_order is None else max_order)
        self.feature_names = [block_name(self.modality_names, s) for s in self.features]
        self.n_concepts = n_concepts or (2 if output_dim == 1 else output_dim)
        if output_dim not in (1, self.n_concepts):
            raise ValueError(f"{self.n_concepts} concepts cannot give {output_dim} outputs")
        self.iterations, self.capsule_dim = iterations, capsule_dim
        # batch-normalised projections: centred factors, so products carry the interaction
        self.projections = nn.ModuleList(
            nn.Sequential(nn.Linear(d, latent_dim), nn.BatchNorm1d(latent_dim)) for d in self.dims
        )
        self.unimodal = nn.ModuleList(nn.Linear(d, capsule_dim) for d in self.dims)
        self.interaction = nn.ModuleList(
            nn.Linear(latent_dim ** len(s), capsule_dim) for s in self.features if len(s) > 1
        )
        self.capsule_norm = nn.LayerNorm(capsule_dim)  # comparable scales across features of every order
        i, j, c = len(self.features), self.n_concepts, capsule_dim
        self.activation = nn.Parameter(torch.randn(i, c) / math.sqrt(c))  # w_i
        self.votes = nn.Parameter(torch.randn(i, j, c, c) / math.sqrt(c))  # W_ij
        self.readout = nn.Parameter(torch.randn(j, c) / math.sqrt(c))  # o_j
        self.bias = nn.Parameter(torch.zeros(j))
        self.output_dim = output_dim

    def capsules(self, inputs: Sequence[Tensor]) -> Tensor:
        """Features f_i of every modality subset: (B, I, C)."""
        encoded = self.encode(inputs)
        latent = [proj(f) for proj, f in zip(self.projections, encoded)]  # (B, r)
        capsules, interactions = [], iter(self.interaction)
        for subset in self.features:
            if len(subset) == 1:
                capsules.append(self.unimodal[subset[0]](encoded[subset[0]]))
            else:
                capsules.append(next(interactions)(outer_product([latent[m] for m in subset]).flatten(1)))
        return self.capsule_norm(torch.stack(capsules, dim=1))  # (B, I, C)

    def route(self, inputs: Sequence[Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Concept logits (B, J), the final routing coefficients r (B, I, J), the activations
        p (B, I) and the votes u (B, I, J, C)."""
        f = self.capsules(inputs)  # (B, I, C)
        p = torch.sigmoid(torch.einsum("bic,ic->bi", f, self.activation))  # activations, (B, I)
        u = torch.einsum("ijdc,bic->bijd", self.votes, f)  # votes u_ij, (B, I, J, C)
        r = f.new_full((f.shape[0], len(self.features), self.n_concepts), 1.0 / self.n_concepts)  # (B, I, J)
        for step in range(self.iterations + 1):
            c = torch.einsum("bi,bij,bijd->bjd", p, r, u)  # concepts c_j, (B, J, C)
            if step < self.iterations:
                r = torch.softmax(torch.einsum("bijd,bjd->bij", u, c) / math.sqrt(self.capsule_dim), dim=2)
        logits = torch.einsum("bjd,jd->bj", c, self.readout) + self.bias  # (B, J)
        return logits, r, p, u

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        logits = self.route(inputs)[0]
        if self.output_dim == 1 and self.n_concepts == 2:
            return logits[:, 1:] - logits[:, :1]  # binary: one logit, log-odds of concept 1
        return logits

    @torch.no_grad()
    def relevance(
        self, data: MultimodalData | None = None, batch_size: int = 1024, how: str = "paper"
    ) -> dict[str, float]:
        """Global scores of the features on `data`, aggregated as `how` (see the module's
        docstring; "paper": App. F.3), summing to one over the features."""
        if how not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {how!r}: use one of {list(AGGREGATIONS)}")
        if data is None:
            return {}
        was_training = self.training
        self.eval()
        total = torch.zeros(len(self.features), self.n_concepts, device=self.bias.device)  # (I, J)
        for start in range(0, len(data), batch_size):
            _, r, p, u = self.route([x[start : start + batch_size] for x in data.modalities])
            if how == "paper":
                total += r.sum(dim=0)
                continue
            y = self._concept_of(data.labels[start : start + batch_size])  # (B,)
            own = r.gather(2, y[:, None, None].expand(-1, r.shape[1], 1))[..., 0]  # r_{i,y}: (B, I)
            if how == "activation":
                own = own * p
            elif how == "contribution":
                votes = u.gather(2, y[:, None, None, None].expand(-1, u.shape[1], 1, u.shape[3]))[:, :, 0]
                own = (own * p)[..., None].mul(votes).norm(dim=-1)  # |p_i r_iy u_iy|: (B, I)
            total[:, 0] += own.sum(dim=0)
        self.train(was_training)
        if how == "paper":
            mean = total / len(data)  # (I, J)
            scores = (mean / mean.sum(dim=0, keepdim=True)).mean(dim=1)  # (I,)
        else:
            scores = total[:, 0] / total[:, 0].sum()
        return dict(zip(self.feature_names, scores.cpu().tolist()))

    def _concept_of(self, labels: Tensor) -> Tensor:
        """The concept of each label: its class (binary: 0 or 1; regression: the one concept)."""
        if self.n_concepts == 1:
            return torch.zeros_like(labels, dtype=torch.long)
        return (labels > 0.5).long() if self.output_dim == 1 else labels.long()
