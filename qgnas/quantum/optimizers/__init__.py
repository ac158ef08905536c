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
    implementation by default (SciPy's on request, see :func:`~.cobyla.cobyla`).
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

Modules: :mod:`.registry` (:func:`minimize`, the method table), :mod:`.spsa` (SPSA, Adam-SPSA),
:mod:`.cobyla`, :mod:`.adam` (exact gradients), :mod:`.angles` (warm starts for new gates),
:mod:`.interface` (the counted objective, :class:`OptimizeResult`) and :mod:`.arguments` (checks).
"""

from __future__ import annotations

from .angles import extend_angles, initial_angles
from .interface import OptimizeResult
from .registry import METHODS, minimize, resolve_method
from .spsa import ADAM_SPSA_PRESETS, decaying_beta1, stage_shots

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
