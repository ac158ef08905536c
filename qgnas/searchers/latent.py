"""Searchers in the latent space of an architecture encoder (arch2vec, Yan et al. 2020; for circuits,
Sun et al. 2024): Bayesian optimisation (``gae-bo``) and REINFORCE with a Gaussian policy (``gae-rl``).

Both choose a point of the encoder's latent space and turn it into an architecture in one of two ways
(``proposal``):

* ``"decode"`` (default): the encoder decodes the point; when the decoded graph is not a valid
  architecture, or one already proposed, the nearest unvisited member of the candidate pool is taken
  instead, so every proposal is new and valid.
* ``"pool"``: always a member of the candidate pool, as arch2vec searched. BO then scores the pool
  members themselves; REINFORCE takes the one nearest its sample.

The candidate pool is the whole space when it is finite and small (``enumerate_up_to`` or fewer
architectures: all 26,206 NAS-Bench-Graph cells), else ``pool_size`` distinct random architectures
drawn from the searcher's stream. The encoder never sees a score: it was trained on architectures alone.

BO: a scikit-optimize Gaussian process (constant x Matern 5/2 with one length scale per latent
dimension, plus white noise, ``normalize_y``) on the told (latent, objective) pairs, with latent points
scaled to the unit box the pool spans, and scikit-optimize's expected improvement. The acquisition is
maximised over candidates: in ``"decode"`` mode ``n_points`` uniform points of the box plus Gaussian
perturbations of the best architectures' latent points, decoded in decreasing EI order until one is
new and valid (at most ``max_decodes``); in ``"pool"`` mode ``n_points`` random unvisited pool members
plus the unvisited nearest neighbours of the best ones. The first ``n_initial_points`` proposals are
uniform random architectures (arch2vec: 16). Kernel fits reuse the categorical BO's tools
(``qgnas.searchers.bayesopt``): warm-started, capped L-BFGS. Hyper-parameters are refitted each time
the data has grown by ``refit_growth`` (1.2: about 20 refits in 500 evaluations): with one length
scale per latent dimension, a refit at a few hundred points costs about a second (sklearn's kernel
gradient is an n x n x d tensor), and refitting on every tell made one budget-500 NAS-Bench-Graph run
take over five minutes on the 2-core machine.

REINFORCE: a diagonal Gaussian policy N(mu, sigma^2) over the latent space, initialised at the pool's
mean and spread. Each told result updates (mu, log sigma) by Adam on -A log N(z | mu, sigma), where z
is the point sampled for that proposal and A the reward minus an exponential-moving-average baseline,
divided by a running scale of the rewards (so the step means the same for accuracies in % and energy
errors in Hartree). Numpy only, so a seed and a history fix every proposal.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from typing import Any

import numpy as np

from qgnas.core import Result, Searcher, SearchSpace
from qgnas.core.space import Arch

from .bayesopt import _LBFGS, _one_thread, _Posterior, _warm_kernel

PROPOSALS = ("decode", "pool")


def resolve_encoder(encoder: Any, space: SearchSpace) -> Any:
    """An :class:`~qgnas.encoders.Encoder` for ``space`` from an encoder or a checkpoint directory."""
    from qgnas.encoders import Encoder, load_encoder
    from qgnas.encoders.encoder import check_space

    if encoder is None:
        raise ValueError(
            "a latent searcher needs a trained encoder: train one with qgnas.encoders.train_encoder(space, "
            "out=DIR) or `qgnas encode train --out DIR`, then pass encoder=DIR"
        )
    if isinstance(encoder, str | os.PathLike):
        return load_encoder(encoder, space)
    if not isinstance(encoder, Encoder):
        raise ValueError(
            f"encoder must be an Encoder or a checkpoint directory, got {type(encoder).__name__}"
        )
    check_space(encoder.config, space, repr(encoder))
    return encoder


@functools.lru_cache(maxsize=4)
def _whole_space(encoder: Any) -> tuple[list[Arch], list[str], np.ndarray]:
    """Every distinct architecture of a small finite space, its keys and latent means (cached: the same
    for every run of the same encoder in this process)."""
    from qgnas.encoders import distinct_architectures

    archs = distinct_architectures(encoder.space)
    keys = list(archs)
    values = [archs[k] for k in keys]
    return values, keys, encoder.encode(values)


class _LatentSearcher(Searcher):
    """The pool, the proposal rule and the bookkeeping shared by the latent searchers (module doc)."""

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        encoder: Any = None,
        proposal: str = "decode",
        pool_size: int = 5_000,
        enumerate_up_to: int = 30_000,
    ):
        super().__init__(space, rng)
        if proposal not in PROPOSALS:
            raise ValueError(f"proposal must be one of {', '.join(PROPOSALS)}; got {proposal!r}")
        for name, value in (("pool_size", pool_size), ("enumerate_up_to", enumerate_up_to)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.encoder = resolve_encoder(encoder, space)
        self.proposal = proposal
        size = space.size()
        with _one_thread():
            if size is not None and size <= enumerate_up_to:
                self.pool, self.pool_keys, self.pool_z = _whole_space(self.encoder)
            else:
                seen: set[str] = set()
                self.pool = [space.canonical(space.sample_unseen(rng, seen)) for _ in range(int(pool_size))]
                self.pool_keys = [space.key(a) for a in self.pool]
                self.pool_z = self.encoder.encode(self.pool)
        self.pool_row = {k: i for i, k in enumerate(self.pool_keys)}
        self.unvisited = np.ones(len(self.pool), dtype=bool)
        self.lo = self.pool_z.min(axis=0)
        self.hi = self.pool_z.max(axis=0)
        self.seen: set[str] = set()
        self._z: dict[str, np.ndarray] = {}  # latent point of every architecture proposed or told

    # --- latent points of architectures ---------------------------------------------------------------
    def latent(self, arch: Arch, key: str) -> np.ndarray:
        if key not in self._z:
            row = self.pool_row.get(key)
            self._z[key] = self.pool_z[row] if row is not None else self.encoder.encode([arch])[0]
        return self._z[key]

    def _mark(self, arch: Arch) -> tuple[Arch, str]:
        key = self.space.key(arch)
        self.seen.add(key)
        row = self.pool_row.get(key)
        if row is not None:
            self.unvisited[row] = False
        return arch, key

    # --- proposals --------------------------------------------------------------------------------------
    def nearest_unvisited(self, z: np.ndarray) -> Arch | None:
        """The pool member nearest ``z`` among the unvisited ones (every proposed or told architecture
        goes through ``_mark``, which marks its pool row visited), None when all are visited."""
        rows = np.flatnonzero(self.unvisited)
        if not len(rows):
            return None
        best = rows[int(np.argmin(((self.pool_z[rows] - z) ** 2).sum(axis=1)))]
        self.unvisited[best] = False
        return self.pool[best]

    def decoded(self, z: np.ndarray) -> Arch | None:
        """The architecture ``z`` decodes to when it is valid and not yet proposed, else None."""
        arch = self.encoder.decode(z[None])[0]
        if arch is None or self.space.key(arch) in self.seen:
            return None
        return arch

    def propose(self, z: np.ndarray) -> Arch:
        """A new architecture for latent point ``z`` by the proposal rule (module doc)."""
        arch = self.decoded(z) if self.proposal == "decode" else None
        if arch is None:
            arch = self.nearest_unvisited(z)
        if arch is None:
            arch = self.random_unseen()
        arch, key = self._mark(arch)
        self._z.setdefault(key, z.copy())
        return arch

    def random_unseen(self) -> Arch:
        arch = self.space.sample_unseen(self.rng, set(self.seen))  # SearchExhausted when none is left
        return arch


class LatentBO(_LatentSearcher):
    """Bayesian optimisation in the encoder's latent space (module doc).

    Args:
        encoder: a trained :class:`~qgnas.encoders.Encoder` or its checkpoint directory.
        proposal: ``"decode"`` or ``"pool"`` (module doc).
        pool_size: size of a sampled candidate pool.
        enumerate_up_to: the pool is the whole space when the space has at most this many architectures.
        n_initial_points: uniform random architectures before the first model fit (arch2vec: 16).
        n_points: candidate points (decode) or pool members (pool) per proposal.
        n_parents: best architectures whose neighbourhoods add candidates.
        max_decodes: candidates decoded per proposal before falling back to the pool.
        xi: EI margin in standard deviations of the objectives told so far.
        hyper_maxiter: L-BFGS iterations per kernel fit (warm-started from the previous fit).
        refit_growth: the kernel's hyper-parameters are refitted when the number of results has grown
            by this factor since the last refit (1: on every tell); the tells in between condition the
            GP on the new data with the current hyper-parameters.
    """

    name = "gae-bo"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        encoder: Any = None,
        proposal: str = "decode",
        pool_size: int = 5_000,
        enumerate_up_to: int = 30_000,
        n_initial_points: int = 16,
        n_points: int = 500,
        n_parents: int = 5,
        max_decodes: int = 20,
        xi: float = 0.01,
        hyper_maxiter: int | None = 10,
        refit_growth: float = 1.2,
    ):
        super().__init__(space, rng, encoder, proposal, pool_size, enumerate_up_to)
        for name, value, low in (
            ("n_initial_points", n_initial_points, 1),
            ("n_points", n_points, 1),
            ("n_parents", n_parents, 0),
            ("max_decodes", max_decodes, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not (isinstance(xi, int | float) and math.isfinite(xi) and xi >= 0):
            raise ValueError(f"xi must be a finite number >= 0, got {xi!r}")
        self.n_initial_points = int(n_initial_points)
        self.n_points = int(n_points)
        self.n_parents = int(n_parents)
        self.max_decodes = int(max_decodes)
        self.xi = float(xi)
        if not (isinstance(refit_growth, int | float) and refit_growth >= 1):
            raise ValueError(f"refit_growth must be a number >= 1, got {refit_growth!r}")
        self.hyper_maxiter = hyper_maxiter
        self.refit_growth = float(refit_growth)
        self.width = np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        self.X: list[np.ndarray] = []  # unit-box latent points of the told architectures
        self.y: list[float | None] = []  # -objective (minimised); None for a failure
        self.model: Any = None
        self._fitted_on = 0
        self._next_refit = 0

    def _unit(self, z: np.ndarray) -> np.ndarray:
        return (z - self.lo) / self.width

    def ask(self) -> Arch:
        with _one_thread():
            if len(self.seen) < self.n_initial_points or not any(v is not None for v in self.y):
                return self._mark(self.random_unseen())[0]
            self._fit()
            return self._ask_model()

    def tell(self, arch: Arch, result: Result) -> None:
        with _one_thread():
            key = self._mark(arch)[1]
            self.X.append(self._unit(self.latent(arch, key)))
            ok = result.ok and math.isfinite(result.objective)
            self.y.append(-float(result.objective) if ok else None)

    # --- the model ------------------------------------------------------------------------------------
    def _targets(self) -> np.ndarray:
        finite = [v for v in self.y if v is not None]
        worst = max(finite)  # a failure should not look better than anything measured
        return np.array([worst if v is None else v for v in self.y])

    def _fit(self) -> None:
        if self._fitted_on == len(self.y):
            return
        from skopt.learning import GaussianProcessRegressor
        from skopt.learning.gaussian_process.kernels import ConstantKernel, Matern

        n = len(self.y)
        refit = self.model is None or n >= self._next_refit
        if refit:
            self._next_refit = max(n + 1, math.ceil(n * self.refit_growth))
        if self.model is None:
            d = self.encoder.latent
            kernel = ConstantKernel(1.0, (0.01, 1000.0)) * Matern(np.ones(d), (1e-2, 1e2), nu=2.5)
        else:
            kernel = _warm_kernel(self.model)
        gp = GaussianProcessRegressor(
            kernel=kernel,
            normalize_y=True,
            noise="gaussian",
            optimizer=_LBFGS(self.hyper_maxiter) if refit else None,
            n_restarts_optimizer=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gp.fit(np.asarray(self.X), self._targets())
        self.model = gp
        self._fitted_on = n

    def _ei(self, X: np.ndarray) -> np.ndarray:
        from skopt.acquisition import gaussian_ei

        y = self._targets()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(
                gaussian_ei(X, _Posterior(self.model), y_opt=float(y.min()), xi=self.xi * float(y.std())),
                dtype=float,
            )

    def _parents(self) -> list[np.ndarray]:
        y = self._targets()
        order = np.argsort(y, kind="stable")[: self.n_parents]
        return [self.X[i] for i in order]

    def _ask_model(self) -> Arch:
        if self.proposal == "pool":
            return self._ask_pool()
        d = self.encoder.latent
        points = [self.rng.random((self.n_points, d))]
        for parent in self._parents():
            points.append(parent + 0.05 * self.rng.standard_normal((max(1, self.n_points // 10), d)))
        U = np.concatenate(points)
        order = np.argsort(-self._ei(U), kind="stable")
        for i in order[: self.max_decodes]:
            arch = self.decoded(self.lo + U[i] * self.width)
            if arch is not None:
                arch, key = self._mark(arch)
                self._z.setdefault(key, self.lo + U[i] * self.width)
                return arch
        arch = self.nearest_unvisited(self.lo + U[order[0]] * self.width)
        return self._mark(arch if arch is not None else self.random_unseen())[0]

    def _ask_pool(self) -> Arch:
        rows = np.flatnonzero(self.unvisited)
        if not len(rows):
            return self._mark(self.random_unseen())[0]
        pick = rows if len(rows) <= self.n_points else self.rng.choice(rows, self.n_points, replace=False)
        near = []
        for parent in self._parents():
            dist = ((self._unit(self.pool_z[rows]) - parent) ** 2).sum(axis=1)
            near.append(rows[np.argsort(dist, kind="stable")[:50]])
        cands = np.unique(np.concatenate([pick, *near]))
        best = cands[int(np.argmax(self._ei(self._unit(self.pool_z[cands]))))]
        self.unvisited[best] = False
        return self._mark(self.pool[best])[0]


class LatentReinforce(_LatentSearcher):
    """REINFORCE with a diagonal Gaussian policy in the encoder's latent space (module doc).

    Args:
        encoder, proposal, pool_size: as :class:`LatentBO`.
        lr: Adam step size on (mu, log sigma), in units of the pool's spread per dimension.
        baseline_decay: decay of the reward baseline's moving average.
        min_sigma: floor of sigma, as a fraction of the pool's spread (keeps the policy exploring).
    """

    name = "gae-rl"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        encoder: Any = None,
        proposal: str = "decode",
        pool_size: int = 5_000,
        enumerate_up_to: int = 30_000,
        lr: float = 0.05,
        baseline_decay: float = 0.9,
        min_sigma: float = 0.02,
    ):
        super().__init__(space, rng, encoder, proposal, pool_size, enumerate_up_to)
        for name, value, low, high in (
            ("lr", lr, 0, math.inf),
            ("baseline_decay", baseline_decay, 0, 1),
            ("min_sigma", min_sigma, 0, math.inf),
        ):
            if not (isinstance(value, int | float) and low < value < high) and not (
                name == "baseline_decay" and value == 0
            ):
                raise ValueError(f"{name} must be a number in ({low}, {high}), got {value!r}")
        self.lr = float(lr)
        self.baseline_decay = float(baseline_decay)
        spread = self.pool_z.std(axis=0) + 1e-12
        self.scale = spread  # the policy's parameters are in units of the pool's spread
        self.mu = self.pool_z.mean(axis=0) / spread
        self.log_sigma = np.zeros_like(self.mu)
        self.min_log_sigma = math.log(min_sigma)
        self.baseline: float | None = None
        self.reward_scale: float | None = None
        self._adam = [np.zeros((2, len(self.mu))), np.zeros((2, len(self.mu))), 0]
        self._worst: float | None = None

    def ask(self) -> Arch:
        with _one_thread():
            u = self.mu + np.exp(self.log_sigma) * self.rng.standard_normal(len(self.mu))
            z = u * self.scale
            arch = self.propose(z)
            key = self.space.key(arch)
            self._z[key] = z  # the sampled point: the policy gradient is taken at it
            return arch

    def tell(self, arch: Arch, result: Result) -> None:
        key = self._mark(arch)[1]
        if result.ok and math.isfinite(result.objective):
            reward = float(result.objective)
            self._worst = reward if self._worst is None else min(self._worst, reward)
        elif self._worst is not None:
            reward = self._worst
        else:
            return  # a failure before any measurement: nothing to compare it with
        if self.baseline is None:
            self.baseline, self.reward_scale = reward, 0.0
        else:
            deviation = abs(reward - self.baseline)
            self.reward_scale = (
                self.baseline_decay * self.reward_scale + (1 - self.baseline_decay) * deviation
            )
            self.baseline = self.baseline_decay * self.baseline + (1 - self.baseline_decay) * reward
        if not self.reward_scale:
            return
        advantage = (reward - self.baseline) / self.reward_scale
        u = self.latent(arch, key) / self.scale
        sigma = np.exp(self.log_sigma)
        grad_mu = (u - self.mu) / sigma**2
        grad_log_sigma = ((u - self.mu) ** 2) / sigma**2 - 1.0
        self._adam_step(-advantage * np.stack([grad_mu, grad_log_sigma]))

    def _adam_step(self, grad: np.ndarray, b1: float = 0.9, b2: float = 0.999) -> None:
        m, v, t = self._adam
        t += 1
        m[:] = b1 * m + (1 - b1) * grad
        v[:] = b2 * v + (1 - b2) * grad**2
        step = self.lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        self.mu -= step[0]
        self.log_sigma = np.maximum(self.log_sigma - step[1], self.min_log_sigma)
        self._adam[2] = t


__all__ = ["PROPOSALS", "LatentBO", "LatentReinforce", "resolve_encoder"]
