"""Hyperparameters of the masked double DQN, with CRLQAS's defaults, and CRLQAS's discount rule."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DQNConfig", "crlqas_gamma"]


def crlqas_gamma(max_gates: int) -> float:
    """CRLQAS discount: ``round(0.005 ** (1 / L), 2)``.

    The discount is tied to the gate budget L so that a reward L steps away is weighted by about 0.005
    whatever the budget: 0.88 for L = 40, 0.93 for L = 70, 0.98 for L = 250.
    """
    if not isinstance(max_gates, int | np.integer) or max_gates < 1:
        raise ValueError(f"max_gates must be a positive integer, got {max_gates!r}")
    return round(0.005 ** (1.0 / int(max_gates)), 2)


@dataclass
class DQNConfig:
    """Hyperparameters of the masked double DQN; the defaults are CRLQAS's (L = 40 gates)."""

    hidden_sizes: tuple[int, ...] = (1000, 1000, 1000, 1000, 1000)
    """Widths of the MLP's hidden layers (CRLQAS: 5 x 1000; 2000 for 6 qubits, 5000 for 8)."""
    negative_slope: float = 0.01
    """Slope of the LeakyReLU activations for negative inputs (PyTorch's default)."""
    learning_rate: float | None = None
    """Adam step size; None picks CRLQAS's: 1e-4, or 3e-4 when ``n_step > 1``."""
    batch_size: int = 1000
    """Transitions per gradient update."""
    buffer_size: int = 20_000
    """Replay capacity in transitions; the oldest are overwritten first."""
    target_sync_every: int = 500
    """Copy the online network into the target network every this many updates."""
    epsilon_start: float = 1.0
    """Exploration rate before the first update."""
    epsilon_decay: float = 0.99995
    """Factor applied to epsilon after every update."""
    epsilon_min: float = 0.05
    """Floor of the exploration rate."""
    gamma: float = 0.88
    """Discount per step; use ``crlqas_gamma(max_gates)`` (0.88 is its value for L = 40)."""
    n_step: int = 1
    """Length of the bootstrapped return (CRLQAS: 1, or 5 and 6 for the larger molecules)."""
    updates_per_step: int = 1
    """Gradient updates after each environment step (in ``train``), once learning has started."""
    learning_starts: int = 1000
    """Transitions to collect before the first update (updates also wait for a full batch)."""
    max_grad_norm: float | None = None
    """Clip the gradient's global norm to this value; None (CRLQAS) does not clip."""
    test_every: int = 100
    """``train`` runs a greedy test episode every this many training episodes; 0 turns it off."""
    device: str = "cpu"
    """Torch device of the networks; bit-for-bit reproducibility is only promised on CPU."""

    def __post_init__(self) -> None:
        self.hidden_sizes = tuple(int(h) for h in self.hidden_sizes)
        positive_ints = ("batch_size", "buffer_size", "target_sync_every", "n_step", "updates_per_step")
        for name in positive_ints:
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"DQNConfig.{name} must be a positive integer, got {value!r}")
        if not self.hidden_sizes or min(self.hidden_sizes) < 1:
            raise ValueError(f"DQNConfig.hidden_sizes must be positive widths, got {self.hidden_sizes!r}")
        if self.learning_starts < 0 or self.test_every < 0:
            raise ValueError("DQNConfig.learning_starts and DQNConfig.test_every must be >= 0")
        if self.batch_size > self.buffer_size:
            raise ValueError(
                f"DQNConfig.batch_size ({self.batch_size}) must not exceed buffer_size ({self.buffer_size})"
            )
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"DQNConfig.gamma must lie in [0, 1], got {self.gamma!r}")
        if not 0.0 <= self.epsilon_min <= self.epsilon_start <= 1.0:
            raise ValueError(
                "DQNConfig needs 0 <= epsilon_min <= epsilon_start <= 1, got "
                f"epsilon_min={self.epsilon_min!r}, epsilon_start={self.epsilon_start!r}"
            )
        if not 0.0 < self.epsilon_decay <= 1.0:
            raise ValueError(f"DQNConfig.epsilon_decay must lie in (0, 1], got {self.epsilon_decay!r}")
        if self.learning_rate is not None and self.learning_rate <= 0:
            raise ValueError(f"DQNConfig.learning_rate must be positive, got {self.learning_rate!r}")

    @property
    def lr(self) -> float:
        """The Adam step size actually used (resolves ``learning_rate=None``)."""
        if self.learning_rate is not None:
            return float(self.learning_rate)
        return 3e-4 if self.n_step > 1 else 1e-4

    @classmethod
    def crlqas(cls, max_gates: int, n_qubits: int | None = None, **overrides: Any) -> DQNConfig:
        """CRLQAS settings for a gate budget (sets gamma) and register size (sets the width).

        ``overrides`` replace any field, e.g. ``n_step=5`` as CRLQAS used for LiH on 4 qubits.
        """
        values: dict[str, Any] = {"gamma": crlqas_gamma(max_gates)}
        if n_qubits is not None:
            # CRLQAS widens the network with the register: 1000 units up to 4 qubits, 2000 for 6, 5000 for 8.
            width = 1000 if n_qubits < 6 else 2000 if n_qubits < 8 else 5000
            values["hidden_sizes"] = (width,) * 5
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown DQNConfig field(s) {unknown}; allowed: {', '.join(sorted(known))}")
        values.update(overrides)
        return cls(**values)
