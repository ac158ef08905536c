"""Predator-Prey and Predator-Capture-Prey gridworlds (IC3Net rules) over one batched numpy core.

- ``PredatorPreyEnv`` / ``PredatorCapturePreyEnv``: Gymnasium, the joint problem of all agents
  (``qgnas/PredatorPrey-v0``, ``qgnas/PredatorCapturePrey-v0``).
- ``PredatorPreyVectorEnv`` / ``PredatorCapturePreyVectorEnv``: ``gym.make_vec`` of those ids.
- ``parallel_env`` / ``PredatorPreyParallelEnv``: PettingZoo (imported on first use).
- ``PredatorPreyCore`` / ``GridConfig``: the rules as arrays, for agents that want no wrapper at all.
"""

from __future__ import annotations

from typing import Any

from .core import ACTIONS, GridConfig, PredatorPreyCore
from .gym_env import PredatorCapturePreyEnv, PredatorPreyEnv
from .vector import PredatorCapturePreyVectorEnv, PredatorPreyVectorEnv

__all__ = [
    "ACTIONS",
    "GridConfig",
    "PredatorCapturePreyEnv",
    "PredatorCapturePreyVectorEnv",
    "PredatorPreyCore",
    "PredatorPreyEnv",
    "PredatorPreyParallelEnv",
    "PredatorPreyVectorEnv",
    "parallel_env",
]


def __getattr__(name: str) -> Any:
    # PettingZoo is imported only by those who use it, so gym.make of these ids stays import-light
    if name in ("parallel_env", "PredatorPreyParallelEnv"):
        from . import parallel

        return getattr(parallel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
