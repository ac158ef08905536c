"""Per-agent temporal gate (CommFormer's journal extension): whether an agent receives messages now.

Each step, a small MLP on the agent's own observation gives the probability ``p`` that the gate is
open; training samples a Bernoulli decision with the straight-through estimator ``hard - p.detach() + p``
(forward: exactly 0 or 1; backward: the gradient of ``p``). Following PAPERS.md the gate decides whether
the agent *receives*: a closed gate zeroes the agent's row of the adjacency (its incoming edges) and
keeps only its self-loop; what it sends is untouched. The penalty on how often the gate opens is
``cost * mean(p)``, the expected open fraction, which is differentiable where the sampled one is not.
The exact form is not published in code; this is the smallest one that matches the description.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class GateOutput:
    """One step's gate decisions, ``[B, n]`` each."""

    open: torch.Tensor
    """Straight-through decision: 0/1 in the forward pass, gradient of ``prob`` backward."""
    prob: torch.Tensor
    """Probability that the gate is open."""
    penalty: torch.Tensor
    """Scalar ``cost * mean(prob)`` to add to the loss."""

    @property
    def open_fraction(self) -> float:
        """Fraction of (agent, step) pairs whose gate is open."""
        return float(self.open.detach().mean())


class TemporalGate(nn.Module):
    """Observation-conditioned Bernoulli gate per agent and step.

    Args:
        obs_dim: features of one agent's observation.
        hidden: width of the MLP.
        cost: weight of the penalty on the expected open fraction.
        open_bias: initial logit of the gate; positive starts mostly open, so the policy can learn to
            use messages before the penalty teaches it when to do without them.

    Shapes: obs ``[B, n, obs_dim]`` -> :class:`GateOutput` with ``[B, n]`` tensors.
    In eval mode the gate is deterministic: open iff ``p > 0.5``.
    """

    def __init__(self, obs_dim: int, hidden: int = 32, cost: float = 0.01, open_bias: float = 2.0) -> None:
        super().__init__()
        if not cost >= 0.0:
            raise ValueError(f"cost={cost!r} is not allowed: expected a penalty weight >= 0")
        self.cost = float(cost)
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        nn.init.constant_(self.net[-1].bias, open_bias)

    def forward(self, obs: torch.Tensor) -> GateOutput:
        prob = torch.sigmoid(self.net(obs).squeeze(-1))
        hard = torch.bernoulli(prob.detach()) if self.training else (prob.detach() > 0.5).to(prob.dtype)
        return GateOutput(hard - prob.detach() + prob, prob, self.cost * prob.mean())


def gate_adjacency(adjacency: torch.Tensor, gate_open: torch.Tensor) -> torch.Tensor:
    """``[B, n, n]``: each receiver's incoming edges times its gate, self-loops kept at 1.

    A closed gate gives exact zeros (``0 - p + p == 0``), which the attention reads as absent edges.
    """
    n = adjacency.shape[-1]
    eye = torch.eye(n, dtype=adjacency.dtype, device=adjacency.device)
    return adjacency * (1 - eye) * gate_open.unsqueeze(-1) + eye
