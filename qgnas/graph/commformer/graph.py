"""The learnable communication graph of CommFormer: per-agent top-k edges from n x n logits.

The graph is an architecture learned by gradient descent: dense edge logits (row = receiver, column =
sender), of which each agent keeps ``k = max(floor(n S), 1)`` incoming edges. Training samples a k-hot
graph with Gumbel noise and passes gradients to the logits with the straight-through estimator
``hard - soft.detach() + soft`` (forward: the exact k-hot graph; backward: the softmax relaxation).

**Self-loop.** Every agent always hears itself, *in addition to* its k edges: the top-k is taken over
the other ``n - 1`` agents only, so ``k`` counts real messages and an agent can never spend its budget
on itself (the released code ranks the diagonal with the rest, so with n = 3 and S = 0.4 an agent
could end up with no message at all). Hence ``k`` is capped at ``n - 1``; S = 1 is full communication.

**Schedule.** :class:`EdgeSchedule` maps the real training progress to a phase: continuous edges during
a warm-up, then Gumbel top-k, optionally deterministic top-k after a late switch ("post-stable"). The
released predator-prey runner passed step 0, so its schedule never left the warm-up; here the trainer
must call :meth:`CommGraph.set_progress` and the progress is part of the module's state (resume keeps it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

GRAPH_MODES = ("learned", "full", "none", "random")
PHASES = ("continuous", "gumbel", "deterministic")


def check_sparsity(sparsity: object) -> float:
    """``sparsity`` as a float in (0, 1], or a ValueError naming the value."""
    ok = isinstance(sparsity, int | float) and not isinstance(sparsity, bool)
    if not ok or not math.isfinite(sparsity) or not 0.0 < sparsity <= 1.0:
        raise ValueError(
            f"sparsity={sparsity!r} is not allowed: expected a number in (0, 1], the fraction of agents "
            "each agent hears (CommFormer's default 0.4; 1.0 is full communication)"
        )
    return float(sparsity)


def incoming_edges(n_agents: int, sparsity: float) -> int:
    """Incoming edges per agent besides the self-loop: ``max(floor(n S), 1)``, at most ``n - 1``."""
    if isinstance(n_agents, bool) or not isinstance(n_agents, int) or n_agents < 1:
        raise ValueError(f"n_agents={n_agents!r} is not allowed: expected an integer >= 1")
    # the epsilon keeps products such as 100 * 0.29 = 28.999999999999996 on the intended integer
    k = max(math.floor(n_agents * check_sparsity(sparsity) + 1e-9), 1)
    return min(k, n_agents - 1)


def progress_fraction(step: int | float, total: int | float) -> float:
    """Training progress ``step / total`` in [0, 1]; a last rollout that overshoots ``total`` gives 1."""
    if not total > 0 or not step >= 0:
        raise ValueError(f"step={step!r}, total={total!r} are not allowed: expected 0 <= step and total > 0")
    return min(float(step) / float(total), 1.0)


@dataclass(frozen=True)
class EdgeSchedule:
    """Which graph the training forward pass uses, as a function of the training progress."""

    warmup: float = 0.1
    """Fraction of training with continuous edges (sigmoid of the logits on every edge)."""
    post_stable: float | None = None
    """Fraction after which training uses deterministic top-k (no noise); None: never."""
    tau: float = 1.0
    """Temperature of the softmax relaxation behind the straight-through top-k."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.warmup <= 1.0:
            raise ValueError(f"warmup={self.warmup!r} is not allowed: expected a fraction in [0, 1]")
        if self.post_stable is not None and not self.warmup <= self.post_stable <= 1.0:
            raise ValueError(
                f"post_stable={self.post_stable!r} is not allowed: expected None or a fraction in "
                f"[warmup={self.warmup}, 1]"
            )
        if not self.tau > 0.0:
            raise ValueError(f"tau={self.tau!r} is not allowed: expected a temperature > 0")

    def phase(self, progress: float) -> str:
        """``"continuous"``, ``"gumbel"`` or ``"deterministic"`` at ``progress`` in [0, 1]."""
        if not 0.0 <= progress <= 1.0:
            raise ValueError(f"progress={progress!r} is not allowed: expected a fraction in [0, 1]")
        if progress < self.warmup:
            return "continuous"
        if self.post_stable is not None and progress >= self.post_stable:
            return "deterministic"
        return "gumbel"


