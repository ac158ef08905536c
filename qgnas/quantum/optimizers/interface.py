"""What every optimiser takes and returns: the batched objective, counted, and :class:`OptimizeResult`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BatchFun", "CountedObjective", "OptimizeResult"]

#: ``fun(X[B, P], shots=None) -> [B]``: the batched objective every method minimises
BatchFun = Callable[..., Any]


@dataclass
class OptimizeResult:
    """What every method returns.

    ``x`` and ``fun`` are the best parameters seen and their measured value (for SPSA methods the value
    at the shot count of the stage in which it was last measured, so it carries that stage's noise).
    ``history[i]`` is the best value known after the i-th evaluation of an iterate; it is what anytime
    curves are drawn from. ``nfev`` counts every evaluated point (a batch of B points counts B).
    """

    x: np.ndarray
    fun: float
    nfev: int
    nit: int
    history: np.ndarray = field(default_factory=lambda: np.zeros(0))
    message: str = ""
    success: bool = True


class CountedObjective:
    """Calls the batched objective, checks its output and counts evaluated points."""

    def __init__(self, fun: BatchFun, n_params: int) -> None:
        if not callable(fun):
            raise TypeError(f"fun must be callable as fun(X[B, P], shots=None) -> [B], got {fun!r}")
        self.fun = fun
        self.n_params = n_params
        self.nfev = 0

    def __call__(self, X: np.ndarray, shots: int | None = None) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        out = self.fun(X) if shots is None else self.fun(X, shots=shots)
        if hasattr(out, "detach"):  # a torch tensor: take its values, never its graph
            out = out.detach().cpu().numpy()
        values = np.asarray(out, dtype=np.float64).reshape(-1)
        if values.shape[0] != X.shape[0]:
            raise ValueError(
                f"fun returned {values.shape[0]} values for a batch of {X.shape[0]} parameter vectors; "
                "it must map X[B, P] to B values"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"fun returned non-finite values {values.tolist()} at X={X.tolist()}")
        self.nfev += X.shape[0]
        return values
