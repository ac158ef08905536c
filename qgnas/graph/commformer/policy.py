"""CommFormer actor (graph-restricted attention) and a MAPPO-style centralised critic.

**Bi-level alternation.** The edge logits and the network weights are two parameter groups
(:meth:`CommFormerPolicy.parameter_groups`) with their own Adam (:meth:`CommFormerPolicy.optimizers`;
lr 1e-4 for edges and 5e-4 for the model, as released). A trainer alternates them by PPO epoch: in
every epoch it computes the usual PPO loss (plus the gate penalty), calls ``backward`` once, and steps
only the optimiser that :func:`bilevel_target` names for that epoch; it zeroes both optimisers' grads
before each backward so that the idle group's gradients are dropped, not accumulated. With
``edge_every = 5`` the edges move on every 5th epoch and the weights on the other four. Before each
rollout it calls :meth:`CommFormerPolicy.set_progress` with the real environment steps, which moves the
graph's schedule (warm-up -> Gumbel top-k -> optional deterministic top-k).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .attention import GraphAttentionBlock
from .gate import GateOutput, TemporalGate, gate_adjacency
from .graph import CommGraph, EdgeSchedule


@dataclass(frozen=True)
class CommFormerConfig:
    """Architecture of the actor and the critic, and of the communication graph."""

    n_agents: int
    """Agents (rows of the joint observation)."""
    obs_dim: int
    """Features per agent."""
    n_actions: int = 5
    """Discrete actions per agent (predator-prey: up, down, left, right, stay)."""
    d_model: int = 64
    """Width of the agents' embeddings (released: 64)."""
    heads: int = 1
    """Attention heads (released: 1)."""
    blocks: int = 1
    """Graph-attention blocks (released: 1)."""
    graph: str = "learned"
    """``learned``, ``full``, ``none`` (self only) or ``random`` (fixed k-hot drawn from graph_seed)."""
    sparsity: float = 0.4
    """S in (0, 1]: each agent keeps max(floor(n S), 1) incoming edges besides its self-loop."""
    warmup: float = 0.1
    """Fraction of training with continuous edges."""
    post_stable: float | None = None
    """Fraction of training after which the edges are deterministic top-k; None: never."""
    tau: float = 1.0
    """Temperature of the top-k relaxation."""
    gate: bool = False
    """Add the per-agent temporal gate on receiving messages."""
    gate_cost: float = 0.01
    """Weight of the penalty on the gate's expected open fraction."""
    critic_hidden: int = 128
    """Width of the centralised critic's MLP."""
    graph_seed: int = 0
    """Seed of the fixed random graph."""


@dataclass
class ActorOutput:
    """What one actor pass produced; the trainer reads the gate's penalty and open fraction here."""

    logits: torch.Tensor
    """Action logits ``[B, n, n_actions]``."""
    adjacency: torch.Tensor
    """The adjacency the pass used, ``[n, n]``, or ``[B, n, n]`` with the gate."""
    gate: GateOutput | None
    """The gate's decisions, None without a gate."""

    @property
    def penalty(self) -> torch.Tensor:
        """Gate penalty to add to the loss (0 without a gate)."""
        return self.gate.penalty if self.gate is not None else self.logits.new_zeros(())


