"""SPSA and the CRLQAS Adam-SPSA: gradient estimates from two evaluations, whatever the number of
parameters, which is what keeps them usable under shot noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qgnas.core.registry import Registry

from .arguments import as_int, check_rng, positive, shots_or_none, unit_interval
from .interface import BatchFun, CountedObjective, OptimizeResult

__all__ = ["ADAM_SPSA_PRESETS", "adam_spsa", "decaying_beta1", "spsa", "stage_shots"]

# Stage split of the published 3-stage LiH 4q budgets (SPSA iterations per stage); used as the default
# proportions when a 3-stage run is given one total budget.
_CRLQAS_STAGE_ITERS: tuple[int, int, int] = (1191, 357, 119)

#: Published CRLQAS Adam-SPSA hyper-parameters. ``crlqas_h2_2q`` (1 stage, H2 on 2 qubits) supplies the
#: defaults of ``"adam_spsa"``; ``crlqas_lih_4q_3stage`` is the 3-stage LiH 4q setting. The CRLQAS code
#: counts two evaluations per SPSA iteration and not the tracking evaluation, so its "200 evaluations"
#: is 100 iterations here, and the stage budgets 1191/357/119 are iterations (its code's defaults are
#: 2383/715/238 evaluations). ``nfev`` in the result counts every evaluated point.
ADAM_SPSA_PRESETS: Registry[dict[str, Any]] = Registry(
    "Adam-SPSA preset",
    {
        "crlqas_h2_2q": {
            "a": 1.4934,
            "alpha": 0.9931,
            "c": 0.0612,
            "gamma": 0.0253,
            "lam": 0.6104,
            "beta1": 0.8804,
            "beta2": 0.9979,
            "maxiter": 100,
            "stages": 1,
        },
        "crlqas_lih_4q_3stage": {
            "a": 1.8658,
            "alpha": 0.9451,
            "c": 0.046,
            "gamma": 0.1397,
            "lam": 0.0138,
            "beta1": 0.9658,
            "beta2": 0.8594,
            "stages": 3,
            "stage_maxiter": _CRLQAS_STAGE_ITERS,
        },
    },
)


def decaying_beta1(t: int, beta1: float, lam: float) -> float:
    """CRLQAS's first-moment coefficient at (0-based) iteration ``t``: ``beta1 / (t + 1) ** lam``.

    Decaying it lets the momentum fade as SPSA's step sizes shrink, so late iterations react to the
    current (better resolved) gradient rather than averaging in stale early estimates.
    """
    if t < 0:
        raise ValueError(f"iteration index t must be >= 0, got {t!r}")
    return float(beta1) / float(t + 1) ** float(lam)


def stage_shots(n_shots: int) -> tuple[int, int, int]:
    """Shot counts of the three Adam-SPSA stages for a final count ``n_shots``: (N/100, N/10, N).

    Cheap, noisy estimates suffice while the steps are large; precision is bought only near the end.
    """
    n = as_int(n_shots, "shots")
    if n < 100:
        raise ValueError(f"3-stage Adam-SPSA needs shots >= 100 so that N/100 >= 1, got shots={n}")
    return (n // 100, n // 10, n)


def _iteration_budget(
    maxiter: int | None, maxfev: int | None, per_iter: int, fixed: int, default: int, method: str
) -> int:
    """Turn a budget given either as iterations or as total evaluated points into iterations."""
    if maxiter is not None and maxfev is not None:
        raise ValueError(f"{method}: give maxiter or maxfev, not both (got {maxiter=}, {maxfev=})")
    if maxfev is not None:
        maxfev = as_int(maxfev, "maxfev")
        k = (maxfev - fixed) // per_iter
        if k < 1:
            raise ValueError(
                f"{method}: maxfev={maxfev} is too small; one iteration costs {per_iter} evaluations "
                f"plus {fixed} fixed, so maxfev must be >= {per_iter + fixed}"
            )
        return k
    k = default if maxiter is None else as_int(maxiter, "maxiter")
    if k < 1:
        raise ValueError(f"{method}: maxiter must be a positive integer, got {k!r}")
    return k


def _split_stages(total: int, fractions: Sequence[float]) -> tuple[int, ...]:
    """Split ``total`` iterations in the given proportions, every stage getting at least one."""
    f = np.asarray(fractions, dtype=np.float64)
    if f.ndim != 1 or len(f) != 3 or np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise ValueError(f"stage_fractions must be 3 positive numbers, got {list(fractions)!r}")
    if total < 3:
        raise ValueError(f"3-stage Adam-SPSA needs at least 3 iterations, got {total}")
    ends = np.rint(np.cumsum(f) / f.sum() * total).astype(int)
    ends[-1] = total
    counts = np.diff(np.concatenate([[0], ends]))
    # rounding can leave a stage empty on tiny budgets: borrow from the largest one
    while np.any(counts < 1):
        counts[np.argmin(counts)] += 1
        counts[np.argmax(counts)] -= 1
    return tuple(int(c) for c in counts)


def _spsa_loop(
    ev: CountedObjective,
    x0: np.ndarray,
    rng: np.random.Generator,
    shots_per_iter: list[int | None],
    step_size: Callable[[int], float],
    perturbation: Callable[[int], float],
    direction: Callable[[int, np.ndarray], np.ndarray],
    track_best: bool,
) -> OptimizeResult:
    """The SPSA iteration shared by both variants; ``direction`` turns the raw gradient into a step.

    Iteration k evaluates, in one batched call, x_k + c_k Delta, x_k - c_k Delta and (when tracking)
    x_k itself, so the iterate is measured with the same shots as its gradient. When the shot count
    changes (a new stage), the best point so far is re-measured at the new count: values measured with
    different shot noise are not comparable, and a lucky low-shot value would otherwise win forever.
    """
    x = x0.copy()
    n = x.size
    best_x, best_f = x.copy(), math.inf
    history: list[float] = []
    prev_shots: int | None = shots_per_iter[0]
    for k, shots in enumerate(shots_per_iter):
        ck = perturbation(k)
        delta = rng.integers(0, 2, size=n) * 2.0 - 1.0  # Rademacher +-1
        rows = [x + ck * delta, x - ck * delta]
        if track_best:
            rows.append(x)
        remeasure = track_best and k > 0 and shots != prev_shots
        if remeasure:
            rows.append(best_x)
        vals = ev(np.stack(rows), shots)
        prev_shots = shots
        if track_best:
            if remeasure:
                best_f = float(vals[3])
            if vals[2] < best_f:
                best_x, best_f = x.copy(), float(vals[2])
            history.append(best_f)
        else:
            history.append(float(0.5 * (vals[0] + vals[1])))  # estimate of f(x_k); no extra evaluation
        grad = (vals[0] - vals[1]) / (2.0 * ck * delta)
        x = x - step_size(k) * direction(k, grad)
    final = ev(x[None, :], shots_per_iter[-1])[0]
    nit = len(shots_per_iter)
    if track_best:
        if final < best_f:
            best_x, best_f = x.copy(), float(final)
        history.append(best_f)
        return OptimizeResult(best_x, best_f, ev.nfev, nit, np.asarray(history), "best point seen")
    history.append(float(final))
    return OptimizeResult(x, float(final), ev.nfev, nit, np.asarray(history), "last iterate")


def spsa(
    fun: BatchFun,
    x0: np.ndarray,
    rng: np.random.Generator | int,
    *,
    maxiter: int | None = None,
    maxfev: int | None = None,
    a: float = 0.2,
    c: float = 0.1,
    A: float | None = None,
    alpha: float = 0.602,
    gamma: float = 0.101,
    shots: int | None = None,
    track_best: bool = True,
) -> OptimizeResult:
    """Plain SPSA (Spall 1998): a_k = a/(k+1+A)^alpha, c_k = c/(k+1)^gamma, x -= a_k * g_hat.

    Defaults follow Spall's guidelines (alpha 0.602, gamma 0.101, A = 10% of the iterations); ``a`` and
    ``c`` suit energies of order one Hartree with angles in radians. ``c`` should exceed the noise
    scale of one evaluation divided by the gradient size, else the difference drowns in noise.
    """
    rng = check_rng(rng, "spsa")
    per = 3 if track_best else 2
    k_total = _iteration_budget(maxiter, maxfev, per, 1, 200, "spsa")
    a, c = positive(a, "a"), positive(c, "c")
    alpha, gamma = positive(alpha, "alpha", allow_zero=True), positive(gamma, "gamma", allow_zero=True)
    A = 0.1 * k_total if A is None else positive(A, "A", allow_zero=True)
    shots = shots_or_none(shots)
    ev = CountedObjective(fun, x0.size)
    return _spsa_loop(
        ev,
        x0,
        rng,
        [shots] * k_total,
        step_size=lambda k: a / (k + 1 + A) ** alpha,
        perturbation=lambda k: c / (k + 1) ** gamma,
        direction=lambda k, g: g,
        track_best=bool(track_best),
    )


def adam_spsa(
    fun: BatchFun,
    x0: np.ndarray,
    rng: np.random.Generator | int,
    *,
    preset: str | None = None,
    maxiter: int | None = None,
    maxfev: int | None = None,
    a: float | None = None,
    c: float | None = None,
    A: float = 0.0,
    alpha: float | None = None,
    gamma: float | None = None,
    lam: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float = 1e-8,
    stages: int | None = None,
    shots: int | None = None,
    stage_maxiter: Sequence[int] | None = None,
    stage_fractions: Sequence[float] | None = None,
    track_best: bool = True,
) -> OptimizeResult:
    """CRLQAS Adam-SPSA. Step k (0-based), with c_k = c/(k+1)^gamma and a_k = a/(k+1+A)^alpha (A = 0 in
    CRLQAS):

    - g = (f(x + c_k D) - f(x - c_k D)) / (2 c_k D), D Rademacher;
    - k = 0: plain SPSA, x -= a_0 g (Adam's moments are not touched);
    - k >= 1: b1 = beta1/(k+1)^lam; m = b1 m + (1-b1) g; v = beta2 v + (1-beta2) g^2;
      m_hat = m / (1 - b1^(k+1)); v_hat = v / (1 - beta2^(k+1)); x -= a_k m_hat / (sqrt(v_hat) + eps).

    The bias corrections use the iteration index and the *current* b1, as the CRLQAS code does.
    Returns the best point seen. ``stages=3`` runs the budget as three stages with N/100, N/10 and N
    shots (``shots=N``), split by ``stage_maxiter`` or by ``stage_fractions`` (default: the published
    1191:357:119), with k, m and v carried across stages. Without ``shots`` the objective's own
    ``shots`` attribute (as :class:`~qgnas.quantum.objective.EnergyObjective` has) is N. Unset
    hyper-parameters come from ``preset`` (default ``"crlqas_h2_2q"``; see :data:`ADAM_SPSA_PRESETS`).
    """
    rng = check_rng(rng, "adam_spsa")
    p = dict(ADAM_SPSA_PRESETS["crlqas_h2_2q" if preset is None else preset])

    def pick(name: str, value: Any) -> Any:
        return p.get(name) if value is None else value

    a, c = positive(pick("a", a), "a"), positive(pick("c", c), "c")
    alpha = positive(pick("alpha", alpha), "alpha", allow_zero=True)
    gamma = positive(pick("gamma", gamma), "gamma", allow_zero=True)
    lam = positive(pick("lam", lam), "lam", allow_zero=True)
    beta1 = unit_interval(pick("beta1", beta1), "beta1")
    beta2 = unit_interval(pick("beta2", beta2), "beta2")
    eps = positive(eps, "eps")
    A = positive(A, "A", allow_zero=True)
    stages = as_int(pick("stages", stages), "stages")
    if stages not in (1, 3):
        raise ValueError(f"adam_spsa: stages must be 1 or 3, got {stages!r}")
    shots_per_iter = _adam_spsa_shots(
        fun, p, stages, shots, maxiter, maxfev, stage_maxiter, stage_fractions, bool(track_best)
    )
    direction = _adam_direction(x0, beta1, beta2, lam, eps)
    ev = CountedObjective(fun, x0.size)
    return _spsa_loop(
        ev,
        x0,
        rng,
        shots_per_iter,
        step_size=lambda k: a / (k + 1 + A) ** alpha,
        perturbation=lambda k: c / (k + 1) ** gamma,
        direction=direction,
        track_best=bool(track_best),
    )


def _adam_spsa_shots(
    fun: BatchFun,
    preset: dict[str, Any],
    stages: int,
    shots: int | None,
    maxiter: int | None,
    maxfev: int | None,
    stage_maxiter: Sequence[int] | None,
    stage_fractions: Sequence[float] | None,
    track_best: bool,
) -> list[int | None]:
    """The shot count of every Adam-SPSA iteration: one stage at ``shots``, or three at N/100, N/10, N."""
    per = 3 if track_best else 2
    if stages == 1:
        if stage_maxiter is not None or stage_fractions is not None:
            raise ValueError("adam_spsa: stage_maxiter / stage_fractions need stages=3")
        k_total = _iteration_budget(maxiter, maxfev, per, 1, preset.get("maxiter", 100), "adam_spsa")
        return [shots_or_none(shots)] * k_total
    if shots is None:
        shots = getattr(fun, "shots", None)  # e.g. EnergyObjective(..., shots=N)
    if shots is None:
        raise ValueError(
            "3-stage Adam-SPSA needs shots=N (the final stage's count; stages use N/100, N/10, N)"
        )
    s = stage_shots(shots)
    if stage_maxiter is None and maxiter is None and maxfev is None:
        stage_maxiter = preset.get("stage_maxiter")
    if stage_maxiter is not None:
        if maxiter is not None or maxfev is not None or stage_fractions is not None:
            raise ValueError("adam_spsa: give stage_maxiter, or maxiter/maxfev (+ stage_fractions), not both")
        counts = tuple(as_int(v, "stage_maxiter entry") for v in stage_maxiter)
        if len(counts) != 3 or min(counts) < 1:
            raise ValueError(f"stage_maxiter must be 3 positive integers, got {list(stage_maxiter)!r}")
    else:
        # two stage changes each re-measure the best point when tracking
        fixed = 1 + (2 if track_best else 0)
        k_total = _iteration_budget(maxiter, maxfev, per, fixed, sum(_CRLQAS_STAGE_ITERS), "adam_spsa")
        counts = _split_stages(k_total, stage_fractions or _CRLQAS_STAGE_ITERS)
    return [s[i] for i in range(3) for _ in range(counts[i])]


def _adam_direction(
    x0: np.ndarray, beta1: float, beta2: float, lam: float, eps: float
) -> Callable[[int, np.ndarray], np.ndarray]:
    """CRLQAS's Adam step direction from SPSA gradient ``g`` at iteration ``k`` (moments kept inside)."""
    m = np.zeros_like(x0)
    v = np.zeros_like(x0)

    def direction(k: int, g: np.ndarray) -> np.ndarray:
        nonlocal m, v
        if k == 0:
            return g
        b1 = decaying_beta1(k, beta1, lam)
        m = b1 * m + (1.0 - b1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - b1 ** (k + 1))
        v_hat = v / (1.0 - beta2 ** (k + 1))
        return m_hat / (np.sqrt(v_hat) + eps)

    return direction
