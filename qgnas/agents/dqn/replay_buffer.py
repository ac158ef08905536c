"""The replay buffer of n-step transitions, with the next state's action mask for masked bootstrapping."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["ReplayBuffer"]


class ReplayBuffer:
    """Circular store of (n-step) transitions in preallocated numpy arrays.

    Each row holds the discounted reward sum of up to n steps and ``discount``: gamma^k for a
    bootstrapped k-step transition, 0 when the episode terminated inside those k steps. Folding
    termination and the step count into one number keeps the update a single formula.
    Observations are stored as float32 (obs and next obs: ``2 * capacity * obs_dim * 4`` bytes).
    """

    def __init__(self, capacity: int, obs_dim: int, n_actions: int):
        self.capacity, self.obs_dim, self.n_actions = capacity, obs_dim, n_actions
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.discounts = np.zeros(capacity, dtype=np.float32)
        self.next_masks = np.zeros((capacity, n_actions), dtype=bool)
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(
        self,
        obs: np.ndarray,
        action: int,
        reward: float,
        next_obs: np.ndarray,
        discount: float,
        next_mask: np.ndarray,
    ) -> None:
        """Write one transition over the oldest row once full."""
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.discounts[i], self.next_masks[i] = next_obs, discount, next_mask
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator, device: str) -> dict[str, torch.Tensor]:
        """A minibatch without replacement (as CRLQAS's ``random.sample``), as tensors on ``device``."""
        idx = rng.choice(self.size, size=batch_size, replace=False)
        arrays = {
            "obs": self.obs[idx],
            "actions": self.actions[idx],
            "rewards": self.rewards[idx],
            "next_obs": self.next_obs[idx],
            "discounts": self.discounts[idx],
            "next_masks": self.next_masks[idx],
        }
        return {k: torch.from_numpy(v).to(device) for k, v in arrays.items()}

    def state_dict(self) -> dict[str, Any]:
        """The filled rows as tensors, so ``torch.load(weights_only=True)`` can read a checkpoint."""
        n = self.size
        names = ("obs", "actions", "rewards", "next_obs", "discounts", "next_masks")
        data = {k: torch.from_numpy(getattr(self, k)[:n].copy()) for k in names}
        return {"capacity": self.capacity, "pos": self.pos, "size": n, **data}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["capacity"] != self.capacity:
            raise ValueError(
                f"checkpoint replay capacity {state['capacity']} != this agent's buffer_size {self.capacity}"
            )
        n = int(state["size"])
        for k in ("obs", "actions", "rewards", "next_obs", "discounts", "next_masks"):
            getattr(self, k)[:n] = state[k].numpy()
        self.size, self.pos = n, int(state["pos"])
