"""PettingZoo ``ParallelEnv`` view of the predator-prey tasks: one grid, one entry per agent."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from .core import MOVES, GridConfig, PredatorPreyCore, key_from_generator


class PredatorPreyParallelEnv(ParallelEnv):
    """Predator-Prey (``n_capture=0``) or Predator-Capture-Prey (``n_capture >= 1``) for PettingZoo.

    Agents ``predator_0 ... predator_{P-1}`` then ``capture_0 ... capture_{n_capture-1}``. Each observes
    its row of the Gymnasium env's observation (``Box(0, n_agents, (F,), float32)``, see
    :class:`~qgnas.envs.predator_prey.PredatorPreyEnv`), acts with ``Discrete(5)`` (up, down, left,
    right, stay) and gets its own IC3Net reward. All agents end together: terminated when all are on
    the prey (``infos[agent]["success"]`` True), truncated at the episode limit. The same seed gives
    the same episodes as the Gymnasium env.
    """

    metadata = {"name": "predator_prey_v0", "render_modes": ["ansi"], "is_parallelizable": True}

    def __init__(
        self,
        grid_size: int = 5,
        n_agents: int = 3,
        vision: int = 1,
        episode_limit: int | None = None,
        n_capture: int = 0,
        *,
        on_prey_reward: float = 0.0,
        step_penalty: float = -0.05,
        render_mode: str | None = None,
    ) -> None:
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode={render_mode!r} is not allowed: None or 'ansi'")
        self.config = GridConfig(
            grid_size, n_agents, vision, episode_limit, n_capture, on_prey_reward, step_penalty
        )
        self.render_mode = render_mode
        self.core = PredatorPreyCore(self.config, 1)
        n_pred = n_agents - n_capture
        self.possible_agents = [f"predator_{i}" for i in range(n_pred)]
        self.possible_agents += [f"capture_{i}" for i in range(n_capture)]
        self.agents: list[str] = []
        box = spaces.Box(0.0, float(n_agents), (self.config.n_features,), np.float32)
        self.observation_spaces = {agent: box for agent in self.possible_agents}
        self.action_spaces = {agent: spaces.Discrete(len(MOVES)) for agent in self.possible_agents}
        self._keyed = False

    def observation_space(self, agent: str) -> spaces.Box:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Discrete:
        return self.action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        if seed is not None or not self._keyed:
            self.np_random, _ = seeding.np_random(seed)
            self.core.seed(key_from_generator(self.np_random))
            self._keyed = True
        obs = self.core.reset()[0]
        self.agents = list(self.possible_agents)
        return {a: obs[i] for i, a in enumerate(self.agents)}, {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        if not self.agents:
            raise RuntimeError("the episode has ended (or never started): call reset() before step()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"actions for {missing} are missing: every live agent acts each step")
        joint = np.array([[actions[a] for a in self.agents]], dtype=np.int64)
        obs, rewards, terminated, truncated, on = self.core.step(joint)
        agents, success = self.agents, bool(terminated[0])
        self.agents = [] if terminated[0] or truncated[0] else agents
        return (
            {a: obs[0, i] for i, a in enumerate(agents)},
            {a: float(rewards[0, i]) for i, a in enumerate(agents)},
            {a: bool(terminated[0]) for a in agents},
            {a: bool(truncated[0]) for a in agents},
            {a: {"success": success, "on_prey": bool(on[0, i])} for i, a in enumerate(agents)},
        )

    def render(self) -> str | None:
        return self.core.render_ansi() if self.render_mode == "ansi" else None

    def state(self) -> np.ndarray:
        """The joint observation ``[n_agents * F]``, e.g. for a centralised critic."""
        return self.core.observe()[0].ravel()


def parallel_env(**kwargs: Any) -> PredatorPreyParallelEnv:
    """PettingZoo-style constructor: ``parallel_env(grid_size=5, n_agents=3, n_capture=1)``."""
    return PredatorPreyParallelEnv(**kwargs)
