"""Optimisers (qgnas.quantum.optimizers) and the energy objective (qgnas.quantum.objective).

Analytic objectives check convergence, seeding, the Adam-SPSA formulas and the 3-stage shot schedule
quickly; the H2 (4 qubits) tests check what a search relies on: every optimiser reaches chemical
accuracy on a hardware-efficient circuit without noise, and Adam-SPSA does with shot noise on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qgnas.quantum.optimizers import (
    ADAM_SPSA_PRESETS,
    METHODS,
    OptimizeResult,
    decaying_beta1,
    extend_angles,
    initial_angles,
    minimize,
    resolve_method,
    stage_shots,
)

CHEMICAL_ACCURACY = 1.6e-3
TARGET = np.array([0.3, -0.7, 1.1, 0.2, -0.4])


class Cosines:
    """f(x) = sum_i (1 - cos(x_i - t_i)), minimum 0 at t, optionally with shot-like noise.

    Noise of standard deviation ``scale / sqrt(shots)`` comes from its own seeded generator, and the
    shots and points of every call are recorded, so tests can inspect what an optimiser asked for.
    """

    def __init__(self, target: np.ndarray = TARGET, scale: float = 0.0, seed: int = 0) -> None:
        self.target = np.asarray(target, dtype=np.float64)
        self.scale = scale
        self.noise = np.random.default_rng(seed)
        self.calls: list[tuple[int | None, np.ndarray]] = []

    def exact(self, X: np.ndarray) -> np.ndarray:
        return np.sum(1.0 - np.cos(X - self.target), axis=1)

    def __call__(self, X: np.ndarray, shots: int | None = None) -> np.ndarray:
        assert X.ndim == 2 and X.shape[1] == self.target.size
        self.calls.append((shots, X.copy()))
        out = self.exact(X)
        if self.scale and shots is not None:
            out = out + self.noise.normal(0.0, self.scale / math.sqrt(shots), size=len(out))
        return out

    def torch(self, X):  # differentiable twin, for method "adam"
        import torch

        t = torch.as_tensor(self.target, dtype=X.dtype)
        return torch.sum(1.0 - torch.cos(X - t), dim=1)


def x_start() -> np.ndarray:
    return np.zeros(TARGET.size)


# ------------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Adam-SPSA", "adam_spsa"),
        ("adam_spsa", "adam_spsa"),
        ("ADAMSPSA", "adam_spsa"),
        ("adam spsa", "adam_spsa"),
        ("SPSA", "spsa"),
        ("CoByLa", "cobyla"),
        ("Adam", "adam"),
    ],
)
def test_method_names_resolve_case_and_separator_insensitively(name: str, canonical: str) -> None:
    assert resolve_method(name) == canonical
    assert canonical in METHODS


def test_unknown_method_names_it_and_the_allowed_ones() -> None:
    with pytest.raises(
        ValueError, match=r"unknown optimizer method 'nelder'; allowed: spsa, adam_spsa, cobyla"
    ):
        minimize(Cosines(), x_start(), "nelder", np.random.default_rng(0))


# ------------------------------------------------------------------------------------------ convergence


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("spsa", {"maxiter": 300, "a": 0.5}),
        ("adam_spsa", {"maxiter": 300}),  # the published H2 values
        ("cobyla", {"maxiter": 300, "rhobeg": 0.5}),
        ("cobyla", {"maxiter": 300, "rhobeg": 0.5, "implementation": "scipy"}),
        ("adam", {"maxiter": 200, "lr": 0.1}),
    ],
)
def test_each_method_minimises_a_sum_of_cosines(method: str, options: dict) -> None:
    fun = Cosines()
    res = minimize(fun, x_start(), method, np.random.default_rng(1), **options)
    assert isinstance(res, OptimizeResult)
    assert res.fun < 1e-4, (method, res.fun)
    assert np.allclose(res.x, TARGET, atol=2e-2)
    assert float(fun.exact(res.x[None])[0]) == pytest.approx(res.fun, abs=1e-12)
    # history is the running best: non-increasing, ending at the reported value
    assert np.all(np.diff(res.history) <= 0) and res.history[-1] == res.fun


@pytest.mark.parametrize("stages", [1, 3])
def test_adam_spsa_converges_on_a_noisy_objective(stages: int) -> None:
    fun = Cosines(scale=1.0, seed=5)
    opts = {"stages": 3, "shots": 10**6} if stages == 3 else {"shots": 10**5}
    res = minimize(fun, x_start(), "adam_spsa", np.random.default_rng(2), maxiter=400, **opts)
    assert fun.exact(res.x[None])[0] < 5e-3


def test_spsa_on_a_noisy_quadratic() -> None:
    """A quadratic with additive noise of std 1e-3: the iterate settles within the noise floor."""

    def quad(X: np.ndarray, shots: int | None = None) -> np.ndarray:
        return np.sum((X - 1.0) ** 2, axis=1) + noise.normal(0.0, 1e-3, size=len(X))

    noise = np.random.default_rng(11)
    res = minimize(quad, np.zeros(4), "spsa", np.random.default_rng(3), maxiter=500, a=0.2, c=0.1)
    assert np.sum((res.x - 1.0) ** 2) < 1e-2


def test_nfev_counts_every_evaluated_point_and_maxfev_is_respected() -> None:
    for method, opts in [
        ("spsa", {"maxfev": 100}),
        ("adam_spsa", {"maxfev": 100}),
        ("adam_spsa", {"maxfev": 400, "stages": 3, "shots": 1000}),
        ("cobyla", {"maxiter": 60}),
    ]:
        fun = Cosines()
        res = minimize(fun, x_start(), method, np.random.default_rng(0), **opts)
        points = sum(len(X) for _, X in fun.calls)
        assert res.nfev == points, method
        assert points <= opts.get("maxfev", opts.get("maxiter")), method


def test_spsa_batches_both_perturbations_and_the_iterate_in_one_call() -> None:
    fun = Cosines()
    res = minimize(fun, x_start(), "spsa", np.random.default_rng(0), maxiter=7)
    sizes = [len(X) for _, X in fun.calls]
    assert sizes == [3] * 7 + [1]  # (x+, x-, x_k) per iteration, then the last iterate
    assert res.nit == 7 and res.nfev == 22
    untracked = minimize(Cosines(), x_start(), "spsa", np.random.default_rng(0), maxiter=7, track_best=False)
    assert untracked.nfev == 15 and untracked.message == "last iterate"


def test_parameterless_circuit_is_evaluated_once() -> None:
    fun = Cosines(target=np.zeros(0))
    for method in METHODS:
        res = minimize(fun, np.zeros(0), method, np.random.default_rng(0))
        assert res.x.shape == (0,) and res.fun == 0.0 and res.nfev == 1


# ------------------------------------------------------------------------------------------ seeding


@pytest.mark.parametrize("method", ["spsa", "adam_spsa"])
def test_seeded_runs_reproduce_exactly(method: str) -> None:
    runs = [
        minimize(
            Cosines(scale=1.0, seed=9), x_start(), method, np.random.default_rng(42), maxiter=50, shots=1000
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].x, runs[1].x)
    assert np.array_equal(runs[0].history, runs[1].history)
    other = minimize(
        Cosines(scale=1.0, seed=9), x_start(), method, np.random.default_rng(43), maxiter=50, shots=1000
    )
    assert not np.array_equal(runs[0].x, other.x)


def test_int_seed_is_the_same_as_a_generator_from_it() -> None:
    a = minimize(Cosines(), x_start(), "spsa", 7, maxiter=20)
    b = minimize(Cosines(), x_start(), "spsa", np.random.default_rng(7), maxiter=20)
    assert np.array_equal(a.x, b.x)


def test_perturbations_are_not_reseeded_between_calls() -> None:
    """CRLQAS re-seeds its perturbation RNG identically on every call; ours keeps drawing."""
    rng = np.random.default_rng(0)

    def first_delta() -> np.ndarray:
        fun = Cosines()
        minimize(fun, x_start(), "adam_spsa", rng, maxiter=1)
        plus, minus = fun.calls[0][1][:2]
        return np.sign(plus - minus)

    deltas = [first_delta() for _ in range(4)]
    assert any(not np.array_equal(deltas[0], d) for d in deltas[1:])


def test_optimisers_do_not_touch_global_random_state() -> None:
    before = np.random.get_state()[1].copy()  # noqa: NPY002  (checking that nobody uses it)
    minimize(Cosines(), x_start(), "adam_spsa", np.random.default_rng(0), maxiter=20)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002


# ------------------------------------------------------------------------------------------ Adam-SPSA facts


def test_decaying_beta1_matches_hand_computed_values() -> None:
    # beta1 / (t + 1) ** lambda with the published H2 values beta1 = 0.8804, lambda = 0.6104
    assert decaying_beta1(0, 0.8804, 0.6104) == 0.8804
    assert decaying_beta1(1, 0.8804, 0.6104) == pytest.approx(0.8804 / 1.5266824365, rel=1e-9)  # 2 ** 0.6104
    assert decaying_beta1(9, 0.8804, 0.6104) == pytest.approx(0.8804 / 4.0775566175, rel=1e-9)  # 10 ** 0.6104
    assert decaying_beta1(3, 0.9, 0.5) == pytest.approx(0.45)  # 0.9 / sqrt(4)
    assert decaying_beta1(5, 0.9, 0.0) == 0.9  # lambda = 0: plain Adam
    with pytest.raises(ValueError, match="t must be >= 0"):
        decaying_beta1(-1, 0.9, 0.5)


def test_adam_spsa_first_steps_follow_the_crlqas_formulas() -> None:
    """One parameter and a linear f: the SPSA gradient is exact (g = 2), so the steps are hand-checkable."""
    g = 2.0

    def linear(X: np.ndarray, shots: int | None = None) -> np.ndarray:
        return g * X[:, 0]

    p = {"a": 0.5, "alpha": 0.6, "c": 0.1, "gamma": 0.1, "lam": 0.5, "beta1": 0.9, "beta2": 0.99}
    res = minimize(linear, [1.0], "adam_spsa", np.random.default_rng(0), maxiter=2, track_best=False, **p)
    # k = 0: plain SPSA, x1 = x0 - a0 g with a0 = 0.5 / 1 ** 0.6
    x1 = 1.0 - 0.5 * g
    # k = 1: b1 = 0.9 / 2 ** 0.5; m = (1 - b1) g; v = (1 - 0.99) g^2; bias-corrected with power k + 1 = 2
    b1 = 0.9 / math.sqrt(2.0)
    m_hat = (1 - b1) * g / (1 - b1**2)
    v_hat = (1 - 0.99) * g**2 / (1 - 0.99**2)
    x2 = x1 - 0.5 / 2**0.6 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert res.x[0] == pytest.approx(x2, rel=1e-12)


def test_published_defaults_and_presets() -> None:
    h2 = ADAM_SPSA_PRESETS["crlqas_h2_2q"]
    assert (h2["a"], h2["alpha"], h2["c"], h2["gamma"]) == (1.4934, 0.9931, 0.0612, 0.0253)
    assert (h2["lam"], h2["beta1"], h2["beta2"], h2["maxiter"]) == (0.6104, 0.8804, 0.9979, 100)
    lih = ADAM_SPSA_PRESETS["crlqas_lih_4q_3stage"]
    assert (lih["a"], lih["alpha"], lih["c"], lih["gamma"]) == (1.8658, 0.9451, 0.046, 0.1397)
    assert (lih["lam"], lih["beta1"], lih["beta2"]) == (0.0138, 0.9658, 0.8594)
    assert lih["stages"] == 3 and tuple(lih["stage_maxiter"]) == (1191, 357, 119)
    # defaults are the H2 values: 100 iterations, perturbation c_0 = 0.0612
    fun = Cosines()
    res = minimize(fun, x_start(), "adam_spsa", np.random.default_rng(0))
    assert res.nit == 100
    plus, minus = fun.calls[0][1][:2]
    assert np.allclose(np.abs(plus - minus) / 2, 0.0612)


def test_three_stage_schedule_passes_growing_shots_and_continues_k() -> None:
    fun = Cosines()
    c, gamma = 0.05, 0.2
    res = minimize(
        fun,
        x_start(),
        "Adam-SPSA",
        np.random.default_rng(0),
        stages=3,
        shots=20000,
        stage_maxiter=(6, 4, 3),
        c=c,
        gamma=gamma,
    )
    iteration_calls = fun.calls[:-1]  # the last call measures the final iterate
    assert [s for s, _ in iteration_calls] == [200] * 6 + [2000] * 4 + [20000] * 3
    assert fun.calls[-1][0] == 20000
    assert stage_shots(20000) == (200, 2000, 20000)
    # perturbation size c / (k + 1) ** gamma with k counting on across stages (no reset)
    for k, (_, X) in enumerate(iteration_calls):
        half_width = np.abs(X[0] - X[1]) / 2
        assert np.allclose(half_width, c / (k + 1) ** gamma), k
    # at each stage change the best point so far is re-measured at the new shot count
    assert [len(X) for _, X in iteration_calls] == [3] * 6 + [4] + [3] * 3 + [4] + [3] * 2
    assert res.nit == 13


def test_three_stage_takes_n_from_the_objective_when_not_given() -> None:
    fun = Cosines()
    fun.shots = 5000  # as EnergyObjective(..., shots=5000) carries it
    minimize(fun, x_start(), "adam_spsa", np.random.default_rng(0), stages=3, stage_maxiter=(1, 1, 1))
    assert [s for s, _ in fun.calls] == [50, 500, 5000, 5000]


def test_three_stage_budget_split_follows_the_published_proportions() -> None:
    fun = Cosines()
    minimize(fun, x_start(), "adam_spsa", np.random.default_rng(0), stages=3, shots=100, maxiter=100)
    shots = [s for s, _ in fun.calls[:-1]]
    assert (shots.count(1), shots.count(10), shots.count(100)) == (71, 22, 7)  # 1191:357:119 of 100


def test_lih_preset_runs_three_stages() -> None:
    fun = Cosines()
    res = minimize(
        fun, x_start(), "adam_spsa", np.random.default_rng(0), preset="crlqas_lih_4q_3stage", shots=1000
    )
    assert res.nit == 1191 + 357 + 119
    assert sorted({s for s, _ in fun.calls}) == [10, 100, 1000]


def test_initial_angles_are_small_and_seeded() -> None:
    a = initial_angles(1000, np.random.default_rng(0))
    assert a.min() >= 0.0 and a.max() < 0.1 and a.std() > 0.02
    assert np.array_equal(a, initial_angles(1000, np.random.default_rng(0)))
    x = extend_angles([1.0, 2.0], 3, np.random.default_rng(1))
    assert x.shape == (5,) and np.array_equal(x[:2], [1.0, 2.0]) and np.all((x[2:] >= 0) & (x[2:] < 0.1))
    assert extend_angles([1.0], 0, np.random.default_rng(1)).tolist() == [1.0]


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("method", "options", "error", "match"),
    [
        ("spsa", {"maxiter": -5}, ValueError, "maxiter must be a positive integer"),
        ("spsa", {"maxiter": 10, "maxfev": 30}, ValueError, "not both"),
        ("spsa", {"maxfev": 3}, ValueError, "maxfev=3 is too small"),
        ("spsa", {"a": -1.0}, ValueError, "a must be finite and > 0"),
        ("spsa", {"learning_rate": 0.1}, TypeError, r"unknown option\(s\) \['learning_rate'\].*allowed"),
        ("adam_spsa", {"stages": 2}, ValueError, "stages must be 1 or 3"),
        ("adam_spsa", {"stages": 3}, ValueError, "needs shots=N"),
        ("adam_spsa", {"stages": 3, "shots": 50}, ValueError, "shots >= 100"),
        ("adam_spsa", {"beta1": 1.0}, ValueError, r"beta1 must lie in \[0, 1\)"),
        ("adam_spsa", {"shots": 0}, ValueError, "shots must be a positive integer"),
        ("adam_spsa", {"preset": "nope"}, ValueError, "unknown Adam-SPSA preset 'nope'"),
        ("adam_spsa", {"stage_maxiter": (1, 2, 3)}, ValueError, "need stages=3"),
        ("adam_spsa", {"stages": 3, "shots": 100, "stage_maxiter": (1, 0, 3)}, ValueError, "3 positive"),
        ("cobyla", {"maxiter": 0}, ValueError, "maxiter must be a positive integer"),
        ("cobyla", {"rhobeg": 0.0}, ValueError, "rhobeg must be finite and > 0"),
        (
            "cobyla",
            {"implementation": "pdfo"},
            ValueError,
            "unknown COBYLA implementation 'pdfo'; allowed: nlopt, scipy",
        ),
        ("adam", {"lr": -0.1}, ValueError, "lr must be finite and > 0"),
    ],
)
def test_bad_options_raise_clear_errors(method: str, options: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        minimize(Cosines(), x_start(), method, np.random.default_rng(0), **options)


def test_stochastic_methods_require_an_rng() -> None:
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        minimize(Cosines(), x_start(), "spsa", None)
    minimize(Cosines(), x_start(), "cobyla", None, maxiter=20)  # deterministic: fine without


@pytest.mark.parametrize("implementation", ["nlopt", "scipy"])
def test_cobyla_is_deterministic_and_respects_the_evaluation_budget(implementation: str) -> None:
    runs = [
        minimize(Cosines(), x_start(), "cobyla", None, maxiter=37, implementation=implementation)
        for _ in "ab"
    ]
    assert runs[0].nfev <= 37 and len(runs[0].history) == runs[0].nfev
    assert np.array_equal(runs[0].x, runs[1].x) and runs[0].fun == runs[1].fun


def test_adam_needs_an_objective_with_torch_gradients() -> None:
    with pytest.raises(TypeError, match=r"\.torch\(X\)"):
        minimize(lambda X, shots=None: np.sum(X**2, axis=1), x_start(), "adam")


def test_bad_x0_and_bad_objective_outputs() -> None:
    with pytest.raises(ValueError, match="1-D parameter vector"):
        minimize(Cosines(), np.zeros((2, 5)), "spsa", 0)
    with pytest.raises(ValueError, match="finite"):
        minimize(Cosines(), [np.nan] * 5, "spsa", 0)
    with pytest.raises(ValueError, match="returned 1 values for a batch of 3"):
        minimize(lambda X, shots=None: np.zeros(1), x_start(), "spsa", 0)
    with pytest.raises(ValueError, match="non-finite"):
        minimize(lambda X, shots=None: np.full(len(X), np.nan), x_start(), "cobyla")


# ------------------------------------------------------------------------------------------ EnergyObjective


@pytest.fixture(scope="module")
def small_problem():
    """A 2-qubit Hamiltonian and circuit: fast enough to sample thousands of energies."""
    from qgnas.quantum import Circuit, Hamiltonian

    H = Hamiltonian.from_pauli_strings(["II", "ZI", "IZ", "XX", "ZZ"], [0.3, 0.5, -0.4, 0.7, 0.2])
    c = Circuit.from_gates([("ry", 0), ("ry", 1), ("cx", 0, 1), ("rx", 1)], n_qubits=2)
    return H, c


def test_objective_exact_energies_match_the_simulator(small_problem) -> None:
    import torch

    from qgnas.quantum import NoiseModel, PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    X = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(5, c.n_params))
    for noise in (None, NoiseModel.depolarizing(0.01, 0.05)):
        sim = PTMSimulator(noise=noise)
        obj = EnergyObjective(sim, c, H)
        want = sim.expectation(c, H, torch.as_tensor(X)).numpy()
        got = obj(X)
        assert isinstance(got, np.ndarray) and got.shape == (5,)
        np.testing.assert_allclose(got, want, atol=1e-12)
        np.testing.assert_allclose(obj.exact(X), want, atol=1e-12)
        np.testing.assert_allclose(obj.pauli_expectations(X) @ H.coeffs, want, atol=1e-12)
        assert obj.n_evaluations == 10


def test_objective_torch_gives_exact_gradients(small_problem) -> None:
    import torch

    from qgnas.quantum import NoiseModel, PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    obj = EnergyObjective(PTMSimulator(noise=NoiseModel.depolarizing(0.01, 0.05)), c, H)
    x = torch.tensor([[0.3, -1.2, 0.8]], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(obj.torch(x).sum(), x)
    h = 1e-6
    fd = [
        (obj.exact(x.detach().numpy() + h * e) - obj.exact(x.detach().numpy() - h * e))[0] / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(grad.numpy()[0], fd, atol=1e-7)


@pytest.mark.parametrize("mode", ["gaussian", "multinomial"])
def test_objective_shot_noise_has_the_right_mean_and_spread(small_problem, mode: str) -> None:
    from qgnas.quantum import PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    obj = EnergyObjective(PTMSimulator(), c, H, shot_noise=mode, rng=np.random.default_rng(0))
    x = np.array([0.4, 1.1, -0.3])
    exact = obj.exact(x[None])[0]
    shots, n = 400, 4000
    samples = obj(np.tile(x, (n, 1)), shots=shots)
    w = H.coeffs[1:]  # the identity term is known exactly, never sampled
    if mode == "gaussian":
        sigma = np.linalg.norm(w) / math.sqrt(shots)
    else:  # binomial per term: Var(estimate of <P>) = (1 - <P>^2) / shots
        p = obj.pauli_expectations(x[None])[0, 1:]
        sigma = math.sqrt(np.sum(w**2 * (1 - p**2)) / shots)
    assert samples.mean() == pytest.approx(exact, abs=4 * sigma / math.sqrt(n))
    assert samples.std() == pytest.approx(sigma, rel=0.06)
    if mode == "multinomial":  # estimates lie on the shot grid: (2k/shots - 1) per term
        assert len(np.unique(np.round(samples, 12))) < n


def test_objective_shot_noise_is_reproducible_and_defaults_are_honoured(small_problem) -> None:
    from qgnas.quantum import NoiseModel, PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    X = np.zeros((4, c.n_params))
    a = EnergyObjective(PTMSimulator(), c, H, shots=100, rng=np.random.default_rng(3))(X)
    b = EnergyObjective(PTMSimulator(), c, H, shots=100, rng=np.random.default_rng(3))(X)
    assert np.array_equal(a, b) and len(set(a.tolist())) == 4  # rows get independent noise
    obj = EnergyObjective(PTMSimulator(), c, H, shots=100, rng=1)
    assert obj.shots == 100 and obj.shot_noise == "gaussian"
    exact = obj.exact(X)
    assert not np.allclose(obj(X), exact)  # the constructor's shots apply by default
    # a noise model that sets shots supplies both the count and the mode
    model = NoiseModel(shots=50, shot_noise="exact")
    obj = EnergyObjective(PTMSimulator(noise=model), c, H, rng=2)
    assert obj.shots == 50 and obj.shot_noise == "exact"
    assert np.allclose(obj.exact(X), exact)  # exact stays exact even then


def test_objective_errors(small_problem) -> None:
    from qgnas.quantum import Circuit, PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    sim = PTMSimulator()
    with pytest.raises(ValueError, match="needs a random generator"):
        EnergyObjective(sim, c, H)(np.zeros((1, 3)), shots=10)
    with pytest.raises(ValueError, match="unknown shot noise mode 'poisson'; allowed: exact, gaussian"):
        EnergyObjective(sim, c, H, shot_noise="poisson")
    with pytest.raises(ValueError, match="shots must be a positive integer"):
        EnergyObjective(sim, c, H, shots=0)
    with pytest.raises(ValueError, match=r"shape \[B, 3\]"):
        EnergyObjective(sim, c, H)(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="acts on 2 qubits but the circuit has 3"):
        EnergyObjective(sim, Circuit.from_gates([("ry", 2)], n_qubits=3), H)


class _DensityBackend:
    """A duck-typed reference backend (no ``compile``, no autograd), exact by construction."""

    name = "toy"

    def __init__(self, noise=None) -> None:
        from qgnas.quantum import PTMSimulator

        self.noise = noise
        self._sim = PTMSimulator()

    def expectation(self, circuit, hamiltonian, params, *, shots=None, rng=None):
        assert shots is None, "the objective must add shot noise itself"
        return self._sim.expectation(circuit, hamiltonian, params).detach()

    def pauli_expectations(self, circuit, hamiltonian, params):
        return self._sim.pauli_expectations(circuit, hamiltonian, params).detach()


def test_objective_on_a_backend_without_compile(small_problem) -> None:
    from qgnas.quantum import NoiseModel
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    X = np.random.default_rng(1).uniform(-1, 1, size=(3, c.n_params))
    want = EnergyObjective(_DensityBackend()._sim, c, H).exact(X)
    obj = EnergyObjective(_DensityBackend(NoiseModel(shots=64)), c, H, rng=0)
    np.testing.assert_allclose(obj.exact(X), want, atol=1e-12)  # exact path avoids the model's shots
    noisy = obj(X)
    assert noisy.shape == (3,) and not np.allclose(noisy, want)
    with pytest.raises(TypeError, match="needs the PTM simulator"):
        obj.torch(X)
    res = minimize(obj, np.zeros(c.n_params), "cobyla", maxiter=30, shots=10**8)
    assert res.nfev == 30


def test_adam_through_the_objective_reaches_the_ground_state(small_problem) -> None:
    from qgnas.quantum import PTMSimulator
    from qgnas.quantum.objective import EnergyObjective

    H, c = small_problem
    obj = EnergyObjective(PTMSimulator(), c, H)
    res = minimize(obj, [0.1, 0.2, 0.3], "adam", maxiter=300, lr=0.1)
    assert res.fun - H.ground_energy < 1e-6


# ------------------------------------------------------------------------------------------ H2 to chemical accuracy
#
# Circuit: Hartree-Fock reference prepared *through* the CNOT ladder (X on qubits 0 and 2, which the
# ladder turns into |1100>), then one hardware-efficient layer: RY on every qubit, CNOT ladder
# 0-1-2-3, RY on every qubit (8 parameters). With all angles 0 it is the HF state, 0.0206 Ha above
# the ground state; the first RY on qubit 0 feeds the ladder's double excitation |0011>, so the
# correlation energy is reachable from the CRLQAS start U(0, 0.1).


@pytest.fixture(scope="module")
def h2():
    from qgnas.quantum import Circuit, PTMSimulator, molecule

    H = molecule("H2", bond=0.7414, qubits=4)
    gates = [("x", 0), ("x", 2)]
    gates += (
        [("ry", q) for q in range(4)] + [("cx", q, q + 1) for q in range(3)] + [("ry", q) for q in range(4)]
    )
    circuit = Circuit.from_gates(gates, n_qubits=4, gate_set=("cx", "ry", "x"))
    return H, circuit, PTMSimulator()


def _h2_error(h2, method: str, seed: int, shots: int | None = None, mode: str = "gaussian", **options):
    """Noiseless error of the parameters an optimiser returns, and its evaluation count."""
    from qgnas.quantum.objective import EnergyObjective

    H, circuit, sim = h2
    rng = np.random.default_rng(seed)
    obj = EnergyObjective(sim, circuit, H, shot_noise=mode, rng=rng)
    x0 = initial_angles(circuit.n_params, rng)
    res = (
        minimize(obj, x0, method, rng, shots=shots, **options)
        if shots
        else minimize(obj, x0, method, rng, **options)
    )
    return float(obj.exact(res.x[None])[0] - H.ground_energy), res.nfev


H2_NOISELESS = {
    "adam": {"maxiter": 100, "lr": 0.1},
    "cobyla": {"maxiter": 200, "rhobeg": 1.0},
    "spsa": {"maxiter": 200, "a": 0.5},
    "adam_spsa": {"maxiter": 150, "a": 0.1},  # the published H2-2q values, a smaller first step
}


@pytest.mark.parametrize("method", sorted(H2_NOISELESS))
def test_h2_4q_each_optimiser_reaches_chemical_accuracy_without_noise(h2, method: str) -> None:
    H, circuit, sim = h2
    assert circuit.n_params == 8
    for seed in (0, 1, 2):
        error, nfev = _h2_error(h2, method, seed, **H2_NOISELESS[method])
        assert 0 <= error < CHEMICAL_ACCURACY, (method, seed, error, nfev)


H2_SHOTS = {
    # CRLQAS Gaussian shot noise, sigma = shots^-1/2 per Pauli term
    "1-stage": {"shots": 10**6, "maxiter": 200, "a": 0.1},
    # stages with 10^4, 10^5 and 10^6 shots, iterations split 1191:357:119
    "3-stage": {"stages": 3, "shots": 10**6, "maxiter": 300, "a": 0.1},
}


@pytest.mark.parametrize("form", sorted(H2_SHOTS))
def test_h2_4q_adam_spsa_reaches_chemical_accuracy_with_shot_noise(h2, form: str) -> None:
    for seed in (0, 1, 2):
        error, nfev = _h2_error(h2, "adam_spsa", seed, **H2_SHOTS[form])
        assert 0 <= error < CHEMICAL_ACCURACY, (form, seed, error, nfev)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["gaussian", "multinomial"])
@pytest.mark.parametrize("form", sorted(H2_SHOTS))
def test_h2_4q_adam_spsa_with_shot_noise_across_seeds(h2, form: str, mode: str) -> None:
    errors = [_h2_error(h2, "adam_spsa", seed, mode=mode, **H2_SHOTS[form])[0] for seed in range(8)]
    assert max(errors) < CHEMICAL_ACCURACY, errors


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(H2_NOISELESS))
def test_h2_4q_noiseless_across_seeds(h2, method: str) -> None:
    errors = [_h2_error(h2, method, seed, **H2_NOISELESS[method])[0] for seed in range(8)]
    assert max(errors) < CHEMICAL_ACCURACY, errors
