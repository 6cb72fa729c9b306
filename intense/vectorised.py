"""InTense's fusion blocks computed together: the fast path beside the per-block modules.

The modules of `norms.py` (a VBN per modality, an IterBN or one of its ablations per
interaction) own every buffer and stay the readable reference (`InTense.reference_blocks`).
`FusionPlan.blocks` computes the same blocks from the same parameters, reads and updates the
same buffers, and does so in few, larger operations:

- eq. 5-7 for every modality (and, in train mode, every projected factor) in one VBN call, one
  variance per block by a segment sum (`segment_vbn`);
- the tensors of one interaction order k stacked as one (n, r^k, B) tensor, built by batched
  outer products (n, r^a, 1, B) * (n, 1, r^b, B);
- eq. 9's recursion for one order as one operation (`Centre`), its terms one per pattern of
  subsets, with a backward pass written out as matrix products;
- in train mode, every factor's VBN, every moment E[prod_{m in S} f^m] and every centred Psi_S
  computed once per set S of modalities and shared by every interaction that contains S: they
  are batch statistics of the same features, whichever block asks for them;
- in eval mode, each block's own running statistics, stacked;
- every running statistic updated by one foreach call.

Units. A *unit* is (owner, T): T a tuple of modalities in ascending order, owner the index of
the interaction whose running statistics it uses (eval mode), or None when the unit is shared
by all interactions (train mode, and the un-normalised "none" scheme). Its tensor is (r^|T|, B),
laid out with the first modality's index first, as `norms.outer_product` lays it out.

Layout. The stacked tensors keep the batch last, (n, r^k, B): every operation of the recursion
then runs over contiguous rows of B numbers, whichever modalities a term broadcasts over (with
the batch first, a term of order 4 broadcasts over rows of r = 8 numbers, several times slower
on the CPU). The blocks go back to (B, r, ..., r) as views at the end.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor, nn

from .norms import VBN, IteratedPairwiseNorm, IterBN, NaiveInteractionNorm, PlainProduct, require_batch_statistics

if TYPE_CHECKING:
    from .fusion import FusionHead

__all__ = ["FusionPlan", "CLOSURE", "Centre", "segment_vbn", "stacked_vbn", "outer"]

Unit = tuple[int | None, tuple[int, ...]]
Rows = Tensor | slice | None  # rows of a stacked table: any (gathered), a range (a view), or all


class FusionModules(Protocol):
    """What a plan reads of an InTense model (`intense.models.InTense`): its modules and mode."""

    modality_norms: nn.ModuleList  # VBN of each modality
    projections: nn.ModuleDict  # each involved modality's linear map to the latent width r
    interaction_norms: nn.ModuleList  # each interaction's norm (IterBN, a naive scheme or none)
    head: FusionHead  # the fusion layer, eq. 8
    training: bool


# which units a scheme builds an interaction I from: every non-empty subset (eq. 9 needs all their
# moments), or each factor and each prefix I[:2], I[:3], .. (products folded one factor at a time)
SUBSETS, PREFIXES = "subsets", "prefixes"
CLOSURE = {IterBN: SUBSETS, NaiveInteractionNorm: PREFIXES, IteratedPairwiseNorm: PREFIXES, PlainProduct: PREFIXES}


def segment_vbn(
    x: Tensor,
    segments: Tensor,
    eps: float,
    mean: Tensor | None = None,
    var: Tensor | None = None,
    n_blocks: int | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """eq. 5-7 for several blocks at once: column c of x (B, D) belongs to block segments[c].

    With `mean` (D,) and `var` (n_blocks,) given (eval mode) they are used; otherwise the batch's:
        mu = (1/|B|) sum_i x_i                         (eq. 6, per column)
        sigma_s^2 = (1/|B|) sum_i ||x_i,s - mu_s||^2   (eq. 7, one scalar per block s)
    Returns (x - mu) / sigma (eq. 5), mu and sigma^2.
    """
    if mean is None or var is None:
        mean = x.mean(dim=0)  # eq. 6, (D,)
        squares = (x - mean).pow(2).sum(dim=0)  # (D,)
        blocks = int(segments[-1]) + 1 if n_blocks is None else n_blocks  # given: no read of a tensor
        var = x.new_zeros(blocks).index_add_(0, segments, squares) / x.shape[0]  # eq. 7
    return (x - mean) / torch.sqrt(var + eps).index_select(0, segments), mean, var  # eq. 5, (B, D)


def stacked_vbn(
    x: Tensor, eps: float, mean: Tensor | None = None, var: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """eq. 5-7 for n blocks of one width, stacked, batch last: x (n, d, B) -> normalised,
    mean (n, d, 1), var (n,)."""
    if mean is None or var is None:
        mean = x.mean(dim=2, keepdim=True)  # eq. 6, (n, d, 1)
        var = (x - mean).pow(2).sum(dim=1).mean(dim=1)  # eq. 7, (n,)
    return (x - mean) / torch.sqrt(var + eps)[:, None, None], mean, var  # eq. 5


def outer(left: Tensor, right: Tensor) -> Tensor:
    """Batched outer products, batch last: (n, r^a, B) and (n, r^b, B) -> (n, r^(a+b), B), left's
    index first."""
    return (left[:, :, None, :] * right[:, None, :, :]).flatten(1, 2)


class Centre(torch.autograd.Function):
    """eq. 9's recursion for the n units of one order k, batch last:

        Psi_T = prod_T f - E[prod_T f] - sum_S E[prod_S f] (x) Psi_{T minus S}

    product (n, r^k, B), moment E[prod_T f] (n, r^k); then for each pattern S (its positions a bit
    mask over range(k)) its moments (n, r^|S|) and its centred tensors Psi_{T minus S}
    (n, r^(k-|S|), B). Forward: one broadcast multiply-add per pattern. Backward: the gradient
    (n, r^k, B) is permuted once per pattern so that S's positions come first, and both of the
    pattern's gradients are matrix products with it (autograd's own backward would reduce over
    the broadcast dimensions instead, several times slower)."""

    @staticmethod
    def forward(ctx, product: Tensor, moment: Tensor, r: int, k: int, positions: tuple[int, ...], *terms: Tensor):
        n, _, batch = product.shape
        grid = (product - moment[:, :, None]).view(n, *[r] * k, batch)  # S = T: E[prod_T f] Psi_{} = E[prod_T f]
        for bits, moments, rest in zip(positions, terms[0::2], terms[1::2]):
            inside = [r if bits >> p & 1 else 1 for p in range(k)]
            outside = [1 if bits >> p & 1 else r for p in range(k)]
            grid.addcmul_(moments.view(n, *inside, 1), rest.view(n, *outside, batch), value=-1.0)
        ctx.save_for_backward(*terms)
        ctx.r, ctx.k, ctx.positions = r, k, positions
        return grid.view(n, -1, batch)

    @staticmethod
    def backward(ctx, grad: Tensor):
        terms, r, k = ctx.saved_tensors, ctx.r, ctx.k
        n, _, batch = grad.shape
        grid = grad.view(n, *[r] * k, batch)
        grads: list[Tensor | None] = [None] * len(terms)
        for layout, uses in _layouts(k, ctx.positions):  # one copy of the gradient per layout
            by_layout = grid.permute(0, *[1 + p for p in layout], k + 1).contiguous()  # a view when unpermuted
            for j, first in uses:  # pattern j: its positions come first, or last, in this layout
                s = ctx.positions[j].bit_count()
                order_s = layout[:s] if first else layout[k - s :]
                order_rest = layout[s:] if first else layout[: k - s]
                moments = _reorder(terms[2 * j], r, order_s)  # (n, r^s), in the layout's order
                rest = _reorder(terms[2 * j + 1], r, order_rest)  # (n, r^(k-s), B)
                if first:  # the gradient as (n, r^s, r^(k-s) B)
                    g = by_layout.view(n, r**s, -1)
                    grad_moments = torch.bmm(g, rest.reshape(n, -1, 1)).view(n, -1)
                    grad_rest = torch.bmm(moments[:, None, :], g).view(n, -1, batch)
                else:  # as (n r^(k-s), r^s, B): a product per index of the other positions
                    g = by_layout.view(n * r ** (k - s), r**s, batch)
                    grad_moments = torch.bmm(rest.reshape(-1, 1, batch), g.transpose(1, 2)).view(n, -1, r**s).sum(dim=1)
                    expanded = moments[:, None, None, :].expand(n, r ** (k - s), 1, r**s).reshape(-1, 1, r**s)
                    grad_rest = torch.bmm(expanded, g).view(n, -1, batch)
                grads[2 * j] = -_reorder(grad_moments, r, order_s, back=True)  # d/d E[prod_S f]
                grads[2 * j + 1] = -_reorder(grad_rest, r, order_rest, back=True)  # d/d Psi_{T minus S}
        grad_moment = -grad.sum(dim=2) if ctx.needs_input_grad[1] else None
        return (grad, grad_moment, None, None, None, *grads)


def _reorder(x: Tensor, r: int, order: tuple[int, ...], back: bool = False) -> Tensor:
    """x (n, r^j) or (n, r^j, B), its j indices for the positions in ascending order -> laid out in
    `order` (with `back`, the reverse)."""
    ascending = sorted(order)
    if list(order) == ascending:
        return x
    perm = [order.index(p) for p in ascending] if back else [ascending.index(p) for p in order]
    grid = x.view(x.shape[0], *[r] * len(order), *x.shape[2:])
    return grid.permute(0, *[1 + p for p in perm], *range(len(order) + 1, grid.dim())).reshape(x.shape)


@functools.cache
def _layouts(k: int, positions: tuple[int, ...]) -> list[tuple[tuple[int, ...], list[tuple[int, bool]]]]:
    """Few layouts of an order-k gradient that serve every pattern of `positions` (bit masks): a
    pattern is served where its positions come first, or last, in some order. The unpermuted
    layout first (it costs no copy), then greedily the layout that serves most of the patterns left.
    Returns [(layout, [(pattern index, whether its positions come first)])]."""

    def serves(layout: tuple[int, ...], bits: int) -> bool | None:
        s = bits.bit_count()
        if set(layout[:s]) == set(_pick(bits, tuple(range(k)))):
            return True
        return False if set(layout[k - s :]) == set(_pick(bits, tuple(range(k)))) else None

    left = list(range(len(positions)))
    layouts = []
    candidates = [tuple(range(k))] + list(itertools.permutations(range(k)))
    while left:
        best = max(candidates, key=lambda lay: sum(serves(lay, positions[j]) is not None for j in left))
        uses = [(j, serves(best, positions[j])) for j in left if serves(best, positions[j]) is not None]
        layouts.append((best, uses))
        left = [j for j in left if serves(best, positions[j]) is None]
        candidates = list(itertools.permutations(range(k)))
    return layouts


def _pick(bits: int, items: tuple[int, ...]) -> tuple[int, ...]:
    """The items at the positions set in `bits`."""
    return tuple(x for i, x in enumerate(items) if bits >> i & 1)


def _units_of(interaction: tuple[int, ...], closure: str) -> list[tuple[int, ...]]:
    """The modality tuples of the units an interaction is built from: every non-empty subset, or
    each factor and each prefix."""
    if closure == SUBSETS:
        return [_pick(bits, interaction) for bits in range(1, 1 << len(interaction))]
    return [(m,) for m in interaction] + [interaction[:k] for k in range(2, len(interaction) + 1)]


def _rows(rows: list[int], length: int) -> Rows:
    """None when `rows` are every row of a table of `length` rows in order, a slice when they are
    consecutive, else an index tensor."""
    if rows == list(range(length)):
        return None
    if rows == list(range(rows[0], rows[0] + len(rows))):
        return slice(rows[0], rows[0] + len(rows))
    return torch.tensor(rows, dtype=torch.long)


def _gather(table: Tensor, rows: Rows) -> Tensor:
    if rows is None:
        return table
    return table[rows] if isinstance(rows, slice) else table.index_select(0, rows)


@dataclass
class Pattern:
    """One term of eq. 9's recursion for every unit of an order k: E[prod_S f] (x) Psi_{T minus S},
    S the unit's modalities at `positions` (a proper, non-empty subset of range(k))."""

    positions: int  # bit mask over the k positions
    moment: Rows  # rows of the moments of order |S|
    psi: Rows  # rows of the centred tensors of order k - |S|


