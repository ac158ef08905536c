"""The communication graph as a discrete search space, scored by a short CommFormer training run.

CommFormer learns the graph by gradient descent; here the same graphs are an ordinary
:class:`~qgnas.core.SearchSpace`, so random search, evolution, BO and the latent searchers can search
them and be compared with the learned graph at equal environment steps.

**Architectures.** For each receiver agent, the set of ``k`` other agents it hears (``k`` from
:func:`incoming_edges`, the rule the learned graph uses; the self-loop is always on and not part of the
choice). One categorical decision per receiver over its ``C(n - 1, k)`` sender sets, enumerated in
``itertools.combinations`` order, so every decision vector is a valid graph and the space has
``C(n - 1, k) ** n`` architectures.

**Identity.** Two graphs are the same architecture only when they are equal: agents are not
interchangeable in general (Predator-Capture-Prey has one blind capture agent, and a seeded evaluation
gives each agent its own start positions), so no relabelling is quotiented out.

**Graph view.** The core's graph view is a DAG in topological order (the encoders decode the upper
triangle only), and a communication graph has cycles. So the view unrolls one round of messages into
``2 n`` nodes: nodes ``0..n-1`` are the agents as senders (op ``"send"``), nodes ``n..2n-1`` the same
agents as receivers (op ``"receive"``), and agent j sending to agent i is the edge ``j -> n + i``.
That is exactly what one graph-restricted attention block computes, and every edge points forward.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, Decision, Evaluator, InvalidArchitecture, Result, SearchSpace, Task

from .graph import check_sparsity, incoming_edges

OP_NAMES: tuple[str, ...] = ("send", "receive")
OBJECTIVES: tuple[str, ...] = ("success_rate", "mean_return")


@dataclass(frozen=True)
class CommGraphArch:
    """``senders[i]``: the agents that receiver ``i`` hears besides itself, ascending."""

    senders: tuple[tuple[int, ...], ...]

    def adjacency(self) -> np.ndarray:
        """The CommGraph convention: n x n 0/1, row = receiver, column = sender, diagonal 1."""
        n = len(self.senders)
        adj = np.eye(n, dtype=np.int64)
        for receiver, senders in enumerate(self.senders):
            adj[receiver, list(senders)] = 1
        return adj

    def __str__(self) -> str:
        return " ".join(f"{list(s)}->{i}" for i, s in enumerate(self.senders))


class CommGraphSpace(SearchSpace):
    """Communication graphs of ``n_agents`` with ``k = max(floor(n S), 1)`` senders per receiver.

    Args:
        n_agents: agents (at least 2: one agent has no one to hear).
        sparsity: S in (0, 1], as in :class:`~qgnas.graph.commformer.CommGraph`; S = 1 leaves one graph,
            full communication.
    """

    def __init__(self, n_agents: int, sparsity: float = 0.4):
        if isinstance(n_agents, bool) or not isinstance(n_agents, int | np.integer) or n_agents < 2:
            raise ValueError(
                f"n_agents={n_agents!r} is not allowed: expected an integer >= 2 (one agent has no one to hear)"
            )
        self.n_agents = int(n_agents)
        self.sparsity = check_sparsity(sparsity)
        self.k = incoming_edges(self.n_agents, self.sparsity)
        self.name = f"commgraph-n{self.n_agents}-s{self.sparsity:g}"
        self._decisions = [
            Decision(
                f"senders_to_{i}",
                tuple(itertools.combinations([j for j in range(self.n_agents) if j != i], self.k)),
            )
            for i in range(self.n_agents)
        ]
        self._index = [{s: c for c, s in enumerate(d.choices)} for d in self._decisions]

    # decision view
    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decode(self, indices: Sequence[int]) -> CommGraphArch:
        if len(indices) != self.n_agents:
            raise InvalidArchitecture(
                f"expected {self.n_agents} decisions (one per receiver), got {len(indices)}"
            )
        senders = []
        for d, i in zip(self._decisions, indices, strict=True):
            if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < len(d):
                raise InvalidArchitecture(f"{d.name} index {i!r} out of range 0..{len(d) - 1}")
            senders.append(d.choices[int(i)])
        return CommGraphArch(tuple(senders))

    def encode(self, arch: CommGraphArch) -> list[int]:
        arch = self.validate(arch)
        return [self._index[i][s] for i, s in enumerate(arch.senders)]

    def validate(self, arch: Any) -> CommGraphArch:
        if not isinstance(arch, CommGraphArch):
            raise InvalidArchitecture(
                f"expected a CommGraphArch(senders), got {type(arch).__name__}: {arch!r}"
            )
        n, k = self.n_agents, self.k
        if len(arch.senders) != n:
            raise InvalidArchitecture(f"expected senders for {n} receivers, got {len(arch.senders)}")
        out = []
        for i, senders in enumerate(arch.senders):
            ids = tuple(senders)
            if not all(isinstance(j, int | np.integer) and not isinstance(j, bool) for j in ids):
                raise InvalidArchitecture(f"receiver {i}: senders {list(ids)!r} are not agent indices")
            ids = tuple(sorted(int(j) for j in ids))
            if len(set(ids)) != k or len(ids) != k:
                raise InvalidArchitecture(
                    f"receiver {i} hears {list(ids)}: expected exactly k={k} distinct other agents "
                    f"(n={n}, S={self.sparsity:g})"
                )
            if i in ids:
                raise InvalidArchitecture(
                    f"receiver {i} lists itself as a sender; the self-loop is always on and not a choice"
                )
            if not all(0 <= j < n for j in ids):
                raise InvalidArchitecture(f"receiver {i} hears {list(ids)}: agents are 0..{n - 1}")
            out.append(ids)
        return CommGraphArch(tuple(out))

    # identity
    def key(self, arch: CommGraphArch) -> str:
        return ";".join(",".join(map(str, s)) for s in self.validate(arch).senders)

    def size(self) -> int:
        return math.comb(self.n_agents - 1, self.k) ** self.n_agents

    # serialisation
    def to_json(self, arch: CommGraphArch) -> dict[str, list[list[int]]]:
        return {"senders": [list(s) for s in self.validate(arch).senders]}

    def from_json(self, obj: Any) -> CommGraphArch:
        try:
            arch = CommGraphArch(tuple(tuple(s) for s in obj["senders"]))
        except (KeyError, TypeError) as exc:
            raise InvalidArchitecture(
                f"expected {{'senders': [one list of sender agents per receiver]}}, got {obj!r}"
            ) from exc
        return self.validate(arch)

    def config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this space (stored with encoders trained on it)."""
        return {"n_agents": self.n_agents, "sparsity": self.sparsity}

    # graph view: senders 0..n-1, receivers n..2n-1, message j -> i is the edge j -> n + i
    def graph_size(self) -> int:
        return 2 * self.n_agents

    def op_names(self) -> tuple[str, ...]:
        return OP_NAMES

    def to_graph(self, arch: CommGraphArch) -> ArchGraph:
        arch = self.validate(arch)
        n = self.n_agents
        adj = np.zeros((2 * n, 2 * n), dtype=np.int8)
        for receiver, senders in enumerate(arch.senders):
            adj[list(senders), n + receiver] = 1
        ops = np.array([0] * n + [1] * n)
        return ArchGraph(ops=ops, adjacency=adj, op_names=OP_NAMES)

    def from_graph(self, graph: ArchGraph) -> CommGraphArch:
        """Inverse of ``to_graph``; a graph it cannot produce (wrong node count or node ops, an edge that
        is not sender -> receiver, a self-message, a receiver without exactly k senders) is an
        InvalidArchitecture naming the problem."""
        n, k = self.n_agents, self.k
        names = tuple(graph.op_names)
        ops = [int(o) for o in np.asarray(graph.ops).ravel()]
        adj = np.asarray(graph.adjacency) != 0
        if len(ops) != 2 * n or adj.shape != (2 * n, 2 * n):
            raise InvalidArchitecture(
                f"a graph of {n} agents has {2 * n} nodes (senders, then receivers), got {len(ops)} "
                f"with adjacency {adj.shape}"
            )
        got = [names[o] if 0 <= o < len(names) else f"#{o}" for o in ops]
        if got != ["send"] * n + ["receive"] * n:
            raise InvalidArchitecture(f"expected node ops {n} x 'send' then {n} x 'receive', got {got}")
        outside = adj.copy()
        outside[:n, n:] = False
        if outside.any():
            i, j = np.argwhere(outside)[0]
            raise InvalidArchitecture(
                f"edge {i} -> {j} is not from a sender (0..{n - 1}) to a receiver ({n}..{2 * n - 1})"
            )
        block = adj[:n, n:]
        if block.diagonal().any():
            i = int(np.flatnonzero(block.diagonal())[0])
            raise InvalidArchitecture(f"agent {i} sends to itself; the self-loop is implicit, not an edge")
        degrees = block.sum(0)
        bad = np.flatnonzero(degrees != k)
        if len(bad):
            i = int(bad[0])
            raise InvalidArchitecture(
                f"receiver {i} has {int(degrees[i])} incoming edges: expected exactly k={k} "
                f"(n={n}, S={self.sparsity:g})"
            )
        return CommGraphArch(tuple(tuple(int(j) for j in np.flatnonzero(block[:, i])) for i in range(n)))


