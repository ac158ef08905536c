"""Random masked agent: the floor every learned agent has to beat, with the DQN agent's interface."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RandomMaskedAgent"]


class RandomMaskedAgent:
    """Uniform over the legal actions of each state.

    It samples only legal actions (rather than uniform over all and letting the env reject) so that a
    random baseline spends its budget on circuits the learned agent could also build.

    Args:
        n_actions: size of the ``Discrete`` action space.
        seed: seed of the agent's private numpy generator; the global RNG is not touched.
    """

    def __init__(self, n_actions: int, seed: int | None = 0):
        if n_actions < 1:
            raise ValueError(f"n_actions must be positive, got {n_actions!r}")
        self.n_actions = int(n_actions)
        self.seed = seed
        self.rng = np.random.default_rng(np.random.SeedSequence(seed))

    def act(self, obs: Any = None, mask: Any = None, greedy: bool = False) -> int:
        """A legal action drawn uniformly; ``obs`` and ``greedy`` are accepted for interface parity."""
        if mask is None:
            return int(self.rng.integers(self.n_actions))
        m = np.asarray(mask).astype(bool).reshape(-1)
        if m.size != self.n_actions:
            raise ValueError(
                f"action mask has {m.size} entries, the agent expects n_actions={self.n_actions}"
            )
        legal = np.flatnonzero(m)
        if legal.size == 0:
            raise ValueError("action mask has no legal action; the episode should have ended")
        return int(legal[self.rng.integers(legal.size)])

    def observe(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to learn; present so a loop written for the DQN agent runs unchanged."""

    def update(self) -> None:
        """Nothing to learn; present so a loop written for the DQN agent runs unchanged."""
        return None

    def state_dict(self) -> dict[str, Any]:
        """The generator state, so a resumed random baseline continues the same stream."""
        return {"n_actions": self.n_actions, "seed": self.seed, "np_rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["n_actions"] != self.n_actions:
            raise ValueError(f"checkpoint is for n_actions={state['n_actions']}, agent has {self.n_actions}")
        self.seed = state["seed"]
        self.rng.bit_generator.state = state["np_rng"]
