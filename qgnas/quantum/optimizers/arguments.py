"""Checks of the optimisers' arguments, shared by every method so that bad input reads the same."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["as_int", "check_rng", "positive", "shots_or_none", "unit_interval"]


def as_int(value: Any, name: str) -> int:
    """``value`` as an int; bools and non-integers are a TypeError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return int(value)


def check_rng(rng: Any, method: str) -> np.random.Generator:
    """Accept a Generator (preferred) or an int seed; refuse None so randomness is never implicit."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{method} needs rng=numpy.random.Generator (e.g. numpy.random.default_rng(seed)) "
        f"or a non-negative int seed, got {rng!r}"
    )


def positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def unit_interval(value: Any, name: str) -> float:
    """``value`` as a float in [0, 1) (a moment coefficient)."""
    v = positive(value, name, allow_zero=True)
    if v >= 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return v


def shots_or_none(shots: Any) -> int | None:
    """A positive shot count, or None for exact expectations."""
    if shots is None:
        return None
    n = as_int(shots, "shots")
    if n < 1:
        raise ValueError(f"shots must be a positive integer or None (exact), got {shots!r}")
    return n
