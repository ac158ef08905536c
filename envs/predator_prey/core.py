"""The numpy core of the predator-prey gridworlds: ``B`` grids reset and stepped at once.

Every view (the Gymnasium env, the vector env, the PettingZoo env) is a thin layer over
:class:`PredatorPreyCore`, so the rules live in one place and PPO's millions of steps run as array
arithmetic over the batch, with no Python loop over grids or agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Action ``i`` moves an agent by ``MOVES[i]`` (row, column); rows grow downwards.
ACTIONS = ("up", "down", "left", "right", "stay")
MOVES = np.array([[-1, 0], [1, 0], [0, -1], [0, 1], [0, 0]], dtype=np.int64)

# splitmix64 constants: a counter-based generator lets every grid draw its episodes from its own key
# without a per-grid Generator object, so an autoreset of any subset of grids is one array expression.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on an array of uint64 (wraps modulo 2**64, as intended)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def key_from_generator(rng: np.random.Generator) -> np.uint64:
    """The 64-bit episode key of one grid, drawn from a seeded Generator (e.g. an env's np_random)."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))


def capture_config(
    grid_size: int,
    n_agents: int,
    vision: int,
    episode_limit: int | None,
    n_capture: int,
    on_prey_reward: float,
    step_penalty: float,
) -> GridConfig:
    """A Predator-Capture-Prey :class:`GridConfig`: as any grid, but with at least one capture agent."""
    if isinstance(n_capture, int) and not isinstance(n_capture, bool) and n_capture < 1:
        raise ValueError(f"n_capture={n_capture!r} is not allowed: at least 1 capture agent")
    return GridConfig(grid_size, n_agents, vision, episode_limit, n_capture, on_prey_reward, step_penalty)


def _integer(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name}={value!r} is not allowed: expected an integer >= {low}")
    return int(value)


@dataclass(frozen=True)
class GridConfig:
    """The rules of one predator-prey task; validated on construction, shared by every view."""

    grid_size: int = 5
    """Side of the square grid (IC3Net: 5, 10 or 20)."""
    n_agents: int = 3
    """All learning agents: predators plus capture agents."""
    vision: int = 1
    """Predators see the (2 vision + 1)^2 window centred on themselves."""
    episode_limit: int | None = None
    """Steps before truncation; None means 4 x grid_size (IC3Net's 20, 40 and 80 for 5, 10, 20)."""
    n_capture: int = 0
    """How many of the agents (the last ones) are blind capture agents (Predator-Capture-Prey)."""
    on_prey_reward: float = 0.0
    """Reward of a step for an agent on the prey (IC3Net's "mixed" mode: 0; see the Gymnasium env)."""
    step_penalty: float = -0.05
    """Reward of a step for an agent not on the prey."""

    def __post_init__(self) -> None:
        size = _integer("grid_size", self.grid_size, 1)
        vision = _integer("vision", self.vision, 0)
        agents = _integer("n_agents", self.n_agents, 1)
        capture = _integer("n_capture", self.n_capture, 0)
        window = 2 * vision + 1
        if size < window:
            raise ValueError(
                f"grid_size={size} is smaller than the vision window 2*vision+1={window} (vision={vision}); "
                f"allowed: grid_size >= {window}, or vision <= {(size - 1) // 2}"
            )
        if agents + 1 > size * size:
            raise ValueError(
                f"n_agents={agents} does not fit a {size}x{size} grid: agents and prey start on distinct "
                f"cells, so n_agents <= {size * size - 1}"
            )
        if capture and capture >= agents:
            raise ValueError(
                f"n_capture={capture} is not allowed with n_agents={agents}: between 1 and "
                f"{agents - 1}, since at least one predator must see"
            )
        if self.episode_limit is not None:
            _integer("episode_limit", self.episode_limit, 1)
        for name in ("on_prey_reward", "step_penalty"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{name}={value!r} is not allowed: expected a finite number")

    @property
    def limit(self) -> int:
        return 4 * self.grid_size if self.episode_limit is None else int(self.episode_limit)

    @property
    def channels(self) -> tuple[str, ...]:
        """Per-cell channels of the vision window, in order."""
        kinds = ("predator", "capture") if self.n_capture else ("predator",)
        return (*kinds, "prey", "outside")

    @property
    def n_features(self) -> int:
        """Features per agent: the window's channels plus the one-hot of the agent's own cell."""
        window = 2 * self.vision + 1
        return window * window * len(self.channels) + self.grid_size**2


class PredatorPreyCore:
    """``num_envs`` predator-prey grids as arrays.

    State: ``pos`` [B, A, 2] (row, column) of the agents, predators first and capture agents last;
    ``prey`` [B, 2]; ``t`` [B] steps taken; ``key`` and ``episode`` [B], from which each grid's next
    start is drawn (so grid ``b`` replays the same episodes whatever the other grids do).
    """

    def __init__(self, config: GridConfig, num_envs: int = 1) -> None:
        self.config = config
        self.num_envs = _integer("num_envs", num_envs, 1)
        n, a = self.num_envs, config.n_agents
        self.n_features = config.n_features
        self.blind = np.arange(a) >= a - config.n_capture
        channel = {name: i for i, name in enumerate(config.channels)}
        kinds = np.where(self.blind, channel.get("capture", 0), channel["predator"])
        self._entity_channel = np.append(kinds, channel["prey"])
        self._table = self._static_table()
        self.pos = np.zeros((n, a, 2), dtype=np.int64)
        self.prey = np.zeros((n, 2), dtype=np.int64)
        self.t = np.zeros(n, dtype=np.int64)
        self.key = np.zeros(n, dtype=np.uint64)
        self.episode = np.zeros(n, dtype=np.uint64)

    def _static_table(self) -> np.ndarray:
        """[2, cells, F]: per (blind?, own cell) the features that do not depend on the other agents:
        the outside channel of the window (zero for a blind agent) and the one-hot of the own cell."""
        size, vision = self.config.grid_size, self.config.vision
        window, n_ch, cells = 2 * vision + 1, len(self.config.channels), self.config.grid_size**2
        rows, cols = np.divmod(np.arange(cells), size)
        offsets = np.arange(window) - vision
        r, c = rows[:, None] + offsets, cols[:, None] + offsets
        outside = ((r < 0) | (r >= size))[:, :, None] | ((c < 0) | (c >= size))[:, None, :]
        seen = np.zeros((cells, window, window, n_ch), dtype=np.float32)
        seen[..., -1] = outside
        seen = seen.reshape(cells, -1)
        own = np.eye(cells, dtype=np.float32)
        return np.stack([np.hstack([seen, own]), np.hstack([np.zeros_like(seen), own])])

    def seed(self, keys: np.ndarray | int, mask: np.ndarray | None = None) -> None:
        """Give the grids in ``mask`` (default all) new keys and restart their episode counters."""
        rows = slice(None) if mask is None else mask
        self.key[rows] = np.asarray(keys, dtype=np.uint64)
        self.episode[rows] = 0

    def reset(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Start a new episode in the grids in ``mask`` (bool [B], default all); observations of all."""
        idx = np.arange(self.num_envs) if mask is None else np.flatnonzero(mask)
        if idx.size:
            size, cells = self.config.grid_size, self.config.grid_size**2
            base = _mix(self.key[idx] + (self.episode[idx] + np.uint64(1)) * _MIX2)
            noise = _mix(base[:, None] + np.arange(cells, dtype=np.uint64) * _GAMMA)
            # a uniformly random ordered choice of distinct cells: agents first, the prey last
            chosen = np.argsort(noise, axis=1)[:, : self.config.n_agents + 1]
            rc = np.stack(np.divmod(chosen, size), axis=-1)
            self.pos[idx], self.prey[idx] = rc[:, :-1], rc[:, -1]
            self.t[idx] = 0
            self.episode[idx] += np.uint64(1)
        return self.observe()

    def on_prey(self) -> np.ndarray:
        """bool [B, A]: which agents stand on their grid's prey."""
        return np.all(self.pos == self.prey[:, None, :], axis=-1)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, ...]:
        """Move every agent of every grid; returns obs [B, A, F], rewards [B, A], terminated [B],
        truncated [B] and on_prey [B, A]. Grids past their end are stepped too: callers reset them."""
        actions = np.asarray(actions)
        shape = (self.num_envs, self.config.n_agents)
        if actions.shape != shape:
            raise ValueError(f"actions of shape {actions.shape} are not allowed: expected {shape}")
        if not np.issubdtype(actions.dtype, np.integer) or actions.min() < 0 or actions.max() >= len(MOVES):
            raise ValueError(
                f"actions {actions.ravel()[:8]}... are not allowed: integers in [0, {len(MOVES)}) {ACTIONS}"
            )
        # IC3Net: a predator that has reached the (fixed) prey stays there for the rest of the episode
        moves = MOVES[actions] * ~self.on_prey()[..., None]
        np.clip(self.pos + moves, 0, self.config.grid_size - 1, out=self.pos)
        on = self.on_prey()
        self.t += 1
        rewards = np.where(on, float(self.config.on_prey_reward), float(self.config.step_penalty))
        terminated = on.all(axis=1)
        truncated = (self.t >= self.config.limit) & ~terminated
        return self.observe(), rewards, terminated, truncated, on

    def observe(self) -> np.ndarray:
        """float32 [B, A, F]: each agent's window counts plus outside channel, then its own cell."""
        n, a, f = self.num_envs, self.config.n_agents, self.n_features
        size, vision = self.config.grid_size, self.config.vision
        window, n_ch = 2 * vision + 1, len(self.config.channels)
        cell = self.pos[..., 0] * size + self.pos[..., 1]
        obs = self._table[self.blind.astype(np.int64)[None, :], cell]
        # every (observer, entity) pair: where the entity falls in the observer's window, if it does
        entities = np.concatenate([self.pos, self.prey[:, None, :]], axis=1)
        rel = entities[:, None, :, :] - self.pos[:, :, None, :] + vision
        seen = np.all((rel >= 0) & (rel < window), axis=-1) & ~self.blind[None, :, None]
        feature = (rel[..., 0] * window + rel[..., 1]) * n_ch + self._entity_channel
        flat = (np.arange(n * a).reshape(n, a, 1) * f + feature)[seen]
        np.add.at(obs.reshape(-1), flat, np.float32(1))
        return obs

    def render_ansi(self, index: int = 0) -> str:
        """Grid ``index`` as text: ``X`` prey, digits predators, letters capture agents, ``@`` on prey."""
        size = self.config.grid_size
        rows = [["."] * size for _ in range(size)]
        rows[self.prey[index, 0]][self.prey[index, 1]] = "X"
        for i, (r, c) in enumerate(self.pos[index]):
            label = chr(ord("a") + i % 26) if self.blind[i] else str(i % 10)
            rows[r][c] = "@" if rows[r][c] in "X@" else label
        return "\n".join("".join(row) for row in rows) + f"\nstep {self.t[index]}/{self.config.limit}\n"
