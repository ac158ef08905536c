"""Gymnasium views of the predator-prey tasks: the joint problem of all agents as one env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .core import MOVES, GridConfig, PredatorPreyCore, capture_config, key_from_generator


def joint_spaces(config: GridConfig) -> tuple[spaces.Box, spaces.MultiDiscrete]:
    """Observation ``Box(agents x features)`` and action ``MultiDiscrete([5] * agents)`` of one grid."""
    high = float(max(config.n_agents, 1))
    obs = spaces.Box(0.0, high, (config.n_agents, config.n_features), np.float32)
    return obs, spaces.MultiDiscrete(np.full(config.n_agents, len(MOVES), dtype=np.int64))


class PredatorPreyEnv(gym.Env):
    """Predator-Prey (IC3Net rules) as one Gymnasium env over all agents.

    ## Description

    ``n_agents`` predators and one prey on a ``grid_size`` x ``grid_size`` grid; every agent and the
    prey start on distinct uniformly drawn cells. The prey is fixed (IC3Net's default). Predators must
    all reach the prey's cell; a predator that has reached it stays there for the rest of the episode.
    Each predator sees only a (2 ``vision`` + 1)^2 window around itself, which is what makes
    communication useful. The multi-agent form of the same task is the PettingZoo env
    ``qgnas.envs.predator_prey.parallel_env``; the batched form is ``gym.make_vec`` of this id.

    ## Action Space

    ``MultiDiscrete([5] * n_agents)``: per agent 0 up, 1 down, 2 left, 3 right, 4 stay. A move into the
    border leaves the agent where it is.

    ## Observation Space

    ``Box(0, n_agents, (n_agents, F), float32)``, one row per agent, ``F = W*W*C + grid_size**2`` with
    ``W = 2 vision + 1``: the agent's window as ``[W, W, C]`` flattened row-major (row 0 is the top,
    the agent at its centre), channels ``predator`` (how many predators stand on the cell, the agent
    itself included), ``prey`` and ``outside`` (the cell is beyond the border), then the one-hot of the
    agent's own cell ``row * grid_size + column``. IC3Net one-hot encodes the absolute index of every
    window cell (grid_size**2 + 3 entries per cell); the own cell carries the same information (the
    window's cells follow from it) in ``W*W`` times fewer features.

    ## Rewards

    Per agent and step: ``step_penalty`` (-0.05) off the prey and ``on_prey_reward`` (0) on it, the
    rules of IC3Net's default "mixed" mode, whose episodes end when every predator is on the prey.
    A positive ``on_prey_reward`` (IC3Net's +0.05 of its "cooperative" mode, which never ends an
    episode early) pays the team for *not* finishing when combined with the early end: two predators
    on the prey and one away earn +0.05 a step, a capture earns nothing more. A PPO pilot with +0.05
    learned exactly that (success fell from 0.20 to 0.02 while the return rose), hence the default.
    The env's reward is the **sum** over agents, the team reward of the released CommFormer code, so
    an episode's return is the sum of every agent's IC3Net return; per-agent rewards are in
    ``info["rewards"]``.

    ## Episode End

    Terminates when every predator is on the prey (``info["success"]`` is True); truncated after
    ``episode_limit`` steps (default ``4 * grid_size``: IC3Net's 20, 40 and 80 on 5x5, 10x10 and
    20x20), with ``info["success"]`` False. ``info["on_prey"]`` lists the agents on the prey.

    ## Arguments

    - ``grid_size`` (5), ``n_agents`` (3), ``vision`` (1), ``episode_limit`` (None: 4 * grid_size).
    - ``on_prey_reward`` (0.0), ``step_penalty`` (-0.05).
    - ``render_mode``: None or ``"ansi"``.

    A grid smaller than the vision window, fewer than one agent, or more agents than free cells is a
    ValueError naming the value. Starts are drawn from a 64-bit key taken from ``self.np_random`` on a
    seeded reset (or the first reset); later resets continue that key's sequence of episodes.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        grid_size: int = 5,
        n_agents: int = 3,
        vision: int = 1,
        episode_limit: int | None = None,
        *,
        on_prey_reward: float = 0.0,
        step_penalty: float = -0.05,
        render_mode: str | None = None,
    ) -> None:
        config = GridConfig(grid_size, n_agents, vision, episode_limit, 0, on_prey_reward, step_penalty)
        self._setup(config, render_mode)

    def _setup(self, config: GridConfig, render_mode: str | None) -> None:
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode={render_mode!r} is not allowed: None or 'ansi'")
        self.config = config
        self.render_mode = render_mode
        self.core = PredatorPreyCore(config, 1)
        self.observation_space, self.action_space = joint_spaces(config)
        self._keyed = False
        self._done = True

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None or not self._keyed:
            self.core.seed(key_from_generator(self.np_random))
            self._keyed = True
        obs = self.core.reset()
        self._done = False
        n = self.config.n_agents
        info = {"rewards": np.zeros(n), "success": False, "on_prey": np.zeros(n, bool)}
        return obs[0], info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise RuntimeError("the episode has ended (or never started): call reset() before step()")
        obs, rewards, terminated, truncated, on = self.core.step(np.asarray(action)[None])
        self._done = bool(terminated[0] or truncated[0])
        info = {"rewards": rewards[0], "success": bool(terminated[0]), "on_prey": on[0]}
        return obs[0], float(rewards[0].sum()), bool(terminated[0]), bool(truncated[0]), info

    def render(self) -> str | None:
        return self.core.render_ansi() if self.render_mode == "ansi" else None


class PredatorCapturePreyEnv(PredatorPreyEnv):
    """Predator-Capture-Prey: Predator-Prey where some agents are blind capture agents.

    ## Description

    As ``qgnas/PredatorPrey-v0``, but the last ``n_capture`` of the ``n_agents`` agents are capture
    agents (MAGIC's PCP, the setting of CommFormer's PCP runs): they see nothing, so they can only
    reach the prey through what the seeing predators communicate. The episode succeeds when every agent,
    predator and capture agent alike, is on the prey.

    ## Observation Space

    As Predator-Prey with one more channel: ``predator``, ``capture``, ``prey``, ``outside``. A capture
    agent's window is all zeros (also the ``outside`` channel); it still knows its own cell.

    ## Action Space, Rewards, Episode End

    As ``qgnas/PredatorPrey-v0`` (IC3Net's rewards for every agent; capture is by standing on the
    prey, with no separate capture action).

    ## Arguments

    As Predator-Prey, plus ``n_capture`` (default 1; between 1 and ``n_agents - 1``).

    ## Version History

    - v0: initial version.
    """

    def __init__(
        self,
        grid_size: int = 5,
        n_agents: int = 3,
        vision: int = 1,
        episode_limit: int | None = None,
        n_capture: int = 1,
        *,
        on_prey_reward: float = 0.0,
        step_penalty: float = -0.05,
        render_mode: str | None = None,
    ) -> None:
        config = capture_config(
            grid_size, n_agents, vision, episode_limit, n_capture, on_prey_reward, step_penalty
        )
        self._setup(config, render_mode)
