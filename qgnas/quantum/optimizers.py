"""Optimisers for circuit parameters behind one small API: ``minimize(fun, x0, method, rng, **options)``.

Architecture search re-optimises the angles of every candidate circuit, so the optimiser is on the hot
path and its noise handling decides which circuits look good. Four methods:

``"spsa"``
    Spall's simultaneous-perturbation stochastic approximation: two evaluations per gradient estimate,
    whatever the number of parameters, robust to shot noise.
``"adam_spsa"``
    The CRLQAS variant (Patel et al., ICLR 2024): SPSA gradients fed to Adam with a *decaying* first
    moment coefficient, in a 1-stage form and a 3-stage form whose shot count grows (N/100, N/10, N).
``"cobyla"``
    Powell's derivative-free trust-region method, the CRLQAS default for noiseless runs: NLopt's C
    implementation by default (SciPy's on request, see ``_cobyla``).
``"adam"``
    Adam on exact autograd gradients; needs an objective with a ``.torch`` method
    (:class:`qgnas.quantum.objective.EnergyObjective`).

The objective is *batched*: ``fun(X, shots=None)`` takes ``X`` of shape ``[B, P]`` and returns ``[B]``
values, so SPSA's two perturbed points (and the tracked iterate) cost one simulator call. ``shots`` is
passed only when a method has a shot count to pass, so plain ``fun(X)`` callables work too.

Options and defaults (``minimize(..., **options)``; unknown names are an error):

============  ==========================================================================================
method        options (default)
============  ==========================================================================================
spsa          maxiter (200) or maxfev, a (0.2), c (0.1), A (10% of maxiter), alpha (0.602),
              gamma (0.101), shots (None), track_best (True)
adam_spsa     preset ("crlqas_h2_2q"), maxiter (100) or maxfev, a (1.4934), c (0.0612), A (0),
              alpha (0.9931), gamma (0.0253), lam (0.6104), beta1 (0.8804), beta2 (0.9979),
              eps (1e-8), stages (1), shots (None), stage_maxiter / stage_fractions (3-stage:
              1191:357:119 of maxiter, default 1667 iterations), track_best (True)
cobyla        maxiter (1000 evaluations), rhobeg (1.0), tol (1e-4), shots (None),
              implementation ("nlopt" or "scipy")
adam          maxiter (300), lr (0.05), beta1 (0.9), beta2 (0.999), eps (1e-8), ftol (0), patience (10)
============  ==========================================================================================

``maxfev`` counts every evaluated point (SPSA: 3 per iteration with tracking, plus 1); ``maxiter`` of
the SPSA methods counts gradient estimates, which is what CRLQAS's "evaluations" divided by two are.

All randomness comes from the caller's ``numpy.random.Generator`` (never from global state), so a
seeded generator reproduces a run exactly. Unlike the CRLQAS code, the perturbation stream is *not*
re-seeded on each call: repeated optimisations draw fresh perturbations.

Only numpy and SciPy are imported at module level; torch is imported by ``"adam"`` when it runs.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ADAM_SPSA_PRESETS",
    "METHODS",
    "OptimizeResult",
    "decaying_beta1",
    "extend_angles",
    "initial_angles",
    "minimize",
    "resolve_method",
    "stage_shots",
]

BatchFun = Callable[..., Any]

# Stage split of the published 3-stage LiH 4q budgets (SPSA iterations per stage); used as the default
# proportions when a 3-stage run is given one total budget.
_CRLQAS_STAGE_ITERS: tuple[int, int, int] = (1191, 357, 119)

#: Published CRLQAS Adam-SPSA hyper-parameters. ``crlqas_h2_2q`` (1 stage, H2 on 2 qubits) supplies the
#: defaults of ``"adam_spsa"``; ``crlqas_lih_4q_3stage`` is the 3-stage LiH 4q setting. The CRLQAS code
#: counts two evaluations per SPSA iteration and not the tracking evaluation, so its "200 evaluations"
#: is 100 iterations here, and the stage budgets 1191/357/119 are iterations (its code's defaults are
#: 2383/715/238 evaluations). ``nfev`` in the result counts every evaluated point.
ADAM_SPSA_PRESETS: dict[str, dict[str, Any]] = {
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
}


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


# --------------------------------------------------------------------------------------------------
# helpers


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
    n = _as_int(n_shots, "shots")
    if n < 100:
        raise ValueError(f"3-stage Adam-SPSA needs shots >= 100 so that N/100 >= 1, got shots={n}")
    return (n // 100, n // 10, n)


def initial_angles(n: int, rng: np.random.Generator, low: float = 0.0, high: float = 0.1) -> np.ndarray:
    """Angles for newly added rotation gates, drawn U(low, high) (CRLQAS: U(0, 0.1)).

    Starting near zero keeps a new gate close to the identity, so appending it barely moves the energy
    the circuit already reached; the small random spread breaks symmetries that exactly 0 would keep.
    """
    n = _as_int(n, "n")
    if n < 0:
        raise ValueError(f"number of new angles must be >= 0, got {n}")
    if not high >= low:
        raise ValueError(f"need low <= high, got low={low!r}, high={high!r}")
    return _check_rng(rng, "initial_angles").uniform(low, high, size=n)


def extend_angles(x: Sequence[float] | np.ndarray, n_new: int, rng: np.random.Generator) -> np.ndarray:
    """``x`` then ``n_new`` fresh angles from :func:`initial_angles`: the warm start after adding gates."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    return np.concatenate([x, initial_angles(n_new, rng)])


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _check_rng(rng: Any, method: str) -> np.random.Generator:
    """Accept a Generator (preferred) or an int seed; refuse None so randomness is never implicit."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{method} needs rng=numpy.random.Generator (e.g. numpy.random.default_rng(seed)) "
        f"or a non-negative int seed, got {rng!r}"
    )


def _positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def _unit_interval(value: Any, name: str) -> float:
    v = _positive(value, name, allow_zero=True)
    if v >= 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return v


def _shots_or_none(shots: Any) -> int | None:
    if shots is None:
        return None
    n = _as_int(shots, "shots")
    if n < 1:
        raise ValueError(f"shots must be a positive integer or None (exact), got {shots!r}")
    return n


class _Evaluator:
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


# --------------------------------------------------------------------------------------------------
# SPSA and Adam-SPSA


def _iteration_budget(
    maxiter: int | None, maxfev: int | None, per_iter: int, fixed: int, default: int, method: str
) -> int:
    """Turn a budget given either as iterations or as total evaluated points into iterations."""
    if maxiter is not None and maxfev is not None:
        raise ValueError(f"{method}: give maxiter or maxfev, not both (got {maxiter=}, {maxfev=})")
    if maxfev is not None:
        maxfev = _as_int(maxfev, "maxfev")
        k = (maxfev - fixed) // per_iter
        if k < 1:
            raise ValueError(
                f"{method}: maxfev={maxfev} is too small; one iteration costs {per_iter} evaluations "
                f"plus {fixed} fixed, so maxfev must be >= {per_iter + fixed}"
            )
        return k
    k = default if maxiter is None else _as_int(maxiter, "maxiter")
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
    ev: _Evaluator,
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


def _spsa(
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
    rng = _check_rng(rng, "spsa")
    per = 3 if track_best else 2
    k_total = _iteration_budget(maxiter, maxfev, per, 1, 200, "spsa")
    a, c = _positive(a, "a"), _positive(c, "c")
    alpha, gamma = _positive(alpha, "alpha", allow_zero=True), _positive(gamma, "gamma", allow_zero=True)
    A = 0.1 * k_total if A is None else _positive(A, "A", allow_zero=True)
    shots = _shots_or_none(shots)
    ev = _Evaluator(fun, x0.size)
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


def _adam_spsa(
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
    ``shots`` attribute (as :class:`~qgnas.quantum.objective.EnergyObjective` has) is N. Unset hyper-parameters come from ``preset``
    (default ``"crlqas_h2_2q"``; see :data:`ADAM_SPSA_PRESETS`).
    """
    rng = _check_rng(rng, "adam_spsa")
    pname = "crlqas_h2_2q" if preset is None else str(preset).lower().replace("-", "_")
    if pname not in ADAM_SPSA_PRESETS:
        raise ValueError(f"unknown Adam-SPSA preset {preset!r}; allowed: {sorted(ADAM_SPSA_PRESETS)}")
    p = dict(ADAM_SPSA_PRESETS[pname])

    def pick(name: str, value: Any) -> Any:
        return p.get(name) if value is None else value

    a, c = _positive(pick("a", a), "a"), _positive(pick("c", c), "c")
    alpha = _positive(pick("alpha", alpha), "alpha", allow_zero=True)
    gamma = _positive(pick("gamma", gamma), "gamma", allow_zero=True)
    lam = _positive(pick("lam", lam), "lam", allow_zero=True)
    beta1 = _unit_interval(pick("beta1", beta1), "beta1")
    beta2 = _unit_interval(pick("beta2", beta2), "beta2")
    eps = _positive(eps, "eps")
    A = _positive(A, "A", allow_zero=True)
    stages = _as_int(pick("stages", stages), "stages")
    if stages not in (1, 3):
        raise ValueError(f"adam_spsa: stages must be 1 or 3, got {stages!r}")
    per = 3 if track_best else 2
    if stages == 1:
        if stage_maxiter is not None or stage_fractions is not None:
            raise ValueError("adam_spsa: stage_maxiter / stage_fractions need stages=3")
        k_total = _iteration_budget(maxiter, maxfev, per, 1, p.get("maxiter", 100), "adam_spsa")
        shots_per_iter: list[int | None] = [_shots_or_none(shots)] * k_total
    else:
        if shots is None:
            shots = getattr(fun, "shots", None)  # e.g. EnergyObjective(..., shots=N)
        if shots is None:
            raise ValueError(
                "3-stage Adam-SPSA needs shots=N (the final stage's count; stages use N/100, N/10, N)"
            )
        s = stage_shots(shots)
        if stage_maxiter is None and maxiter is None and maxfev is None:
            stage_maxiter = p.get("stage_maxiter")
        if stage_maxiter is not None:
            if maxiter is not None or maxfev is not None or stage_fractions is not None:
                raise ValueError(
                    "adam_spsa: give stage_maxiter, or maxiter/maxfev (+ stage_fractions), not both"
                )
            counts = tuple(_as_int(v, "stage_maxiter entry") for v in stage_maxiter)
            if len(counts) != 3 or min(counts) < 1:
                raise ValueError(f"stage_maxiter must be 3 positive integers, got {list(stage_maxiter)!r}")
        else:
            # two stage changes each re-measure the best point when tracking
            fixed = 1 + (2 if track_best else 0)
            k_total = _iteration_budget(maxiter, maxfev, per, fixed, sum(_CRLQAS_STAGE_ITERS), "adam_spsa")
            counts = _split_stages(k_total, stage_fractions or _CRLQAS_STAGE_ITERS)
        shots_per_iter = [s[i] for i in range(3) for _ in range(counts[i])]

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

    ev = _Evaluator(fun, x0.size)
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


