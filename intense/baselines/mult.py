"""Multimodal Transformer, MulT (Tsai et al. 2019), for M modalities given as sequences.

1. Each modality (B, T_m, D_m) is projected to d by a temporal Conv1d (kernel 1) and gets
   sinusoidal positions (counted from its first real step, so front padding changes nothing).
2. For each directed pair (source beta -> target alpha), `layers` crossmodal blocks
   (pre-LayerNorm): Z <- Z + MHA(q = LN(Z), k = v = LN(X_beta)), Z <- Z + FFN(LN(Z)),
   starting from Z = X_alpha: the target attends to the source.
3. Each target's M - 1 crossmodal streams are concatenated (B, T_alpha, (M - 1) d) and passed
   through a self-attention transformer; its last step is the target's summary.
4. The M summaries are concatenated and read by a residual MLP head.

Padded steps (`front_padding_mask`) are masked as keys when `mask_padding` is on. Image
inputs (B, C, H, W) are read as sequences of H rows with C * W features.
Paper settings for MOSI: d = 40, 4 layers, 10 heads, dropouts 0.1-0.2, gradient clip 0.8.
The attention weights' dropout is set per target modality, as MulT's code does: 0.1 into the
text stream, 0 into audio and vision (its `--attn_dropout`, `--attn_dropout_a`, `--attn_dropout_v`
defaults); `attention_dropout_for` gives these values for a list of modality names.

Two paths compute the same function with the same parameters and, in training, the same
dropout masks from the same random stream: `MulT.reference_forward` runs the blocks through
`nn.MultiheadAttention` (the readable path); `MulT.forward` (the fast one) calls
`scaled_dot_product_attention` on the same weights without the module's layout copies, builds
each modality's key mask once, and computes the last self-attention layer at the one step that
the summary reads (tests/test_mult.py checks that both agree).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..encoders import front_padding_mask, position_code
from ..model_base import MultimodalModel

__all__ = ["MulT", "as_sequence", "attention_dropout_for"]

TEXT_ATTENTION_DROPOUT = 0.1  # MulT's default into the language stream; 0 into the others


def attention_dropout_for(modality_names: Sequence[str]) -> list[float]:
    """MulT's default attention dropout per target modality: 0.1 for "text", else 0."""
    return [TEXT_ATTENTION_DROPOUT if name == "text" else 0.0 for name in modality_names]


def as_sequence(x: Tensor) -> Tensor:
    """(B, T, D) unchanged; images (B, C, H, W) -> (B, H, C * W), rows as time steps."""
    if x.dim() == 3:
        return x
    if x.dim() == 4:
        return x.permute(0, 2, 1, 3).flatten(2)
    raise ValueError(f"MulT needs (batch, steps, features) or image inputs, got shape {tuple(x.shape)}")


def key_mask(padding: Tensor, dtype: torch.dtype = torch.float32) -> Tensor | None:
    """(B, T) padding mask -> the additive attention mask (B, 1, 1, T): 0 at real steps, -inf at
    padding; None when the batch has no padding (adding zeros changes nothing)."""
    if not padding.any():
        return None
    mask = torch.zeros(padding.shape, dtype=dtype, device=padding.device).masked_fill(padding, -math.inf)
    return mask[:, None, None, :]


def dropout_at_last_step(x: Tensor, p: float, training: bool, steps: int, time_major: bool = False) -> Tensor:
    """Dropout of a (B, steps, w) tensor of which only the last step x (B, 1, w) is computed:
    the mask is drawn for every step, in the memory order of the full tensor (time-major for
    `nn.MultiheadAttention`'s output), and its last step used, so that the random stream is the
    one that dropout of the whole tensor draws."""
    if not training or p == 0.0:
        return x
    if time_major:  # laid out as (steps, B, w)
        return F.dropout(x.transpose(0, 1).expand(steps, -1, -1), p, training=True)[-1:].transpose(0, 1)
    return F.dropout(x.expand(-1, steps, -1), p, training=True)[:, -1:]  # (B, 1, w)


def attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, dropout: float) -> Tensor:
    """softmax(q k^T / sqrt(d_head) + mask) v over (B, h, T, d_head) tensors. In training without
    dropout of the weights, as three batched matrix products: MulT's heads are narrow (40 / 10 =
    4), where the backward pass of `scaled_dot_product_attention`'s CPU kernel is slower. With
    dropout (the kernel draws the masks that `nn.MultiheadAttention` draws), and without gradients
    (evaluation: the kernel never forms the weights of a large batch), that kernel."""
    if dropout > 0.0 or not (q.requires_grad or k.requires_grad or v.requires_grad):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)  # (B, h, T, S)
    if mask is not None:
        scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v


class CrossmodalBlock(nn.Module):
    """Pre-LN attention block: the target z attends to `source` (to itself in self-attention)."""

    def __init__(self, d: int, heads: int, dropout: float, attention_dropout: float) -> None:
        super().__init__()
        self.norm_q, self.norm_kv, self.norm_ff = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.attention = nn.MultiheadAttention(d, heads, dropout=attention_dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4 * d, d))
        self.dropout = nn.Dropout(dropout)

    def reference(self, z: Tensor, source: Tensor, source_padding: Tensor | None) -> Tensor:
        """The readable path: (B, T_target, d), (B, T_source, d), (B, T_source) -> (B, T_target, d)."""
        kv = self.norm_kv(source)
        attended, _ = self.attention(self.norm_q(z), kv, kv, key_padding_mask=source_padding, need_weights=False)
        z = z + self.dropout(attended)  # (B, T_target, d)
        return z + self.dropout(self.ff(self.norm_ff(z)))

    def forward(self, z: Tensor, source: Tensor, mask: Tensor | None, last_step: bool = False) -> Tensor:
        """`reference` with `key_mask(source_padding)` as `mask`; with `last_step`, only the output's
        last step (B, 1, d), from the same random draws."""
        steps, d = z.shape[1], z.shape[2]
        attention_dropout = self.attention.dropout if self.training else 0.0
        if last_step and attention_dropout > 0.0:  # the attention weights' mask covers every query
            return self(z, source, mask)[:, -1:]
        heads = self.attention.num_heads
        weight, bias = self.attention.in_proj_weight, self.attention.in_proj_bias
        if last_step:
            z = z[:, -1:]  # (B, 1, d)
        q = F.linear(self.norm_q(z), weight[:d], bias[:d]).unflatten(2, (heads, -1)).transpose(1, 2)  # (B, h, T, d/h)
        kv = F.linear(self.norm_kv(source), weight[d:], bias[d:]).unflatten(2, (2, heads, -1))  # (B, S, 2, h, d/h)
        k, v = kv.permute(2, 0, 3, 1, 4)  # each (B, h, S, d/h)
        attended = attention(q, k, v, mask, attention_dropout)  # (B, h, T, d/h)
        # time-major, as nn.MultiheadAttention lays out its output (dropout draws its mask in memory order)
        attended = self.attention.out_proj(attended.permute(2, 0, 1, 3).flatten(2)).transpose(0, 1)  # (B, T, d)
        p, training = self.dropout.p, self.training
        if last_step:
            z = z + dropout_at_last_step(attended, p, training, steps, time_major=True)
            hidden = dropout_at_last_step(self.ff[1](self.ff[0](self.norm_ff(z))), p, training, steps)  # (B, 1, 4d)
            return z + dropout_at_last_step(self.ff[3](hidden), p, training, steps)
        z = z + self.dropout(attended)  # (B, T, d)
        return z + self.dropout(self.ff(self.norm_ff(z)))


