"""The quantum world: Hamiltonians, circuits, noise models, the PTM simulator, reference backends and
optimisers.

Names are resolved lazily so that ``import qgnas.quantum`` costs nothing until a piece is used, and
PennyLane / Qiskit are imported only by the parts that need them.
"""

from __future__ import annotations

from qgnas._lazy import lazy_exports

# public name -> module (inside this package) that defines it
_EXPORTS: dict[str, str] = {
    "Hamiltonian": "hamiltonian",
    "molecule": "molecules",
    "MOLECULES": "molecules",
    "transverse_field_ising": "hamiltonian",
    "heisenberg": "hamiltonian",
    "maxcut": "hamiltonian",
    "minimize": "optimizers",
    "OptimizeResult": "optimizers",
    "ADAM_SPSA_PRESETS": "optimizers",
    "initial_angles": "optimizers",
    "extend_angles": "optimizers",
    "EnergyObjective": "objective",
    "GateActions": "actions",
    "CircuitBoard": "actions",
    "Circuit": "circuit",
    "random_circuit": "circuit",
    "SUPPORTED_GATES": "circuit",
    "DEFAULT_GATE_SET": "circuit",
    "CompiledCircuit": "ptm",
    "apply_shot_noise": "noise",
    "get_backend": "backends",
    "register_backend": "backends",
    "available_backends": "backends",
    "Backend": "backends",
    "NoiseModel": "noise",
    "PTMSimulator": "ptm",
    "CircuitSpace": "circuit_space",
    "CircuitEvaluator": "circuit_space",
    "quantum_task": "circuit_space",
    "CHEMICAL_ACCURACY": "circuit_space",
    "ghz_hamiltonian": "circuit_space",
    "maxcut_ring_hamiltonian": "circuit_space",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