# --------------------------------------------------------------------------------------------------
# COBYLA and exact-gradient Adam


def _cobyla(
    fun: BatchFun,
    x0: np.ndarray,
    rng: np.random.Generator | int | None = None,
    *,
    maxiter: int = 1000,
    rhobeg: float = 1.0,
    tol: float | None = None,
    shots: int | None = None,
    implementation: str = "nlopt",
) -> OptimizeResult:
    """COBYLA, one point per call of the batched objective (COBYLA is inherently sequential).

    ``maxiter`` is the maximum number of function evaluations. ``rhobeg`` is the initial trust radius
    in radians; 1.0 explores a good part of a rotation's period in the first steps; ``tol`` is the final
    trust radius (default 1e-4, SciPy's). COBYLA is deterministic, so ``rng`` is accepted and ignored.

    Why NLopt by default: since SciPy 1.16 ``method="COBYLA"`` runs PRIMA's pure-Python port, whose own
    linear algebra took ~75% of an environment step on LiH 4q (20 angles, 1000 evaluations: 4-6 s vs
    1.0-1.3 s with NLopt's compiled ``LN_COBYLA``, same final energies to ~5e-4 Ha either way).
    ``implementation="scipy"`` gives SciPy's for comparison; the two take different trajectories, so a
    seeded run reproduces only with the same implementation.
    """
    maxiter = _as_int(maxiter, "maxiter")
    if maxiter < 1:
        raise ValueError(f"cobyla: maxiter must be a positive integer, got {maxiter}")
    rhobeg = _positive(rhobeg, "rhobeg")
    rhoend = 1e-4 if tol is None else _positive(tol, "tol")
    if implementation not in ("nlopt", "scipy"):
        raise ValueError(f"cobyla: unknown implementation {implementation!r}; allowed: nlopt, scipy")
    shots = _shots_or_none(shots)
    ev = _Evaluator(fun, x0.size)
    history: list[float] = []
    best: list[Any] = [math.inf, x0.copy()]

    def scalar(x: np.ndarray) -> float:
        f = float(ev(np.array(x, dtype=np.float64)[None, :], shots)[0])
        if f < best[0]:
            best[0], best[1] = f, np.array(x, dtype=np.float64)
        history.append(best[0])
        return f

    if implementation == "scipy":
        from scipy.optimize import minimize as scipy_minimize

        res = scipy_minimize(
            scalar, x0, method="COBYLA", tol=rhoend, options={"maxiter": maxiter, "rhobeg": rhobeg}
        )
        message, success = str(res.message), bool(res.success)
    else:
        message, success = _nlopt_cobyla(scalar, x0, maxiter, rhobeg, rhoend)
    return OptimizeResult(best[1], float(best[0]), ev.nfev, ev.nfev, np.asarray(history), message, success)


