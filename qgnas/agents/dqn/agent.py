"""The masked double-DQN agent: acting, n-step bookkeeping, the update, checkpointing, training."""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import DQNConfig
from .network import build_q_network
from .replay_buffer import ReplayBuffer

__all__ = ["EpisodeCallback", "MaskedDQNAgent", "get_action_mask"]


def get_action_mask(env: Any, info: dict[str, Any], n_actions: int) -> np.ndarray:
    """Legal-action mask for the current state: ``info["action_mask"]``, else ``env.action_masks()``.

    Gymnasium 1.x wrappers no longer forward unknown attributes, hence ``get_wrapper_attr``. An env
    with neither gets an all-legal mask, so unmasked envs work too.
    """
    if "action_mask" in info:
        return np.asarray(info["action_mask"]).astype(bool).reshape(n_actions)
    try:
        masks = env.get_wrapper_attr("action_masks") if hasattr(env, "get_wrapper_attr") else env.action_masks
    except AttributeError:
        return np.ones(n_actions, dtype=bool)
    return np.asarray(masks()).astype(bool).reshape(n_actions)


EpisodeCallback = Callable[[dict[str, Any]], bool | None]


class MaskedDQNAgent:
    """Double DQN over a flat observation with a per-state mask of legal actions.

    Args:
        obs_dim: length of the flattened observation.
        n_actions: size of the ``Discrete`` action space.
        config: hyperparameters (default: CRLQAS's for L = 40).
        seed: root seed of the agent's private generators; same seed, same run.

    A custom loop calls ``act`` -> ``env.step`` -> ``observe`` -> ``update`` (``updates_per_step``
    times); ``train`` does exactly that and adds greedy test episodes and per-episode stats.
    """

    def __init__(self, obs_dim: int, n_actions: int, config: DQNConfig | None = None, seed: int | None = 0):
        if obs_dim < 1 or n_actions < 1:
            raise ValueError(f"obs_dim and n_actions must be positive, got {obs_dim!r}, {n_actions!r}")
        self.obs_dim, self.n_actions = int(obs_dim), int(n_actions)
        self.config = config if config is not None else DQNConfig()
        cfg = self.config

        # Seeding: one SeedSequence split into a numpy stream (exploration, minibatches) and a torch
        # stream (initial weights). Nothing global is seeded or consumed.
        self.seed = seed
        np_seq, torch_seq = np.random.SeedSequence(seed).spawn(2)
        self.rng = np.random.default_rng(np_seq)
        self.torch_gen = torch.Generator(device="cpu")
        self.torch_gen.manual_seed(int(torch_seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))

        self.q_net = build_q_network(self.obs_dim, self.n_actions, cfg, self.torch_gen)
        self.target_net = copy.deepcopy(self.q_net).requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=cfg.lr)
        self.buffer = ReplayBuffer(cfg.buffer_size, self.obs_dim, self.n_actions)

        self.epsilon = float(cfg.epsilon_start)
        self.env_steps = 0  # transitions observed (one per env step)
        self.updates = 0  # gradient updates done
        self.episodes = 0  # training episodes finished by ``train``
        # The current episode's last (up to n) steps whose n-step return is not complete yet.
        self._pending: deque[tuple[np.ndarray, int, float]] = deque()

    # ------------------------------------------------------------------ acting
    def _check_obs(self, obs: Any) -> np.ndarray:
        x = np.asarray(obs, dtype=np.float32).reshape(-1)
        if x.size != self.obs_dim:
            raise ValueError(f"observation has {x.size} entries, the agent expects obs_dim={self.obs_dim}")
        return x

    def _check_mask(self, mask: Any) -> np.ndarray:
        if mask is None:
            return np.ones(self.n_actions, dtype=bool)
        m = np.asarray(mask).astype(bool).reshape(-1)
        if m.size != self.n_actions:
            raise ValueError(
                f"action mask has {m.size} entries, the agent expects n_actions={self.n_actions}"
            )
        return m

    def act(self, obs: Any, mask: Any = None, greedy: bool = False) -> int:
        """Epsilon-greedy action among the legal ones (``greedy=True``: no exploration, no RNG draw)."""
        x, m = self._check_obs(obs), self._check_mask(mask)
        legal = np.flatnonzero(m)
        if legal.size == 0:
            raise ValueError("action mask has no legal action; the episode should have ended")
        if not greedy and self.rng.random() < self.epsilon:
            return int(legal[self.rng.integers(legal.size)])
        with torch.no_grad():
            q = self.q_net(torch.from_numpy(x).to(self.config.device).unsqueeze(0))[0]
            q = q.masked_fill(~torch.from_numpy(m).to(q.device), -math.inf)
        return int(torch.argmax(q).item())

    def q_values(self, obs: Any) -> np.ndarray:
        """Unmasked Q-values of one observation (for inspection and logging)."""
        with torch.no_grad():
            x = torch.from_numpy(self._check_obs(obs)).to(self.config.device).unsqueeze(0)
            return self.q_net(x)[0].cpu().numpy()

    # -------------------------------------------------------- n-step bookkeeping
    def observe(
        self,
        obs: Any,
        action: int,
        reward: float,
        next_obs: Any,
        done: bool,
        truncated: bool,
        next_mask: Any = None,
    ) -> None:
        """Record one env step; completed n-step transitions go to the replay buffer.

        ``done`` is Gymnasium's ``terminated``: the state is absorbing, nothing is bootstrapped.
        ``truncated`` (a time limit or random halting) ends the episode but the state is not terminal,
        so the returns cut short by it still bootstrap from ``next_obs``. At either, every pending step
        is flushed with the shorter return that remains, so nothing leaks into the next episode.
        """
        cfg = self.config
        x_next, m_next = self._check_obs(next_obs), self._check_mask(next_mask)
        a = int(action)
        if not 0 <= a < self.n_actions:
            raise ValueError(f"action {action!r} outside [0, {self.n_actions})")
        self._pending.append((self._check_obs(obs), a, float(reward)))
        self.env_steps += 1
        if len(self._pending) == cfg.n_step:
            self._emit(x_next, bool(done), m_next)
        if done or truncated:
            while self._pending:
                self._emit(x_next, bool(done), m_next)

    def _emit(self, next_obs: np.ndarray, terminated: bool, next_mask: np.ndarray) -> None:
        """Store the oldest pending step with the discounted sum of the rewards after it."""
        gamma = self.config.gamma
        ret = 0.0
        for k, (_, _, r) in enumerate(self._pending):
            ret += gamma**k * r
        discount = 0.0 if terminated else gamma ** len(self._pending)
        obs, action, _ = self._pending.popleft()
        self.buffer.add(obs, action, ret, next_obs, discount, next_mask)

    # ------------------------------------------------------------------ learning
    def update(self) -> float | None:
        """One double-DQN gradient step; returns the loss, or None while learning has not started.

        Target: r_n + gamma^k * Q_target(s', argmax_{a legal in s'} Q_online(s', a)). Choosing the action
        with the online net and valuing it with the target net is what removes DQN's max bias.
        """
        cfg = self.config
        if len(self.buffer) < max(cfg.learning_starts, cfg.batch_size):
            return None
        b = self.buffer.sample(cfg.batch_size, self.rng, cfg.device)
        with torch.no_grad():
            next_online = self.q_net(b["next_obs"]).masked_fill(~b["next_masks"], -math.inf)
            next_actions = next_online.argmax(dim=1, keepdim=True)
            next_q = self.target_net(b["next_obs"]).gather(1, next_actions).squeeze(1)
            # A state with no legal action can only be terminal; never let -inf or junk leak in.
            next_q = torch.where(b["next_masks"].any(dim=1), next_q, torch.zeros_like(next_q))
            target = b["rewards"] + b["discounts"] * next_q
        q = self.q_net(b["obs"]).gather(1, b["actions"].unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.q_net.parameters(), cfg.max_grad_norm)
        self.optimizer.step()

        self.updates += 1
        self.epsilon = max(cfg.epsilon_min, self.epsilon * cfg.epsilon_decay)
        if self.updates % cfg.target_sync_every == 0:
            self.target_net.load_state_dict(self.q_net.state_dict())
        return float(loss.item())

    # ------------------------------------------------------------- checkpointing
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit for bit: nets, optimiser, replay, epsilon, counters, RNGs.

        Only tensors and plain Python values, so ``torch.save`` / ``torch.load(weights_only=True)``
        round-trip it.
        """
        return {
            "format": 1,
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "config": dataclasses.asdict(self.config),
            "seed": self.seed,
            "q_net": self.q_net.state_dict(),
            "target_net": self.target_net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "buffer": self.buffer.state_dict(),
            "pending": [(torch.from_numpy(o.copy()), a, r) for o, a, r in self._pending],
            "epsilon": self.epsilon,
            "env_steps": self.env_steps,
            "updates": self.updates,
            "episodes": self.episodes,
            "np_rng": self.rng.bit_generator.state,
            "torch_rng": self.torch_gen.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; the agent must have been built with the same shapes and config.

        A config that differs (apart from ``device``) is refused rather than silently mixed, because
        resuming with, say, another gamma would not be the run the checkpoint belongs to.
        """
        if (state["obs_dim"], state["n_actions"]) != (self.obs_dim, self.n_actions):
            raise ValueError(
                f"checkpoint is for obs_dim={state['obs_dim']}, n_actions={state['n_actions']}; "
                f"this agent has obs_dim={self.obs_dim}, n_actions={self.n_actions}"
            )
        ours = dataclasses.asdict(self.config)
        diff = {k: (v, ours.get(k)) for k, v in state["config"].items() if k != "device" and ours.get(k) != v}
        if diff:
            details = ", ".join(f"{k}: checkpoint {a!r} vs agent {b!r}" for k, (a, b) in diff.items())
            raise ValueError(f"checkpoint config differs from this agent's: {details}")
        self.q_net.load_state_dict(state["q_net"])
        self.target_net.load_state_dict(state["target_net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self._pending = deque((o.numpy().copy(), int(a), float(r)) for o, a, r in state["pending"])
        self.epsilon = float(state["epsilon"])
        self.env_steps, self.updates = int(state["env_steps"]), int(state["updates"])
        self.episodes = int(state["episodes"])
        self.seed = state["seed"]
        self.rng.bit_generator.state = state["np_rng"]
        self.torch_gen.set_state(state["torch_rng"])

    # ------------------------------------------------------------ training loop
    def evaluate(self, env: Any, seed: int | None = None) -> dict[str, Any]:
        """One greedy episode; the agent learns nothing and draws no random numbers from it."""
        obs, info = env.reset(seed=seed)
        ret, length = 0.0, 0
        while True:
            action = self.act(obs, get_action_mask(env, info, self.n_actions), greedy=True)
            obs, reward, terminated, truncated, info = env.step(action)
            ret += float(reward)
            length += 1
            if terminated or truncated:
                return {"return": ret, "length": length, "info": info}

    def train(
        self,
        env: Any,
        episodes: int,
        *,
        seed: int | None = None,
        test_env: Any | None = None,
        test_every: int | None = None,
        callback: EpisodeCallback | None = None,
    ) -> list[dict[str, Any]]:
        """Run ``episodes`` more training episodes; returns (and passes to ``callback``) their stats.

        Each stats dict has ``episode`` (1-based, counting across resumes), ``return``, ``length``,
        ``env_steps``, ``updates``, ``epsilon``, ``loss`` (mean over the episode's updates, or None),
        ``seconds``, ``info`` (the env's last info) and ``test``: None, or the greedy test episode's
        ``{"return", "length", "info"}`` when ``episode % test_every == 0``. The callback runs after the
        episode and its test, so a checkpoint saved from it resumes cleanly; returning True stops early.

        Args:
            env: Gymnasium env with a Discrete action space and a flat observation.
            episodes: number of training episodes to run in this call.
            seed: passed to the first ``env.reset`` of this call (and ``seed + 1`` to the test env's).
            test_env: env for greedy tests (default: ``env``; a separate one keeps a curriculum in the
                training env from seeing test episodes).
            test_every: overrides ``config.test_every``; 0 disables tests.
            callback: called with each episode's stats.
        """
        every = self.config.test_every if test_every is None else int(test_every)
        tenv = env if test_env is None else test_env
        test_seed = None if seed is None or test_env is None else seed + 1
        history: list[dict[str, Any]] = []
        for i in range(int(episodes)):
            stats = self._train_episode(env, seed if i == 0 else None)
            if every and self.episodes % every == 0:
                stats["test"] = self.evaluate(tenv, seed=test_seed)
                test_seed = None
            history.append(stats)
            if callback is not None and callback(stats):
                break
        return history

    def _train_episode(self, env: Any, seed: int | None) -> dict[str, Any]:
        """One training episode (act, step, observe, update); its stats without the test episode."""
        start = time.perf_counter()
        obs, info = env.reset(seed=seed)
        mask = get_action_mask(env, info, self.n_actions)
        ret, length, losses = 0.0, 0, []
        while True:
            action = self.act(obs, mask)
            next_obs, reward, terminated, truncated, info = env.step(action)
            next_mask = get_action_mask(env, info, self.n_actions)
            self.observe(obs, action, reward, next_obs, terminated, truncated, next_mask)
            for _ in range(self.config.updates_per_step):
                loss = self.update()
                if loss is not None:
                    losses.append(loss)
            ret += float(reward)
            length += 1
            obs, mask = next_obs, next_mask
            if terminated or truncated:
                break
        self.episodes += 1
        return {
            "episode": self.episodes,
            "return": ret,
            "length": length,
            "env_steps": self.env_steps,
            "updates": self.updates,
            "epsilon": self.epsilon,
            "loss": float(np.mean(losses)) if losses else None,
            "seconds": time.perf_counter() - start,
            "info": info,
            "test": None,
        }
