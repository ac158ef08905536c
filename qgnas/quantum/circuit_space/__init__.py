"""Quantum architecture search as a core ``SearchSpace`` + ``Evaluator``, so the generic searchers
(random, evolution, REINFORCE, BO) run on the same problem as the CRLQAS agent.

Modules: :mod:`.space` (:class:`CircuitSpace`: CRLQAS gate sequences as decisions, their canonical
form, JSON and graph views), :mod:`.evaluator` (:class:`CircuitEvaluator`: a circuit's optimised energy,
as the environment scores a step) and :mod:`.problems` (molecules, GHZ preparation, Max-Cut, and
:func:`quantum_task`, which builds the benchmark task of one of them).
"""

from __future__ import annotations

from qgnas.quantum.evaluation import (
    CHEMICAL_ACCURACY,
    NOISELESS_NAMES,
    OPTIMIZERS,
    energy_at,
    make_simulator,
    noise_model,
    optimise_circuit,
    optimizer_settings,
)

from .evaluator import CircuitEvaluator
from .problems import (
    GHZ_FIDELITY,
    PROBLEM_DEFAULT_QUBITS,
    PROBLEMS,
    ghz_hamiltonian,
    maxcut_ring_hamiltonian,
    optimal_cut_threshold,
    quantum_task,
)
from .space import NONE, CircuitArch, CircuitSpace, gate_label

__all__ = [
    "CHEMICAL_ACCURACY",
    "GHZ_FIDELITY",
    "NOISELESS_NAMES",
    "NONE",
    "OPTIMIZERS",
    "PROBLEMS",
    "PROBLEM_DEFAULT_QUBITS",
    "CircuitArch",
    "CircuitEvaluator",
    "CircuitSpace",
    "energy_at",
    "gate_label",
    "ghz_hamiltonian",
    "make_simulator",
    "maxcut_ring_hamiltonian",
    "noise_model",
    "optimal_cut_threshold",
    "optimise_circuit",
    "optimizer_settings",
    "quantum_task",
]