@dataclass
class Level:
    """The units of one order k, how each unit's product is built (left (x) right), and for
    IterBN the patterns of eq. 9's recursion, in the reference's order."""

    units: list[Unit]
    split: int = 0  # the order of the left factor
    left: Rows = None
    right: Rows = None
    patterns: list[Pattern] = field(default_factory=list)


class FusionPlan:
    """The units, orders and gather indices of one InTense model's interaction blocks in one mode:
    shared units (train mode, or no normalisation) or per-block units (eval mode). Holds index
    tables only; `blocks` receives the model's modules."""

    def __init__(self, interactions: Sequence[tuple[int, ...]], closure: str, shared: bool) -> None:
        self.interactions = [tuple(i) for i in interactions]
        self.shared = shared
        wanted: dict[int, set[Unit]] = {}
        for b, block in enumerate(self.interactions):
            for t in _units_of(block, closure):
                wanted.setdefault(len(t), set()).add((None if shared else b, t))
        self.levels = [Level(sorted(wanted[k], key=lambda u: (u[0] or 0, u[1]))) for k in sorted(wanted)]
        self.row = [{u: i for i, u in enumerate(level.units)} for level in self.levels]
        size = [len(level.units) for level in self.levels]
        for k, level in enumerate(self.levels[1:], 2):
            split = level.split = 1 if closure == SUBSETS else k - 1  # (first, rest) or (prefix, last)
            level.left = _rows([self.row[split - 1][(o, t[:split])] for o, t in level.units], size[split - 1])
            level.right = _rows([self.row[k - split - 1][(o, t[split:])] for o, t in level.units], size[k - split - 1])
        for k, level in enumerate(self.levels if closure == SUBSETS else [], 1):
            full = (1 << k) - 1
            part = (full - 1) & full
            while part:  # every proper non-empty S of T, in the reference's sub-mask order
                s = part.bit_count()
                moment = [self.row[s - 1][(o, _pick(part, t))] for o, t in level.units]
                psi = [self.row[k - s - 1][(o, _pick(full ^ part, t))] for o, t in level.units]
                level.patterns.append(Pattern(part, _rows(moment, size[s - 1]), _rows(psi, size[k - s - 1])))
                part = (part - 1) & full
        self.involved = sorted({m for i in self.interactions for m in i})
        units_one = self.levels[0].units if self.levels else []
        self.level_one = _rows([self.involved.index(t[0]) for _, t in units_one], len(self.involved))
        # each interaction's output: its order and its row there; the interactions of each order
        self.output = [
            (len(i), self.row[len(i) - 1][(None if shared else b, i)]) for b, i in enumerate(self.interactions)
        ]
        self.of_order = {k: [b for b, i in enumerate(self.interactions) if len(i) == k] for k, _ in self.output}
        self.output_rows = {k: _rows([self.output[b][1] for b in bs], size[k - 1]) for k, bs in self.of_order.items()}
        self._segments: dict[tuple, Tensor] = {}
        self._targets: tuple[list[Tensor], list[tuple]] | None = None
        self._head_columns: dict[int, slice | Tensor] = {}

    def segments(self, widths: list[int], device: torch.device) -> Tensor:
        """The block of each column of the concatenated features (cached)."""
        key = (tuple(widths), device)
        if key not in self._segments:
            self._segments[key] = torch.repeat_interleave(torch.arange(len(widths)), torch.tensor(widths)).to(device)
        return self._segments[key]

    # ----------------------------------------------------------------------------------
    def blocks(self, model: FusionModules, features: Sequence[Tensor]) -> list[Tensor]:
        """The fusion layer's inputs, as `InTense.reference_blocks` returns them: VBN(f^m) for
        each modality (B, d_m), then each interaction's block (B, r, ..., r) (views of the stacks)."""
        modalities, out = self.stacks(model, features)
        blocks = list(modalities.split([f.shape[1] for f in features], dim=1))  # VBN(f^m), (B, d_m)
        r = next(iter(model.projections.values())).out_features if out else 0
        scaled = {k: stack if scale is None else stack / scale[:, None, None] for k, (stack, scale) in out.items()}
        stacks = {k: iter(o.unbind(0)) for k, o in scaled.items()}  # each (r^k, B)
        blocks += [next(stacks[k]).t().view(-1, *[r] * k) for k, _ in self.output]  # (B, r, ..., r)
        return blocks

    def fuse(self, model: FusionModules, features: Sequence[Tensor]) -> Tensor:
        """head(blocks(...)), eq. 8, without concatenating the blocks: the fusion layer's columns of
        the blocks of each order applied to their stack, (B, r^k) per block never transposed."""
        modalities, out = self.stacks(model, features)
        head = model.head
        weight = head.linear.weight  # (outputs, sum of the blocks' widths)
        y = torch.addmm(head.linear.bias, modalities, weight[:, : modalities.shape[1]].t())  # (B, outputs)
        for k, (stack, scale) in out.items():  # (n_k, r^k, B), and eq. 10's divisor (n_k,) or None
            columns = self._columns(head, k)
            w = weight[:, columns] if isinstance(columns, slice) else weight.index_select(1, columns)
            if scale is not None:  # W_b (Psi_b / s_b) = (W_b / s_b) Psi_b: the scaled blocks are never formed
                w = (w.view(w.shape[0], len(stack), -1) / scale[None, :, None]).flatten(1)
            y = y.addmm(stack.reshape(-1, stack.shape[2]).t(), w.t())
        return y

    def _columns(self, head: FusionHead, k: int) -> slice | Tensor:
        """The fusion layer's columns of the blocks of order k, in their stack's order (cached)."""
        if k not in self._head_columns:
            starts = [0, *itertools.accumulate(head.block_dims)]
            first = len(head.block_dims) - len(self.interactions)  # the head's block of interaction 0
            columns = [c for b in self.of_order[k] for c in range(starts[first + b], starts[first + b + 1])]
            rows = _rows(columns, starts[-1])
            self._head_columns[k] = rows if rows is not None else slice(None)
        return self._head_columns[k]

    def stacks(
        self, model: FusionModules, features: Sequence[Tensor]
    ) -> tuple[Tensor, dict[int, tuple[Tensor, Tensor | None]]]:
        """VBN(f^m) of every modality side by side (B, sum d_m), and the blocks of each order k,
        stacked batch last, {k: (n_k, r^k, B)} in the order of `of_order[k]`, each with the divisor
        (n_k,) that eq. 10 applies to it (IterBN), or None when it is applied already. Reads the
        model's modules (VBNs, projections, interaction norms) and its mode; updates its buffers."""
        modality_norms, projections, training = model.modality_norms, model.projections, model.training
        interaction_norms = model.interaction_norms
        batch, n_modalities = features[0].shape[0], len(features)
        if training:
            require_batch_statistics(batch)
        norms = list(interaction_norms)
        scheme = type(norms[0]) if norms else PlainProduct
        eps, momentum = modality_norms[0].eps, modality_norms[0].momentum
        latent = [projections[str(m)](features[m]) for m in self.involved]  # each (B, r)
        r = latent[0].shape[1] if latent else 0
        stats: dict = {}  # train mode: the batch statistics, by table (see `_running_targets`)
        # eq. 5-7 for every modality, and in train mode every factor, in one call
        with_factors = training and scheme is not PlainProduct
        widths = [f.shape[1] for f in features] + ([r] * len(latent) if with_factors else [])
        segments = self.segments(widths, features[0].device)
        x = torch.cat([*features, *latent] if with_factors else features, dim=1)  # (B, sum of widths)
        if training:
            normed, mean, var = segment_vbn(x, segments, eps, n_blocks=len(widths))
            stats["mean"], stats["var"] = mean.detach().split(widths), var.detach().unbind(0)
        else:
            running_mean = torch.cat([norm.running_mean for norm in modality_norms])
            running_var = torch.stack([norm.running_var for norm in modality_norms])
            normed = segment_vbn(x, segments, eps, running_mean, running_var)[0]
        split = normed.split(widths, dim=1)
        modalities = normed[:, : sum(widths[:n_modalities])]  # VBN(f^m) side by side, (B, sum d_m)
        out: dict[int, tuple[Tensor, Tensor | None]] = {}
        if self.levels:
            factors = torch.stack(split[n_modalities:] if with_factors else latent)  # (M_inv, B, r)
            factors = factors.transpose(1, 2).contiguous()  # batch last, (M_inv, r, B)
            products = [_gather(factors, self.level_one)]  # order 1: (n_1, r, B)
            if not training and scheme is not PlainProduct:  # each block's factor VBN, own statistics
                vbns = [norms[o].factor_norms[self.interactions[o].index(t[0])] for o, t in self.levels[0].units]
                products[0] = self._running_vbn(products[0], vbns, eps)
            for k, level in enumerate(self.levels[1:], 2):
                left = _gather(products[level.split - 1], level.left)
                right = _gather(products[k - level.split - 1], level.right)
                product = outer(left, right)  # (n_k, r^k, B)
                if scheme is IteratedPairwiseNorm and training:  # z_k = VBN(z_{k-1} (x) f_k)
                    product = self._batch_vbn(product, eps, stats, ("vbn", k))
                elif scheme is IteratedPairwiseNorm:
                    vbns = [norms[o].product_norms[k - 2] for o, _ in level.units]
                    product = self._running_vbn(product, vbns, eps)
                products.append(product)
            if scheme is IterBN:
                out = self._iterbn(products, norms, eps, training, stats)
            else:
                out = {k: (_gather(products[k - 1], rows), None) for k, rows in self.output_rows.items()}
            if scheme is NaiveInteractionNorm:  # VBN of the plain product (Fig. 7's ablation)
                for k, bs in self.of_order.items():
                    if training:
                        out[k] = (self._batch_vbn(out[k][0], eps, stats, ("vbn", k)), None)
                    else:
                        out[k] = (self._running_vbn(out[k][0], [norms[b].product_norm for b in bs], eps), None)
        if training:
            self._update_running(stats, modality_norms, norms, momentum)
        return modalities, out

    # ----------------------------------------------------------------------------------
    def _iterbn(
        self, products: list[Tensor], norms: list[nn.Module], eps: float, training: bool, stats: dict
    ) -> dict[int, tuple[Tensor, Tensor]]:
        """eq. 9 by the recursion Psi_T = prod_T f - sum_{S} E[prod_S f] Psi_{T minus S} (S = T:
        Psi_{} = 1), one operation per order (`Centre`); then eq. 10's divisor sqrt(E||Psi||^2 + eps):
        {k: (Psi of the interactions of order k (n_k, r^k, B), their divisors (n_k,))}."""
        if training:
            moments = [p.mean(dim=2) for p in products]  # E[prod_S f], (n_s, r^s)
            for s, moment in enumerate(moments, 1):
                stats["moment", s] = moment.detach().unbind(0)
        else:  # each block's running moments, stacked
            moments = [
                torch.stack(
                    [
                        getattr(norms[o], f"running_moment_{_mask(self.interactions[o], t)}").flatten()
                        for o, t in level.units
                    ]
                )
                for level in self.levels
            ]
        # Train mode: the factors are VBN outputs, whose batch mean E[f^m] is zero as a function of
        # the inputs (eq. 6), so every term with a one-modality moment vanishes, value and gradient,
        # and is skipped (the reference computes them: rounding noise of about 1e-9).
        psi: list[Tensor] = [products[0]] if training else []  # Psi_S, (n_s, r^s, B)
        r = products[0].shape[1]
        for k, (level, product) in enumerate(zip(self.levels, products), 1):
            if k == 1 and training:
                continue
            positions, terms = [], []
            for pattern in level.patterns:  # E[prod_S f] (x) Psi_{T minus S}, in the reference's order
                s = pattern.positions.bit_count()
                if s == 1 and training:
                    continue
                positions.append(pattern.positions)
                terms += [_gather(moments[s - 1], pattern.moment), _gather(psi[k - s - 1], pattern.psi)]
            psi.append(Centre.apply(product, moments[k - 1], r, k, tuple(positions), *terms))  # (n, r^k, B)
        out = {}
        for k, rows in self.output_rows.items():
            centred = _gather(psi[k - 1], rows)  # the interactions' Psi_I, (n_I, r^k, B)
            if training:
                sq_norm = torch.linalg.vector_norm(centred, dim=(1, 2)).square() / centred.shape[2]  # E ||Psi||_F^2
                stats["sq", k] = sq_norm.detach().unbind(0)
            else:
                sq_norm = torch.stack([norms[b].running_sq_norm for b in self.of_order[k]])
            out[k] = (centred, torch.sqrt(sq_norm + eps))  # eq. 10 divides Psi_I by this
        return out

    @staticmethod
    def _batch_vbn(x: Tensor, eps: float, stats: dict, key: tuple) -> Tensor:
        """eq. 5-7 on stacked units x (n, d, B) with the batch's statistics, kept in `stats[key]`."""
        normed, mean, var = stacked_vbn(x, eps)
        stats[key] = (mean.detach()[:, :, 0].unbind(0), var.detach().unbind(0))
        return normed

    @staticmethod
    def _running_vbn(x: Tensor, vbns: Sequence[VBN], eps: float) -> Tensor:
        """eq. 5 on stacked units x (n, d, B), unit j with the running statistics of vbns[j]."""
        mean = torch.stack([v.running_mean for v in vbns])[:, :, None]  # (n, d, 1)
        var = torch.stack([v.running_var for v in vbns])  # (n,)
        return stacked_vbn(x, eps, mean, var)[0]

    # ----------------------------------------------------------------------------------
    def _running_targets(self, modality_norms: Sequence[VBN], norms: list[nn.Module]) -> list[tuple]:
        """Every running buffer that a training step updates, with the batch statistic it takes:
        (buffer, table, row, which of a (mean, var) pair or None). Train mode only (shared units)."""
        n_modalities = len(modality_norms)
        targets: list[tuple] = []
        for m, vbn in enumerate(modality_norms):  # VBN(f^m): segment m
            targets += [(vbn.running_mean, "mean", m, None), (vbn.running_var, "var", m, None)]
        for b, (block, norm) in enumerate(zip(self.interactions, norms)):
            k = len(block)
            if isinstance(norm, PlainProduct):
                continue
            for j, m in enumerate(block):  # the factors' VBN: the segment of m's projection
                segment = n_modalities + self.involved.index(m)
                vbn = norm.factor_norms[j]
                targets += [(vbn.running_mean, "mean", segment, None), (vbn.running_var, "var", segment, None)]
            if isinstance(norm, IterBN):
                for bits in range(1, 1 << k):
                    t = _pick(bits, block)
                    moment = getattr(norm, f"running_moment_{bits}")
                    targets.append((moment, ("moment", len(t)), self.row[len(t) - 1][(None, t)], None))
                targets.append((norm.running_sq_norm, ("sq", k), self.of_order[k].index(b), None))
            elif isinstance(norm, NaiveInteractionNorm):
                row = self.of_order[k].index(b)
                targets += [(norm.product_norm.running_mean, ("vbn", k), row, 0)]
                targets += [(norm.product_norm.running_var, ("vbn", k), row, 1)]
            else:  # IteratedPairwiseNorm: the VBN of each prefix
                for j, vbn in enumerate(norm.product_norms, 2):
                    row = self.row[j - 1][(None, block[:j])]
                    targets += [(vbn.running_mean, ("vbn", j), row, 0), (vbn.running_var, ("vbn", j), row, 1)]
        return targets

    def _update_running(
        self, stats: dict, modality_norms: Sequence[VBN], norms: list[nn.Module], momentum: float
    ) -> None:
        """r <- (1 - momentum) r + momentum x for every running buffer r and its batch statistic x,
        in one foreach call (a lerp: the moving average of VBN and IterBN, rounded differently).
        The buffers' flat views are kept until the model moves (`InTense._apply` drops the plans)."""
        if self._targets is None:
            targets = self._running_targets(modality_norms, norms)
            flat = [buffer.view(-1) if buffer.dim() > 1 else buffer for buffer, *_ in targets]
            self._targets = (flat, [source for _, *source in targets])
        flat, sources = self._targets
        values = [stats[table][row] if pair is None else stats[table][pair][row] for table, row, pair in sources]
        torch._foreach_lerp_(flat, values, momentum)


def _mask(block: Sequence[int], subset: Sequence[int]) -> int:
    """The bit mask of `subset`'s positions within `block` (bit i: block[i] is in the subset)."""
    return sum(1 << block.index(m) for m in subset)
