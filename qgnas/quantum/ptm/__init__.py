"""A batched, differentiable noisy simulator in the Pauli-transfer-matrix picture (torch).

The state of n qubits is kept as its vector of Pauli expectations ``r_P = Tr(rho P)`` over the 4^n
Pauli strings: a real vector, on which every gate and every noise channel acts linearly through its
Pauli-transfer matrix (PTM). (This is the normalised-Pauli-basis vector times ``sqrt(2^n)``; the PTMs are
the same in both normalisations, and this scaling makes the entries the expectations themselves.)
The energy is then a dot product of the final vector with the Hamiltonian's coefficients, and readout
error is a fixed linear map on the measured expectations. Without gate noise the same interface runs a
state-vector simulation (2^n complex amplitudes), which is exact and much smaller.

Everything that depends only on the circuit, the noise and the Hamiltonian is done once in
:meth:`PTMSimulator.compile`; a call then runs a fixed, short sequence of batched operations whose
number does not grow with the batch and is about two per *two-qubit* gate. The modules, in the order
a circuit goes through them:

* :mod:`~qgnas.quantum.ptm.gates`: PTMs of gates and channels (numpy);
* :mod:`~qgnas.quantum.ptm.plan`: :class:`CircuitPlan`, the circuit and its noise fused into layers,
  one pass over the state each (the plan every executor runs);
* :mod:`~qgnas.quantum.ptm.layout`: the state's axis order, every axis move planned at compile time;
* :mod:`~qgnas.quantum.ptm.matrices`: the layers' matrices from the angles, batch-last;
* :mod:`~qgnas.quantum.ptm.propagate` and :mod:`~qgnas.quantum.ptm.buffers`: the passes over the state
  (elementwise for small states, one batched GEMM per layer for large ones, into reused buffers);
* :mod:`~qgnas.quantum.ptm.measure`: initial states, readout error and the energy's gather;
* :mod:`~qgnas.quantum.ptm.kernel`: the same plan as one compiled Numba kernel, for noisy CPU float64
  calls that record no gradient (several times faster on small batches, same numbers to 1e-15);
* :mod:`~qgnas.quantum.ptm.compiled`: :class:`CompiledCircuit`, which picks the path per call;
* :mod:`~qgnas.quantum.ptm.simulator`: :class:`PTMSimulator`, the front end.

Only numpy and torch are needed to import this package: the simulator and the compiled circuit are
loaded on first use (they need the noise models, which use the PTMs here), Numba with the kernel.
"""

from __future__ import annotations

from typing import Any

from qgnas._lazy import lazy_exports
from qgnas.core.device import resolve_device

from .gates import (
    PAULI_CHARS,
    fixed_gate_ptm,
    gate_unitary,
    kraus_to_ptm,
    pauli_basis,
    rotation_ptm_terms,
    swap_qubits_ptm,
    unitary_to_ptm,
)
from .plan import CircuitPlan

__all__ = [
    "PAULI_CHARS",
    "CircuitPlan",
    "CompiledCircuit",
    "PTMKernelPlan",
    "PTMSimulator",
    "build_kernel_plan",
    "fixed_gate_ptm",
    "gate_unitary",
    "kraus_to_ptm",
    "pauli_basis",
    "resolve_device",
    "rotation_ptm_terms",
    "swap_qubits_ptm",
    "unitary_to_ptm",
]

_LAZY = {
    "CompiledCircuit": "compiled",
    "PTMSimulator": "simulator",
    "PTMKernelPlan": "kernel",
    "build_kernel_plan": "kernel",
}
_lazy_getattr, _lazy_dir = lazy_exports(__name__, _LAZY)


def __getattr__(name: str) -> Any:
    if name == "build":  # the kernel plan's builder under its name in the former ptm_kernel module
        name = "build_kernel_plan"
    return _lazy_getattr(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_lazy_dir(), "build"})
