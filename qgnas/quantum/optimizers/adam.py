"""Adam on exact gradients from torch autograd, for objectives that can give them (no shot noise)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arguments import as_int, positive, unit_interval
from .interface import OptimizeResult

__all__ = ["adam"]


def adam(
    fun: Any,
    x0: np.ndarray,
    rng: np.random.Generator | int | None = None,
    *,
    maxiter: int = 300,
    lr: float = 0.05,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    ftol: float = 0.0,
    patience: int = 10,
) -> OptimizeResult:
    """Adam (Kingma & Ba) on exact gradients from torch autograd; deterministic, so ``rng`` is unused.

    ``fun`` must expose ``.torch(X: Tensor[B, P]) -> Tensor[B]`` (differentiable, no shot noise), as
    :class:`~qgnas.quantum.objective.EnergyObjective` does. Stops early when the best value improved by
    less than ``ftol`` over ``patience`` consecutive steps (``ftol=0`` disables it).
    """
    torch_fun = getattr(fun, "torch", None)
    if not callable(torch_fun):
        raise TypeError(
            "method 'adam' needs exact gradients: pass an objective with a .torch(X) -> Tensor method "
            f"(e.g. qgnas.quantum.objective.EnergyObjective), got {type(fun).__name__}"
        )
    import torch

    maxiter = as_int(maxiter, "maxiter")
    if maxiter < 1:
        raise ValueError(f"adam: maxiter must be a positive integer, got {maxiter}")
    lr = positive(lr, "lr")
    beta1, beta2 = unit_interval(beta1, "beta1"), unit_interval(beta2, "beta2")
    eps, ftol = positive(eps, "eps"), positive(ftol, "ftol", allow_zero=True)
    patience = as_int(patience, "patience")
    if patience < 1:
        raise ValueError(f"adam: patience must be >= 1, got {patience}")

    # Adam written out rather than torch.optim.Adam: identical update, but torch.optim's first use
    # costs seconds of imports, more than a whole small optimisation.
    theta = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    m = torch.zeros_like(theta)
    v = torch.zeros_like(theta)
    best_f, best_x = math.inf, x0.copy()
    history: list[float] = []
    nfev, stall, message = 0, 0, "maxiter reached"
    for t in range(1, maxiter + 1):
        value = torch_fun(theta.unsqueeze(0)).reshape(-1)
        if value.numel() != 1:
            raise ValueError(f"fun.torch returned {value.numel()} values for a batch of 1")
        f = float(value.detach())
        if not math.isfinite(f):
            raise ValueError(f"fun.torch returned a non-finite value {f} at x={theta.detach().tolist()}")
        nfev += 1
        stall = stall + 1 if f > best_f - ftol else 0
        if f < best_f:
            best_f, best_x = f, theta.detach().cpu().numpy().copy()
        history.append(best_f)
        if ftol > 0 and stall >= patience:
            message = f"converged: improvement < ftol={ftol} for {patience} steps"
            break
        (grad,) = torch.autograd.grad(value.sum(), theta)
        with torch.no_grad():
            m.mul_(beta1).add_(grad, alpha=1.0 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            theta.sub_(lr * m_hat / (v_hat.sqrt() + eps))
    return OptimizeResult(best_x, best_f, nfev, len(history), np.asarray(history), message)