class CommGraphEvaluator(Evaluator):
    """Score a fixed communication graph by a short CommFormer PPO run that trains with it.

    The objective is the success rate (fraction of episodes in which every predator reached the prey)
    over the last tenth of the updates, the trainer's own summary: it is the issue's headline metric and
    what a learned-graph run reports, so a discrete search and the learned graph are compared on the
    same number at equal environment steps. ``objective="mean_return"`` is the denser alternative for
    budgets so short that every graph's success rate is 0. Both, the episode length, the environment
    steps and the wall time are in ``metrics``.

    Every architecture trains from the same ``seed`` (same initial weights, episodes and action noise
    streams), so differences between graphs are not differences between seeds. The run directory is a
    temporary one; the global torch RNG of the caller is left as it was.

    Args:
        env, grid, agents, vision, sparsity: the task and the graph budget (see ``TrainConfig``).
        steps: environment steps of each training run (rounded up to whole updates).
        envs, rollout: grids stepped together and steps per grid per update; ``rollout`` must reach the
            episode limit so that every update ends episodes.
        seed: root seed of every run.
        objective: ``"success_rate"`` or ``"mean_return"``.
    """

    def __init__(
        self,
        env: str = "pp",
        grid: int = 5,
        agents: int = 3,
        vision: int = 1,
        sparsity: float = 0.4,
        steps: int = 20_000,
        envs: int = 20,
        rollout: int = 40,
        seed: int = 0,
        objective: str = "success_rate",
    ):
        if objective not in OBJECTIVES:
            raise ValueError(f"objective={objective!r} is not allowed: one of {OBJECTIVES}")
        self.space = CommGraphSpace(agents, sparsity)
        self.objective = objective
        self.options = {
            "env": env,
            "grid": grid,
            "agents": agents,
            "vision": vision,
            "sparsity": self.space.sparsity,
            "steps": steps,
            "envs": envs,
            "rollout": rollout,
            "seed": seed,
        }
        self.train_config()  # TrainConfig's own checks, raised here rather than at the first evaluation
        self.name = f"commgraph/{env}-{grid}x{grid}-{agents}a-s{self.space.sparsity:g}"

    def train_config(self, arch: CommGraphArch | None = None):
        from .training import TrainConfig

        # "random" is the fixed k-hot graph mode; its draw is replaced by the architecture's graph
        adjacency = None if arch is None else self.space.validate(arch).adjacency().tolist()
        return TrainConfig(graph="random", adjacency=adjacency, **self.options)

    def _evaluate(self, arch: CommGraphArch) -> Result:
        import torch

        from qgnas.core.threads import torch_threads

        from .training import Trainer

        config = self.train_config(arch)
        with torch_threads(), torch.random.fork_rng(), tempfile.TemporaryDirectory() as out:
            # scored on its training run alone (the search's step budget), no separate evaluation
            summary = Trainer(config, out).run(progress_bar=False, eval_episodes=0)
        value = summary[self.objective]
        if not math.isfinite(value):
            raise ValueError(
                f"{self.objective} is {value}: no episode ended in the last updates "
                f"(rollout={self.options['rollout']} shorter than the episode limit?)"
            )
        return Result(
            objective=float(value),
            metrics={
                "success_rate": float(summary["success_rate"]),
                "mean_return": float(summary["mean_return"]),
                "mean_episode_length": float(summary["mean_episode_length"]),
                "episodes": int(summary["episodes"]),
                "env_steps": int(summary["steps"]),
                "comm_edges": int(summary["comm_edges"]),
                "train_seconds": float(summary["wall_seconds"]),
            },
        )


def commgraph_task(**options: Any) -> Task:
    """The search task: :class:`CommGraphSpace` scored by :class:`CommGraphEvaluator` (``options`` go to
    the evaluator). There is no held-out metric: the objective is the training run's own success."""
    evaluator = CommGraphEvaluator(**options)
    return Task(
        name=evaluator.name,
        space=evaluator.space,
        evaluator=evaluator,
        test_metric=None,
        objective_name=evaluator.objective,
    )


__all__ = ["OP_NAMES", "CommGraphArch", "CommGraphEvaluator", "CommGraphSpace", "commgraph_task"]