class MulT(MultimodalModel):
    def __init__(
        self,
        input_dims: Sequence[int],
        output_dim: int,
        d: int = 40,
        heads: int = 10,
        layers: int = 4,
        dropout: float = 0.1,
        attention_dropout: Sequence[float] | None = None,
        mask_padding: bool = True,
    ) -> None:
        """`dropout`: residual, feed-forward and head dropout; `attention_dropout`: dropout of
        the attention weights into each target modality (default: `dropout` for every one)."""
        super().__init__()
        m = len(input_dims)
        if m < 2:
            raise ValueError("MulT fuses two or more modalities")
        attention_dropout = [dropout] * m if attention_dropout is None else list(attention_dropout)
        if len(attention_dropout) != m:
            raise ValueError(f"attention_dropout needs one value per modality ({m}), got {len(attention_dropout)}")
        if d % heads:
            raise ValueError(f"d ({d}) must be divisible by heads ({heads})")
        self.d, self.mask_padding = d, mask_padding
        self.pairs = [(a, b) for a in range(m) for b in range(m) if a != b]  # (target, source)
        self.project = nn.ModuleList(nn.Conv1d(dim, d, kernel_size=1) for dim in input_dims)
        self.crossmodal = nn.ModuleList(
            nn.ModuleList(CrossmodalBlock(d, heads, dropout, attention_dropout[target]) for _ in range(layers))
            for target, _ in self.pairs
        )
        width = (m - 1) * d
        self.self_attention = nn.ModuleList(
            nn.ModuleList(CrossmodalBlock(width, heads, dropout, attention_dropout[target]) for _ in range(layers))
            for target in range(m)
        )
        self.head_in = nn.Sequential(
            nn.Linear(m * width, m * width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(m * width, m * width)
        )
        self.head_out = nn.Linear(m * width, output_dim)

    def embed(self, x: Tensor, padding: Tensor) -> Tensor:
        """(B, T, d) projected steps -> (B, T, d) with positions counted from the first real step."""
        return self.d**0.5 * x + position_code(padding, self.d)  # scaled embedding + positions

    def streams(self, inputs: Sequence[Tensor], reference: bool = False) -> tuple[list[Tensor], list[Tensor]]:
        """Each modality's padding mask (B, T_m) and embedded stream (B, T_m, d), step 1 above."""
        if len(inputs) != len(self.project):
            raise ValueError(f"expected {len(self.project)} modality inputs, got {len(inputs)}")
        sequences = [as_sequence(x) for x in inputs]  # (B, T_m, D_m)
        padding = [front_padding_mask(x) for x in sequences]  # (B, T_m)
        if reference:  # the temporal convolution, (B, D_m, T_m) -> (B, d, T_m)
            projected = [proj(x.transpose(1, 2)).transpose(1, 2) for proj, x in zip(self.project, sequences)]
        else:  # a kernel-1 convolution is a linear map of each step, without the transposes
            projected = [F.linear(x, proj.weight[:, :, 0], proj.bias) for proj, x in zip(self.project, sequences)]
        return padding, [self.embed(x, pad) for x, pad in zip(projected, padding)]

    def readout(self, summaries: Sequence[Tensor]) -> Tensor:
        x = torch.cat(summaries, dim=1)  # (B, M (M - 1) d)
        return self.head_out(x + self.head_in(x))  # residual MLP head

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        padding, streams = self.streams(inputs)
        masks = [
            key_mask(pad, x.dtype) if self.mask_padding else None for pad, x in zip(padding, streams)
        ]  # (B, 1, 1, T_m) or None
        per_target: list[list[Tensor]] = [[] for _ in streams]
        for (target, source), blocks in zip(self.pairs, self.crossmodal):
            z = streams[target]
            for block in blocks:
                z = block(z, streams[source], masks[source])  # target attends to source
            per_target[target].append(z)
        summaries = []
        for target, blocks in enumerate(self.self_attention):
            h = torch.cat(per_target[target], dim=2)  # (B, T_target, (M - 1) d)
            for i, block in enumerate(blocks):
                h = block(h, h, masks[target], last_step=i == len(blocks) - 1)  # the last layer: (B, 1, (M - 1) d)
            summaries.append(h[:, -1])  # last step (front padding: always a real step)
        return self.readout(summaries)

    def reference_forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """`forward` through `nn.MultiheadAttention` at every step of every layer (readable, slower)."""
        padding, streams = self.streams(inputs, reference=True)
        keys = [pad if self.mask_padding else None for pad in padding]
        per_target: list[list[Tensor]] = [[] for _ in streams]
        for (target, source), blocks in zip(self.pairs, self.crossmodal):
            z = streams[target]
            for block in blocks:
                z = block.reference(z, streams[source], keys[source])  # target attends to source
            per_target[target].append(z)
        summaries = []
        for target, blocks in enumerate(self.self_attention):
            h = torch.cat(per_target[target], dim=2)  # (B, T_target, (M - 1) d)
            for block in blocks:
                h = block.reference(h, h, keys[target])
            summaries.append(h[:, -1])  # last step (front padding: always a real step)
        return self.readout(summaries)
