"""PPO bookkeeping of the CommFormer trainer: GAE, episode statistics, the curves' CSV, TensorBoard.

Kept apart from :mod:`.training` so the trainer reads as the PPO loop only; nothing here holds state
except the once-per-process notice that tensorboard is missing.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch


def gae(
    batch: dict[str, torch.Tensor], last_value: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimates and returns, ``[T, B]`` each; a done step cuts the bootstrap."""
    rewards, values, dones = batch["rewards"], batch["values"], batch["dones"]
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(last_value)
    for t in reversed(range(rewards.shape[0])):
        next_value = last_value if t == rewards.shape[0] - 1 else values[t + 1]
        live = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_value * live - values[t]
        running = delta + gamma * lam * live * running
        advantages[t] = running
    return advantages, advantages + values


def track_episodes(
    ep_return: np.ndarray,
    ep_length: np.ndarray,
    rewards: np.ndarray,
    terminated: np.ndarray,
    done: np.ndarray,
) -> list[tuple[int, float, int, bool]]:
    """Add a step to each grid's running team return (the env's per-agent rewards, summed) and length,
    in place; ``(grid, return, length, success)`` of the episodes that ended, whose counters restart."""
    ep_return += rewards.sum(-1)
    ep_length += 1
    ended = np.flatnonzero(done)
    out = [(int(i), float(ep_return[i]), int(ep_length[i]), bool(terminated[i])) for i in ended]
    ep_return[done], ep_length[done] = 0.0, 0
    return out


def episode_stats(episodes: list[tuple[float, int, bool]], gate_open: float) -> dict[str, float]:
    n = len(episodes)
    nan = float("nan")
    return {
        "episodes": n,
        "success_rate": sum(e[2] for e in episodes) / n if n else nan,
        "mean_episode_length": sum(e[1] for e in episodes) / n if n else nan,
        "mean_return": sum(e[0] for e in episodes) / n if n else nan,
        "gate_open_fraction": gate_open,
    }


def curves_csv(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """The curve rows as CSV text (floats with repr precision, so equal runs give equal files)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


_TB_WARNED = False


def tensorboard_writer(path: Path, step: int):
    """A SummaryWriter, or None (saying so once per process) when tensorboard is not installed."""
    global _TB_WARNED
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        if not _TB_WARNED:
            print("commformer: tensorboard is not installed; skipping TensorBoard logs", file=sys.stderr)
            _TB_WARNED = True
        return None
    # purge_step drops events a killed run wrote after its last checkpoint
    return SummaryWriter(str(path), purge_step=step or None)
