"""Angles for newly added rotation gates: the warm start of a circuit that grows during a search."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arguments import as_int, check_rng

__all__ = ["extend_angles", "initial_angles"]


def initial_angles(n: int, rng: np.random.Generator, low: float = 0.0, high: float = 0.1) -> np.ndarray:
    """Angles for newly added rotation gates, drawn U(low, high) (CRLQAS: U(0, 0.1)).

    Starting near zero keeps a new gate close to the identity, so appending it barely moves the energy
    the circuit already reached; the small random spread breaks symmetries that exactly 0 would keep.
    """
    n = as_int(n, "n")
    if n < 0:
        raise ValueError(f"number of new angles must be >= 0, got {n}")
    if not high >= low:
        raise ValueError(f"need low <= high, got low={low!r}, high={high!r}")
    return check_rng(rng, "initial_angles").uniform(low, high, size=n)


def extend_angles(x: Sequence[float] | np.ndarray, n_new: int, rng: np.random.Generator) -> np.ndarray:
    """``x`` then ``n_new`` fresh angles from :func:`initial_angles`: the warm start after adding gates."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    return np.concatenate([x, initial_angles(n_new, rng)])