class CommFormerActor(nn.Module):
    """Per-agent encoder -> graph-restricted attention blocks -> per-agent action logits.

    A decentralised-execution actor: agent i's logits depend on its own observation and on what its
    in-neighbours in the graph send, nothing else. (The released code decodes actions with a MAT-style
    autoregressive decoder; an independent head per agent keeps execution parallel and makes the graph
    the only channel between agents, which is what the comparison of graphs measures.)
    """

    def __init__(self, config: CommFormerConfig) -> None:
        super().__init__()
        c = config
        self.encoder = nn.Sequential(nn.Linear(c.obs_dim, c.d_model), nn.LayerNorm(c.d_model), nn.GELU())
        schedule = EdgeSchedule(c.warmup, c.post_stable, c.tau)
        self.graph = CommGraph(c.n_agents, c.sparsity, c.graph, schedule, c.graph_seed)
        self.gate = TemporalGate(c.obs_dim, cost=c.gate_cost) if c.gate else None
        self.blocks = nn.ModuleList(GraphAttentionBlock(c.d_model, c.heads) for _ in range(c.blocks))
        self.head = nn.Sequential(nn.LayerNorm(c.d_model), nn.Linear(c.d_model, c.n_actions))

    def forward(self, obs: torch.Tensor, adjacency: torch.Tensor | None = None) -> ActorOutput:
        """Logits for ``obs [B, n, obs_dim]``; ``adjacency`` overrides the graph's own sample."""
        if adjacency is None:
            adjacency = self.graph()
        gate = self.gate(obs) if self.gate is not None else None
        if gate is not None:
            adjacency = gate_adjacency(adjacency, gate.open)
        x = self.encoder(obs)
        for block in self.blocks:
            x = block(x, adjacency)
        return ActorOutput(self.head(x), adjacency, gate)


class CentralisedCritic(nn.Module):
    """MAPPO-style value of the joint observation: one team value, since the reward is the team's sum.

    Shapes: obs ``[B, n, obs_dim]`` -> value ``[B]``.
    """

    def __init__(self, config: CommFormerConfig) -> None:
        super().__init__()
        width = config.critic_hidden
        self.net = nn.Sequential(
            nn.Linear(config.n_agents * config.obs_dim, width),
            nn.Tanh(),
            nn.Linear(width, width),
            nn.Tanh(),
            nn.Linear(width, 1),
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs.flatten(-2)).squeeze(-1)


def bilevel_target(epoch: int, edge_every: int = 5) -> str:
    """``"edges"`` on every ``edge_every``-th PPO epoch (1-based: 5, 10, ...), ``"model"`` otherwise."""
    if edge_every < 1:
        raise ValueError(f"edge_every={edge_every!r} is not allowed: expected an integer >= 1")
    return "edges" if (epoch + 1) % edge_every == 0 else "model"


class CommFormerPolicy(nn.Module):
    """Actor and centralised critic, with the parameter split of the bi-level optimisation."""

    def __init__(self, config: CommFormerConfig) -> None:
        super().__init__()
        self.config = config
        self.actor = CommFormerActor(config)
        self.critic = CentralisedCritic(config)

    def forward(self, obs: torch.Tensor) -> tuple[ActorOutput, torch.Tensor]:
        return self.actor(obs), self.critic(obs)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """``{"edges": [edge logits] or [], "model": every other parameter}``."""
        edges = self.actor.graph.edge_logits
        edge_list = [edges] if edges is not None else []
        model = [p for p in self.parameters() if edges is None or p is not edges]
        return {"edges": edge_list, "model": model}

    def optimizers(
        self, edge_lr: float = 1e-4, model_lr: float = 5e-4
    ) -> dict[str, torch.optim.Optimizer | None]:
        """One Adam per group (None for the edges of a graph that is not learned)."""
        groups = self.parameter_groups()
        edges = torch.optim.Adam(groups["edges"], lr=edge_lr) if groups["edges"] else None
        return {"edges": edges, "model": torch.optim.Adam(groups["model"], lr=model_lr)}

    def set_progress(
        self, progress: float | None = None, *, step: int | None = None, total: int | None = None
    ):
        """Move the graph's schedule to the real training progress (see :meth:`CommGraph.set_progress`)."""
        self.actor.graph.set_progress(progress, step=step, total=total)

    def comm_edges(self) -> int:
        """Messages per step in the deployed graph (before any gate)."""
        return self.actor.graph.comm_edges()

    @torch.no_grad()
    def act(self, obs: torch.Tensor, deterministic: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """``(actions [B, n], summed log-probability [B])`` for a rollout step."""
        logits = self.actor(obs).logits
        dist = torch.distributions.Categorical(logits=logits)
        actions = logits.argmax(-1) if deterministic else dist.sample()
        return actions, dist.log_prob(actions).sum(-1)