def _nlopt_cobyla(
    scalar: Callable[[np.ndarray], float], x0: np.ndarray, maxiter: int, rhobeg: float, rhoend: float
) -> tuple[str, bool]:
    """Run NLopt's ``LN_COBYLA`` on ``scalar`` from ``x0``: (message, success)."""
    import nlopt

    opt = nlopt.opt(nlopt.LN_COBYLA, int(x0.size))
    opt.set_min_objective(lambda x, grad: scalar(x))
    opt.set_maxeval(maxiter)
    opt.set_initial_step(rhobeg)
    opt.set_xtol_abs(rhoend)  # NLopt's COBYLA stops when its trust radius falls below this
    try:
        opt.optimize(np.asarray(x0, dtype=np.float64))
    except nlopt.RoundoffLimited:  # progress stalled at rounding level: the best point is still valid
        return "roundoff limited", True
    code = opt.last_optimize_result()
    messages = {
        nlopt.MAXEVAL_REACHED: "maximum evaluations reached",
        nlopt.XTOL_REACHED: "trust radius below tol",
    }
    return messages.get(code, f"nlopt result code {code}"), code > 0


def _adam(
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

    maxiter = _as_int(maxiter, "maxiter")
    if maxiter < 1:
        raise ValueError(f"adam: maxiter must be a positive integer, got {maxiter}")
    lr = _positive(lr, "lr")
    beta1, beta2 = _unit_interval(beta1, "beta1"), _unit_interval(beta2, "beta2")
    eps, ftol = _positive(eps, "eps"), _positive(ftol, "ftol", allow_zero=True)
    patience = _as_int(patience, "patience")
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


# --------------------------------------------------------------------------------------------------
# the front door

#: canonical method name -> implementation
METHODS: dict[str, Callable[..., OptimizeResult]] = {
    "spsa": _spsa,
    "adam_spsa": _adam_spsa,
    "cobyla": _cobyla,
    "adam": _adam,
}
_NEEDS_RNG = {"spsa", "adam_spsa"}


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch not in "_- ")


_LOOKUP = {_key(k): k for k in METHODS}


def resolve_method(name: str) -> str:
    """Canonical method name; case, underscores, hyphens and spaces are ignored ("Adam-SPSA")."""
    if not isinstance(name, str) or _key(name) not in _LOOKUP:
        raise ValueError(f"unknown optimiser method {name!r}; allowed: {sorted(METHODS)}")
    return _LOOKUP[_key(name)]


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
    keyword arguments (see the ``_spsa``, ``_adam_spsa``, ``_cobyla`` and ``_adam`` docstrings);
    unknown ones are an error rather than silently ignored.

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
        rng = _check_rng(rng, name)
    if x.size == 0:
        if name == "adam":
            value = float(np.asarray(fun(x[None, :])).reshape(-1)[0])
        else:
            value = float(_Evaluator(fun, 0)(x[None, :], _shots_or_none(options.get("shots")))[0])
        return OptimizeResult(x, value, 1, 0, np.asarray([value]), "no parameters: evaluated once")
    return impl(fun, x, rng, **options)
