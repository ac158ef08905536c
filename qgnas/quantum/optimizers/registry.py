"""The front door: :func:`minimize` looks a method up by name and checks its options."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qgnas.core.registry import Registry

from .adam import adam
from .arguments import check_rng, shots_or_none
from .cobyla import cobyla
from .interface import BatchFun, CountedObjective, OptimizeResult
from .spsa import adam_spsa, spsa

__all__ = ["METHODS", "minimize", "resolve_method"]

#: method name -> implementation; a lookup ignores case and punctuation ("Adam-SPSA")
METHODS: Registry[Callable[..., OptimizeResult]] = Registry(
    "optimizer method", {"spsa": spsa, "adam_spsa": adam_spsa, "cobyla": cobyla, "adam": adam}
)
_NEEDS_RNG = {"spsa", "adam_spsa"}


def resolve_method(name: str) -> str:
    """Canonical method name of ``name``; UnknownName (a ValueError) naming the allowed ones if none."""
    return METHODS.resolve(name)


def minimize(
    fun: BatchFun,
    x0: Sequence[float] | np.ndarray,
    method: str = "adam_spsa",
    rng: np.random.Generator | int | None = None,
    **options: Any,
) -> OptimizeResult:
    """Minimise a batched objective ``fun(X[B, P], shots=None) -> [B]`` from ``x0`` with ``method``.

    ``rng`` drives every random choice (SPSA perturbations); it is required by the stochastic methods
    and may be a ``numpy.random.Generator`` or a non-negative int seed. ``options`` are the method's
    keyword arguments (see the docstrings of :func:`~.spsa.spsa`, :func:`~.spsa.adam_spsa`,
    :func:`~.cobyla.cobyla` and :func:`~.adam.adam`); unknown ones are an error rather than silently
    ignored.

    A circuit without parameters (``x0`` empty) is evaluated once and returned, which keeps an
    architecture search whose first circuits contain only CNOTs from special-casing them.
    """
    name = resolve_method(method)
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x0 must be a 1-D parameter vector, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x.tolist()}")
    impl = METHODS[name]
    allowed = [p for p in inspect.signature(impl).parameters if p not in ("fun", "x0", "rng")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown option(s) {unknown} for method {name!r}; allowed: {allowed}")
    if name in _NEEDS_RNG:
        rng = check_rng(rng, name)
    if x.size == 0:
        if name == "adam":
            value = float(np.asarray(fun(x[None, :])).reshape(-1)[0])
        else:
            value = float(CountedObjective(fun, 0)(x[None, :], shots_or_none(options.get("shots")))[0])
        return OptimizeResult(x, value, 1, 0, np.asarray([value]), "no parameters: evaluated once")
    return impl(fun, x, rng, **options)
