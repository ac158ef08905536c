"""Natively batched Gymnasium vector envs of the predator-prey tasks (``gym.make_vec``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .core import GridConfig, PredatorPreyCore, capture_config, key_from_generator
from .gym_env import joint_spaces


class PredatorPreyVectorEnv(VectorEnv):
    """``num_envs`` Predator-Prey grids stepped as one numpy computation.

    ``gym.make_vec("qgnas/PredatorPrey-v0", num_envs=B)`` builds it (``vector_entry_point``); it takes
    the single env's arguments plus ``num_envs`` and ``autoreset_mode``. Observations ``[B, A, F]``,
    actions ``[B, A]``, rewards ``[B]`` (sum over agents, as the single env), ``infos["rewards"]``
    ``[B, A]`` and ``infos["success"]`` ``[B]`` (each with its ``_key`` mask, all True).

    Autoreset follows Gymnasium 1.x, ``metadata["autoreset_mode"]`` says which:

    - ``NEXT_STEP`` (default): the step after a grid's episode ends resets that grid, ignores its
      action and returns its first observation with reward 0 and no termination or truncation.
    - ``SAME_STEP``: an ended grid is reset in the same step; its last observation is in
      ``infos["final_obs"]`` (a dense ``[B, A, F]`` array, valid where ``infos["_final_obs"]``) and its
      last infos in ``infos["final_info"]``.
    - ``DISABLED``: nothing is reset; call ``reset(options={"reset_mask": mask})``.

    Seeding: ``reset(seed=s)`` gives grid ``i`` the key that ``gym.make(...).reset(seed=s + i)`` would
    draw (a list of ``B`` seeds gives them one by one), so the batch replays ``B`` single envs.
    """

    def __init__(
        self,
        num_envs: int = 1,
        grid_size: int = 5,
        n_agents: int = 3,
        vision: int = 1,
        episode_limit: int | None = None,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        on_prey_reward: float = 0.0,
        step_penalty: float = -0.05,
        render_mode: str | None = None,
    ) -> None:
        config = GridConfig(grid_size, n_agents, vision, episode_limit, 0, on_prey_reward, step_penalty)
        self._setup(config, num_envs, autoreset_mode, render_mode)

    def _setup(
        self, config: GridConfig, num_envs: int, mode: AutoresetMode | str, render_mode: str | None
    ) -> None:
        try:
            mode = AutoresetMode(mode)
        except ValueError:
            allowed = [m.value for m in AutoresetMode]
            raise ValueError(f"autoreset_mode={mode!r} is not allowed: one of {allowed}") from None
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode={render_mode!r} is not allowed: None or 'ansi'")
        self.config = config
        self.core = PredatorPreyCore(config, num_envs)
        self.num_envs = self.core.num_envs
        self.render_mode = render_mode
        self.metadata = {"autoreset_mode": mode, "render_modes": ["ansi"]}
        self.single_observation_space, self.single_action_space = joint_spaces(config)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._keyed = False
        self._ended = np.zeros(self.num_envs, dtype=bool)

    def _seed(self, seed: int | Sequence[int] | None, mask: np.ndarray | None) -> None:
        if seed is None and self._keyed:
            return
        if seed is None:
            self._np_random, self._np_random_seed = seeding.np_random()
            keys = self._np_random.integers(0, 2**64, size=self.num_envs, dtype=np.uint64)
        else:
            seeds = [int(seed) + i for i in range(self.num_envs)] if np.ndim(seed) == 0 else list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds are not allowed: one int or {self.num_envs} ints")
            self._np_random, self._np_random_seed = seeding.np_random(seeds[0])
            keys = np.array([key_from_generator(seeding.np_random(s)[0]) for s in seeds], np.uint64)
        self.core.seed(keys if mask is None else keys[mask], mask)
        self._keyed = True

    def reset(
        self, *, seed: int | Sequence[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        mask = None if options is None else options.get("reset_mask")
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (self.num_envs,):
                raise ValueError(f"reset_mask of shape {mask.shape} is not allowed: ({self.num_envs},)")
        self._seed(seed, mask)
        obs = self.core.reset(mask)
        self._ended[slice(None) if mask is None else mask] = False
        n, a = self.num_envs, self.config.n_agents
        return obs, self._infos(np.zeros((n, a)), np.zeros(n, bool))

    def _infos(self, rewards: np.ndarray, success: np.ndarray) -> dict[str, Any]:
        every = np.ones(self.num_envs, dtype=bool)
        return {"rewards": rewards, "_rewards": every, "success": success, "_success": every}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        mode = self.metadata["autoreset_mode"]
        obs, rewards, terminated, truncated, _ = self.core.step(np.asarray(actions))
        if mode == AutoresetMode.NEXT_STEP and self._ended.any():
            ended = self._ended
            obs = self.core.reset(ended)
            rewards[ended], terminated[ended], truncated[ended] = 0.0, False, False
        done = terminated | truncated
        infos = self._infos(rewards, terminated.copy())
        if mode == AutoresetMode.SAME_STEP and done.any():
            infos["final_obs"], infos["_final_obs"] = obs, done
            infos["final_info"] = {k: v.copy() for k, v in infos.items() if not k.startswith("final")}
            infos["_final_info"] = done
            obs = self.core.reset(done)
        self._ended = done
        return obs, rewards.sum(axis=1), terminated, truncated, infos

    def render(self) -> str | None:
        return self.core.render_ansi(0) if self.render_mode == "ansi" else None


class PredatorCapturePreyVectorEnv(PredatorPreyVectorEnv):
    """``num_envs`` Predator-Capture-Prey grids; as :class:`PredatorPreyVectorEnv` plus ``n_capture``."""

    def __init__(
        self,
        num_envs: int = 1,
        grid_size: int = 5,
        n_agents: int = 3,
        vision: int = 1,
        episode_limit: int | None = None,
        n_capture: int = 1,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        on_prey_reward: float = 0.0,
        step_penalty: float = -0.05,
        render_mode: str | None = None,
    ) -> None:
        config = capture_config(
            grid_size, n_agents, vision, episode_limit, n_capture, on_prey_reward, step_penalty
        )
        self._setup(config, num_envs, autoreset_mode, render_mode)
