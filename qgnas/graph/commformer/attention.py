"""Relation-enhanced multi-head attention among agents, restricted to the communication graph."""

from __future__ import annotations

import math

import torch
from torch import nn


class GraphAttention(nn.Module):
    r"""CommFormer's attention: agent i attends only to its in-neighbours, edge presence embedded.

    Update rule, per head, for receiver i and sender j with adjacency weight :math:`a_{ij}`:

    .. math::
        r_{ij} = E_0 + a_{ij} (E_1 - E_0), \quad
        s_{ij} = \frac{(q_i + r_{ij}) \cdot (k_j + r_{ij})}{\sqrt{d_h}}, \quad
        w_{ij} = a_{ij} \operatorname{softmax}_{j: a_{ij} \neq 0}(s_{ij}), \quad
        h_i = W_o \sum_j w_{ij} v_j

    :math:`E_0, E_1` are the 2-entry edge-presence embedding added to queries and keys (CommFormer's
    relation enhancement). Interpolating it linearly in :math:`a_{ij}` and multiplying the softmax weights
    by :math:`a_{ij}` give the edge logits two gradient paths through the straight-through adjacency,
    while the forward pass of a hard graph is exactly the masked attention (all :math:`a_{ij}` are 0 or 1).
    An edge is absent iff its weight is exactly 0; the diagonal (self-loop) is always attended, so no
    row is empty.

    Args:
        d_model: width of the agents' embeddings.
        heads: attention heads; must divide ``d_model``.

    Shapes:
        x ``[B, n, d_model]``; adjacency ``[n, n]`` or ``[B, n, n]`` (row = receiver); out ``[B, n, d_model]``.
    """

    def __init__(self, d_model: int = 64, heads: int = 1) -> None:
        super().__init__()
        if heads < 1 or d_model % heads:
            raise ValueError(f"heads={heads!r} is not allowed: expected a divisor of d_model={d_model}")
        self.heads, self.d_head = heads, d_model // heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.relation = nn.Embedding(2, d_model)
        self.out = nn.Linear(d_model, d_model)

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        """``[..., d_model] -> [..., heads, d_head]``."""
        return t.unflatten(-1, (self.heads, self.d_head))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        n = x.shape[-2]
        q, k, v = (self._split(t).transpose(-3, -2) for t in self.qkv(x).chunk(3, dim=-1))  # [B, h, n, dh]
        e0, e1 = (self._split(e) for e in self.relation.weight)  # [h, dh] each
        delta = e1 - e0
        # (q_i + r_ij).(k_j + r_ij) expanded so that no [B, h, n, n, dh] tensor is built:
        # with q' = q + E0 and k' = k + E0 it is q'.k' + a (q'.D + D.k') + a^2 |D|^2
        qp, kp = q + e0[:, None], k + e0[:, None]
        a = adjacency.unsqueeze(-3)  # broadcast over heads: [(B,) 1, n, n]
        qd = (qp * delta[:, None]).sum(-1)  # [B, h, n] (receivers)
        kd = (kp * delta[:, None]).sum(-1)  # [B, h, n] (senders)
        scores = qp @ kp.transpose(-1, -2) + a * (qd[..., :, None] + kd[..., None, :])
        scores = (scores + a * a * (delta * delta).sum(-1)[:, None, None]) / math.sqrt(self.d_head)
        eye = torch.eye(n, dtype=torch.bool, device=x.device)
        present = (adjacency.detach() != 0) | eye
        weights = torch.softmax(scores.masked_fill(~present.unsqueeze(-3), float("-inf")), dim=-1) * a
        mixed = (weights @ v).transpose(-3, -2).flatten(-2)  # [B, n, d_model]
        return self.out(mixed)


class GraphAttentionBlock(nn.Module):
    """One pre-norm transformer block whose attention is :class:`GraphAttention` (residual + MLP)."""

    def __init__(self, d_model: int = 64, heads: int = 1) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = GraphAttention(d_model, heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, d_model))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), adjacency)
        return x + self.mlp(self.norm2(x))
