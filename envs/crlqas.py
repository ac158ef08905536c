"""The CRLQAS pieces of the quantum environment that are pure bookkeeping: reward, the
feedback-driven curriculum (moving threshold) and random halting. (Patel et al., ICLR 2024.)

Energies are in Hartree. ``mu`` is a lower bound of the energy used in place of the unknown minimum;
the *error* the curriculum sees is ``|mu - E|``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SUCCESS_REWARD = 5.0
FAILURE_REWARD = -5.0


def incremental_with_fixed_ends(
    previous_energy: float, energy: float, mu: float, threshold: float, last_gate: bool
) -> tuple[float, bool]:
    """CRLQAS reward "incremental with fixed ends"; returns (reward, success).

    +5 when ``|mu - E| < threshold``; -5 when the gate budget ends without that; otherwise the
    relative improvement ``(E_prev - E) / |E_prev - mu|`` clipped to [-1, 1].
    """
    if abs(mu - energy) < threshold:
        return SUCCESS_REWARD, True
    if last_gate:
        return FAILURE_REWARD, False
    scale = abs(previous_energy - mu)
    if scale == 0.0:
        return 0.0, False
    return float(np.clip((previous_energy - energy) / scale, -1.0, 1.0)), False


@dataclass
class MovingThreshold:
    """Feedback-driven curriculum: the success threshold follows the best energy found.

    * start at ``xi0``;
    * every ``period`` (G) episodes: ``xi = |mu - E_best| + delta`` (E_best: the lowest energy seen at
      any step of any episode so far), which also resets the shrink count;
    * after every ``successes`` successful episodes, while ``|mu - E_best| < switch`` and fewer than
      ``kappa`` shrinks happened since the last reset: ``xi -= delta / kappa``.

    ``xi`` never goes below ``floor`` (default 0). It cannot fall under ``|mu - E_best|`` anyway: the
    kappa shrinks of delta/kappa remove at most the delta a reset added.
    """

    mu: float
    xi0: float
    period: int = 500
    delta: float = 5e-4
    successes: int = 25
    kappa: int = 10
    switch: float = math.inf
    floor: float = 0.0
    threshold: float = field(init=False)
    best_energy: float = field(init=False, default=math.inf)
    episodes: int = field(init=False, default=0)
    success_count: int = field(init=False, default=0)
    shrinks: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        for name in ("xi0", "delta"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("period", "successes", "kappa"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.threshold = float(self.xi0)

    def observe(self, energy: float) -> None:
        """Record an energy reached at any step."""
        self.best_energy = min(self.best_energy, float(energy))

    def end_episode(self, success: bool) -> None:
        self.episodes += 1
        gap = abs(self.mu - self.best_energy) if math.isfinite(self.best_energy) else math.inf
        if success:
            self.success_count += 1
            if self.success_count >= self.successes:
                self.success_count = 0
                if gap < self.switch and self.shrinks < self.kappa:
                    self.threshold = max(self.floor, self.threshold - self.delta / self.kappa)
                    self.shrinks += 1
        if self.episodes % self.period == 0 and math.isfinite(gap):
            self.threshold = max(self.floor, gap + self.delta)
            self.shrinks = 0

    def state_dict(self) -> dict:
        return {
            k: getattr(self, k) for k in ("threshold", "best_energy", "episodes", "success_count", "shrinks")
        }

    def load_state_dict(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)


@dataclass(frozen=True)
class RandomHalting:
    """Random episode lengths (CRLQAS): noisy runs take the mode of ``draws`` samples of
    NegBinomial(n, p), noiseless runs a single sample; clipped to [low, high]."""

    n: int
    p: float
    low: int
    high: int
    draws: int = 1

    @classmethod
    def noisy(cls) -> RandomHalting:
        return cls(n=40, p=0.6, low=0, high=40, draws=100)

    @classmethod
    def noiseless(cls) -> RandomHalting:
        return cls(n=70, p=0.573, low=25, high=70, draws=1)

    def sample(self, rng: np.random.Generator) -> int:
        x = rng.negative_binomial(self.n, self.p, size=self.draws)
        if self.draws > 1:
            values, counts = np.unique(x, return_counts=True)
            value = int(values[np.argmax(counts)])  # the mode; the smallest on ties
        else:
            value = int(x[0])
        return int(np.clip(value, self.low, self.high))