def topk_straight_through(
    logits: torch.Tensor, k: int, tau: float = 1.0, noisy: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(adjacency, hard)``: k-hot rows over the other agents plus the self-loop.

    ``adjacency`` equals ``hard`` in the forward pass and has the softmax relaxation's gradient.
    Absent edges are exactly 0 (``0 - s + s == 0`` in IEEE arithmetic), which the attention's mask uses.
    """
    n = logits.shape[-1]
    eye = torch.eye(n, dtype=logits.dtype, device=logits.device)
    if n == 1 or k == 0:
        return eye + 0.0 * logits, eye  # keeps the graph connected to the logits (zero gradient)
    scores = logits
    if noisy:
        # Gumbel(0, 1) noise as in torch's gumbel_softmax: -log of an Exp(1) draw
        scores = logits - torch.empty_like(logits).exponential_().log()
    scores = scores.masked_fill(eye.bool(), float("-inf"))  # the diagonal is the separate self-loop
    soft = torch.softmax(scores / tau, dim=-1)
    hard = torch.zeros_like(logits).scatter_(-1, scores.topk(k, dim=-1).indices, 1.0)
    return hard - soft.detach() + soft + eye, hard + eye


class CommGraph(nn.Module):
    """The communication graph of ``n_agents``: learned, full, none (self only) or a fixed random one.

    Args:
        n_agents: agents in the graph.
        sparsity: S in (0, 1]; each agent keeps ``k = max(floor(n S), 1)`` incoming edges (capped at n-1).
        mode: ``"learned"`` (edge logits, Gumbel top-k), ``"full"``, ``"none"`` or ``"random"``
            (k-hot rows drawn once from ``seed``, fixed during training).
        schedule: the training-phase schedule of the learned graph.
        seed: seed of the random graph.

    Shapes: ``forward() -> [n, n]``, row i the weights agent i gives its senders; diagonal 1.
    In eval mode the learned graph is the deterministic top-k, the graph that is deployed.
    """

    def __init__(
        self,
        n_agents: int,
        sparsity: float = 0.4,
        mode: str = "learned",
        schedule: EdgeSchedule | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if mode not in GRAPH_MODES:
            raise ValueError(f"mode={mode!r} is not allowed: expected one of {GRAPH_MODES}")
        self.n_agents, self.mode = n_agents, mode
        self.sparsity = check_sparsity(sparsity)
        self.k = {"full": n_agents - 1, "none": 0}.get(mode, incoming_edges(n_agents, self.sparsity))
        self.schedule = schedule or EdgeSchedule()
        # the progress is a buffer so that a checkpoint resumes the schedule where it was
        self.register_buffer("progress", torch.zeros(()))
        self.edge_logits = nn.Parameter(torch.zeros(n_agents, n_agents)) if mode == "learned" else None
        if mode != "learned":
            self.register_buffer("fixed", self._fixed_graph(seed))
        self.last_adjacency: torch.Tensor | None = None

    def _fixed_graph(self, seed: int) -> torch.Tensor:
        n = self.n_agents
        if self.mode == "full":
            return torch.ones(n, n)
        if self.mode == "none":
            return torch.eye(n)
        generator = torch.Generator().manual_seed(seed)
        return topk_straight_through(torch.rand(n, n, generator=generator), self.k, noisy=False)[1]

    def set_fixed(self, adjacency: torch.Tensor) -> None:
        """Replace the fixed graph of a ``"random"`` graph with a given one (the search spaces' hook:
        they train one chosen graph); ``adjacency`` is n x n 0/1, row = receiver, diagonal 1, and
        exactly ``k`` other senders per row, the same budget the random draw had."""
        if self.mode != "random":
            raise ValueError(
                f"set_fixed needs a graph of mode 'random' (k-hot rows), this one is {self.mode!r}"
            )
        adj = torch.as_tensor(adjacency, dtype=self.fixed.dtype)
        n = self.n_agents
        if adj.shape != (n, n):
            raise ValueError(f"adjacency of shape {tuple(adj.shape)} is not allowed: expected ({n}, {n})")
        if not bool(((adj == 0) | (adj == 1)).all()):
            raise ValueError("adjacency is not allowed: expected entries 0 or 1")
        if not bool((adj.diagonal() == 1).all()):
            raise ValueError("adjacency is not allowed: every agent must hear itself (diagonal 1)")
        senders = (adj.sum(-1) - 1).long().tolist()
        if any(s != self.k for s in senders):
            raise ValueError(
                f"adjacency with {senders} senders per receiver is not allowed: expected k={self.k} each"
            )
        self.fixed.copy_(adj)

    def set_progress(
        self, progress: float | None = None, *, step: int | None = None, total: int | None = None
    ):
        """Move the schedule: a fraction in [0, 1], or ``step`` out of ``total`` training steps."""
        if progress is None:
            if step is None or total is None:
                raise ValueError("set_progress needs a progress fraction, or both step= and total=")
            progress = progress_fraction(step, total)
        self.schedule.phase(progress)  # validates the fraction
        self.progress.fill_(float(progress))

    @property
    def phase(self) -> str:
        """The phase the next forward pass uses (``"fixed"`` for a graph that is not learned)."""
        if self.edge_logits is None:
            return "fixed"
        return self.schedule.phase(float(self.progress)) if self.training else "deterministic"

    def forward(self) -> torch.Tensor:
        phase = self.phase
        if phase == "fixed":
            adjacency = self.fixed
        elif phase == "continuous":
            # every edge present with weight sigmoid(logit): a monotone map, so the ranking learned
            # here is the ranking the top-k phases start from
            eye = torch.eye(self.n_agents, device=self.edge_logits.device)
            adjacency = torch.sigmoid(self.edge_logits) * (1 - eye) + eye
        else:
            noisy = phase == "gumbel"
            adjacency = topk_straight_through(self.edge_logits, self.k, self.schedule.tau, noisy)[0]
        self.last_adjacency = adjacency.detach()
        return adjacency

    def hard_adjacency(self) -> torch.Tensor:
        """The deployed graph as 0/1 (deterministic top-k of the logits), diagonal included."""
        if self.edge_logits is None:
            return self.fixed.clone()
        return topk_straight_through(self.edge_logits.detach(), self.k, noisy=False)[1]

    def comm_edges(self) -> int:
        """Messages per step in the deployed graph: the edges off the diagonal."""
        hard = self.hard_adjacency()
        return int(hard.sum().item() - hard.diagonal().sum().item())

    def extra_repr(self) -> str:
        return f"n_agents={self.n_agents}, mode={self.mode!r}, k={self.k}, sparsity={self.sparsity}"
