"""Scoring a circuit of the :class:`~.space.CircuitSpace` as the CRLQAS environment scores one step.

**Evaluation** (:class:`CircuitEvaluator`) runs the environment's code path (``qgnas/QuantumArchSearch-v0``,
``envs/quantum_arch_search.py``): the same optimiser names and defaults (COBYLA, ``maxiter=100``), the
same :class:`~qgnas.quantum.objective.EnergyObjective` on the configured (noisy) simulator, the noiseless
PTM simulator for ``error_noiseless``, and chemical accuracy as a noiseless error below 1.6 mHa. The one
difference is the starting point: the environment warm-starts from the previous step's angles, while
a search evaluates each circuit once, from fresh angles drawn U(0, 0.1) as the environment draws them
for new gates. The angles are seeded from the evaluator's seed and the circuit's key, so the same
circuit gets the same result in every searcher, run and order of evaluation.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np

from qgnas.core import Evaluator, Result
from qgnas.quantum.evaluation import (
    CHEMICAL_ACCURACY,
    energy_at,
    make_simulator,
    noise_model,
    optimise_circuit,
    optimizer_settings,
)

from .space import CircuitSpace

__all__ = ["CircuitEvaluator"]


class CircuitEvaluator(Evaluator):
    """Circuit -> optimised energy, as one step of ``QuantumArchSearch-v0`` scores it (module doc).

    ``Result.objective`` is ``-error`` (maximised by the core), where ``error = E - E_ground`` and ``E``
    is the optimised energy on the configured (noisy) simulator. ``metrics``: ``energy``,
    ``energy_noiseless``, ``error``, ``error_noiseless`` (noiseless energy at the optimised angles
    minus the exact ground energy), ``success`` (1 when ``error_noiseless`` < ``success_threshold``,
    else 0: the circuit is *good*), ``chemical_accuracy`` (1 when ``error_noiseless`` < 1.6 mHa; only
    for chemistry, i.e. unless ``hamiltonian.metadata["problem"]`` names another problem, where a
    Hartree threshold means nothing), ``gates``, ``depth``, ``cnots``, ``rotations``, ``parameters``
    and ``nfev`` (energy evaluations the optimiser spent).

    Args:
        hamiltonian: a :class:`~qgnas.quantum.hamiltonian.Hamiltonian` with ``ground_energy``.
        noise: anything :func:`noise_model` accepts (None: noiseless).
        optimizer, optimizer_options: as the environment's (default COBYLA, ``maxiter=100``).
        space: the :class:`CircuitSpace` (default: all ordered CNOT pairs, ``max_gates=20``).
        shots, shot_noise: shot noise on the optimised energy, as the environment's.
        seed: root of the angle seeds; each circuit's stream is derived from it and the circuit's key.
        backend, device: ``"ptm"`` (default) or a reference backend name; the torch device.
        success_threshold: a circuit is good (``success``) when its noiseless error is below this;
            default chemical accuracy (1.6 mHa), the CRLQAS criterion.
    """

    name = "circuit-energy"

    def __init__(
        self,
        hamiltonian: Any,
        noise: Any = None,
        optimizer: str = "cobyla",
        optimizer_options: dict[str, Any] | None = None,
        *,
        space: CircuitSpace | None = None,
        shots: int | None = None,
        shot_noise: str = "gaussian",
        seed: int = 0,
        backend: str = "ptm",
        device: str = "cpu",
        success_threshold: float = CHEMICAL_ACCURACY,
    ):
        self.hamiltonian = hamiltonian
        self.n_qubits = int(hamiltonian.n_qubits)
        self.space = space if space is not None else CircuitSpace(self.n_qubits)
        if self.space.n_qubits != self.n_qubits:
            raise ValueError(
                f"the space has {self.space.n_qubits} qubits but the Hamiltonian acts on {self.n_qubits}"
            )
        _check_sampling(shots, shot_noise, seed, success_threshold)
        self.success_threshold = float(success_threshold)
        # chemical accuracy is a Hartree threshold: reported for chemistry, not for GHZ or Max-Cut
        problem = (getattr(hamiltonian, "metadata", None) or {}).get("problem", "molecule")
        self.chemistry = problem == "molecule"
        self.noise = noise_model(noise, self.n_qubits)
        self.shots = None if shots is None else int(shots)
        self.shot_noise = shot_noise
        self.optimizer = str(optimizer).strip().lower().replace("-", "_")
        self.method, self.options = optimizer_settings(optimizer, optimizer_options, self.shots)
        self.seed = int(seed)
        self.ground_energy = float(hamiltonian.ground_energy)
        self.simulator = make_simulator(backend, self.noise, device)
        self._noiseless = make_simulator("ptm", None, "cpu")

    def rng(self, arch: Any) -> np.random.Generator:
        """The angle/shot-noise stream of one circuit: a function of the seed and the circuit's key."""
        digest = hashlib.sha256(self.space.key(arch).encode()).digest()
        words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *words]))

    def optimise(self, arch: Any) -> tuple[Any, np.ndarray, dict[str, float]]:
        """(canonical circuit, optimised angles, metrics) of ``arch``; raises on a bad architecture."""
        circuit = self.space.to_circuit(arch)
        params, energy, nfev = optimise_circuit(
            circuit,
            self.hamiltonian,
            self.simulator,
            self.method,
            self.options,
            self.rng(arch),
            shots=self.shots,
            shot_noise=self.shot_noise,
        )
        noisy = self.noise is not None or self.shots is not None
        noiseless = energy_at(self._noiseless, circuit, self.hamiltonian, params) if noisy else energy
        error_noiseless = noiseless - self.ground_energy
        metrics = {
            "energy": energy,
            "energy_noiseless": noiseless,
            "error": energy - self.ground_energy,
            "error_noiseless": error_noiseless,
        }
        if self.chemistry:
            metrics["chemical_accuracy"] = int(error_noiseless < CHEMICAL_ACCURACY)
        metrics.update(
            {
                "success": int(error_noiseless < self.success_threshold),
                "gates": circuit.n_gates,
                "depth": circuit.depth,
                "cnots": circuit.n_cnots,
                "rotations": circuit.n_rotations,
                "parameters": circuit.n_params,
                "nfev": nfev,
            }
        )
        return circuit, params, metrics

    def _evaluate(self, arch: Any) -> Result:
        start = time.perf_counter()
        _, _, metrics = self.optimise(arch)
        return Result(objective=-metrics["error"], metrics=metrics, seconds=time.perf_counter() - start)


def _check_sampling(shots: Any, shot_noise: Any, seed: Any, success_threshold: Any) -> None:
    if shots is not None and (
        isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1
    ):
        raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
    if shot_noise not in ("gaussian", "multinomial"):
        raise ValueError(f"shot_noise must be 'gaussian' or 'multinomial', got {shot_noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if (
        isinstance(success_threshold, bool)
        or not isinstance(success_threshold, int | float | np.integer | np.floating)
        or not 0 < success_threshold < np.inf
    ):
        raise ValueError(f"success_threshold must be a positive finite number, got {success_threshold!r}")
