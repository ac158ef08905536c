"""The noise channels that follow a gate: their Kraus matrices, PTMs and the same channel in Qiskit and
PennyLane.

Conventions (see the package docstring): depolarizing is Qiskit's ``rho -> (1 - p) rho + p I / d``;
thermal relaxation relaxes toward ``|0>`` with zero excited-state population.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgnas.core.registry import Registry

__all__ = ["CHANNEL_KINDS", "Channel"]


def _depolarizing(params: tuple[float, ...], k: int) -> list[np.ndarray]:
    (p,) = params
    dim2 = 4**k
    # imported here: the ptm package loads torch, and the noise models need only numpy
    from qgnas.quantum.ptm import pauli_basis

    basis = pauli_basis(k)
    # (1-p) rho + p I/d  ==  (1 - p + p/d^2) rho + p/d^2 sum_{P != I} P rho P
    return [math.sqrt(1 - p + p / dim2) * basis[0]] + [math.sqrt(p / dim2) * P for P in basis[1:]]


def _amplitude_damping(params: tuple[float, ...], k: int) -> list[np.ndarray]:
    (g,) = params
    return [
        np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=np.complex128),
        np.array([[0, math.sqrt(g)], [0, 0]], dtype=np.complex128),
    ]


def _phase_damping(params: tuple[float, ...], k: int) -> list[np.ndarray]:
    (g,) = params
    return [
        np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=np.complex128),
        np.array([[0, 0], [0, math.sqrt(g)]], dtype=np.complex128),
    ]


def _thermal_relaxation(params: tuple[float, ...], k: int) -> list[np.ndarray]:
    t1, t2, time = params
    # amplitude damping with gamma = 1 - exp(-t/T1), then pure dephasing making the total
    # coherence decay exp(-t/T2): sqrt(1 - g_ad) * sqrt(1 - g_pd) = exp(-t/T2)
    g_ad = 1.0 - math.exp(-time / t1)
    coherence = math.exp(-time / t2)
    g_pd = 1.0 - (coherence**2 / (1.0 - g_ad) if g_ad < 1.0 else 0.0)
    ad = _amplitude_damping((g_ad,), k)
    pd = _phase_damping((max(0.0, g_pd),), k)
    return [b @ a for a in ad for b in pd]


#: channel kind -> its Kraus matrices ``(params, n_qubits) -> [2^k x 2^k]``
CHANNEL_KINDS: Registry[Callable[[tuple[float, ...], int], list[np.ndarray]]] = Registry(
    "channel kind",
    {
        "depolarizing": _depolarizing,
        "thermal_relaxation": _thermal_relaxation,
        "amplitude_damping": _amplitude_damping,
        "phase_damping": _phase_damping,
    },
)


@dataclass(frozen=True)
class Channel:
    """One noise channel on given qubits.

    ``kind`` is a name of :data:`CHANNEL_KINDS` (stored canonical). ``params`` is ``(p,)`` for
    depolarizing, ``(gamma,)`` for amplitude/phase damping and ``(t1, t2, time)`` for thermal
    relaxation. Matrices use the first listed qubit as the most significant one, like the PTM
    simulator's gate matrices.
    """

    kind: str
    qubits: tuple[int, ...]
    params: tuple[float, ...]

    def __post_init__(self) -> None:
        # canonical, so that the exports below can compare kinds as plain strings
        object.__setattr__(self, "kind", CHANNEL_KINDS.resolve(self.kind))

    def kraus(self) -> list[np.ndarray]:
        """Kraus matrices (2^k x 2^k, complex)."""
        return CHANNEL_KINDS[self.kind](self.params, len(self.qubits))

    def ptm(self) -> np.ndarray:
        """Pauli-transfer matrix (4^k x 4^k, real)."""
        # imported here: the ptm package loads torch, and the noise models need only numpy
        from qgnas.quantum.ptm import kraus_to_ptm

        return kraus_to_ptm(self.kraus())

    def to_qiskit(self) -> Any:
        """A ``qiskit_aer.noise.QuantumError`` built with Qiskit's own constructors.

        Using Qiskit's constructors (not our Kraus matrices) makes the Aer backend an independent
        check of the channel definitions here.
        """
        from qiskit_aer.noise import (
            amplitude_damping_error,
            depolarizing_error,
            phase_damping_error,
            thermal_relaxation_error,
        )

        if self.kind == "depolarizing":
            return depolarizing_error(self.params[0], len(self.qubits))
        if self.kind == "amplitude_damping":
            return amplitude_damping_error(self.params[0])
        if self.kind == "phase_damping":
            return phase_damping_error(self.params[0])
        t1, t2, time = self.params
        return thermal_relaxation_error(t1, t2, time)

    def to_pennylane(self) -> Any:
        """The PennyLane channel operation (not queued unless called inside a QNode)."""
        import pennylane as qml

        q = self.qubits
        if self.kind == "depolarizing":
            if len(q) == 1:
                return qml.DepolarizingChannel(0.75 * self.params[0], wires=q[0])
            return qml.QubitChannel(self.kraus(), wires=list(q))
        if self.kind == "amplitude_damping":
            return qml.AmplitudeDamping(self.params[0], wires=q[0])
        if self.kind == "phase_damping":
            return qml.PhaseDamping(self.params[0], wires=q[0])
        t1, t2, time = self.params
        return qml.ThermalRelaxationError(0.0, t1, t2, time, wires=q[0])
