"""Pauli-transfer matrices (PTMs) of gates and channels, in numpy.

The PTM of a k-qubit channel E is the real 4^k x 4^k matrix ``R[i, j] = Tr(P_i E(P_j)) / 2^k`` over the
Pauli strings ``P_i`` in the order ``I, X, Y, Z`` per qubit, the *first* qubit of the gate being the
most significant digit (so index ``4 * p0 + p1`` for two qubits). It maps the vector of Pauli
expectations ``<P_j>`` of a state to that of the evolved state, composes by matrix product and is real,
which is why a noisy simulator can run in real arithmetic on ``4^n`` numbers.

Everything here runs once per circuit when it is compiled, never per parameter set, so clarity beats
speed. The simulator's plan (:mod:`qgnas.quantum.ptm.plan`) fuses them per circuit.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

__all__ = [
    "PAULI_CHARS",
    "fixed_gate_ptm",
    "gate_unitary",
    "kraus_to_ptm",
    "pauli_basis",
    "rotation_ptm_terms",
    "swap_qubits_ptm",
    "unitary_to_ptm",
]

PAULI_CHARS = "IXYZ"
_PAULIS = (
    np.eye(2, dtype=np.complex128),
    np.array([[0, 1], [1, 0]], dtype=np.complex128),
    np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    np.array([[1, 0], [0, -1]], dtype=np.complex128),
)


@functools.cache
def pauli_basis(k: int) -> np.ndarray:
    """All 4^k Pauli strings on k qubits as matrices, shape (4^k, 2^k, 2^k); qubit 0 most significant."""
    mats = []
    for combo in itertools.product(range(4), repeat=k):
        m = np.ones((1, 1), dtype=np.complex128)
        for p in combo:
            m = np.kron(m, _PAULIS[p])
        mats.append(m)
    out = np.stack(mats)
    out.setflags(write=False)
    return out


def kraus_to_ptm(kraus: Sequence[np.ndarray]) -> np.ndarray:
    """PTM of the channel ``rho -> sum_k K rho K^dagger`` (Kraus matrices of equal size 2^k)."""
    kraus = [np.asarray(K, dtype=np.complex128) for K in kraus]
    dim = kraus[0].shape[0]
    k = int(round(np.log2(dim)))
    if 2**k != dim or any(K.shape != (dim, dim) for K in kraus):
        raise ValueError(f"Kraus matrices must all be 2^k x 2^k, got shapes {[K.shape for K in kraus]}")
    basis = pauli_basis(k)
    # E(P_j) for every j, then R[i, j] = Tr(P_i E(P_j)) / dim
    images = sum(np.einsum("ab,jbc,dc->jad", K, basis, K.conj()) for K in kraus)
    ptm = np.einsum("iab,jba->ij", basis, images) / dim
    if np.max(np.abs(ptm.imag)) > 1e-12:
        raise ValueError("channel PTM is not real: the Kraus matrices do not define a valid channel")
    return np.ascontiguousarray(ptm.real)


def unitary_to_ptm(u: np.ndarray) -> np.ndarray:
    """PTM of ``rho -> U rho U^dagger``."""
    return kraus_to_ptm([u])


def _rot(axis: int, theta: float) -> np.ndarray:
    return np.cos(theta / 2) * _PAULIS[0] - 1j * np.sin(theta / 2) * _PAULIS[axis]


_SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=np.complex128)
_FIXED = {
    "h": np.array([[1, 1], [1, -1]], dtype=np.complex128) / np.sqrt(2),
    "x": _PAULIS[1],
    "sx": _SX,
    # qubit 0 (the control) is the most significant bit
    "cx": np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=np.complex128),
    "cz": np.diag([1, 1, 1, -1]).astype(np.complex128),
}
_AXIS = {"rx": 1, "ry": 2, "rz": 3}


def gate_unitary(name: str, theta: float | None = None) -> np.ndarray:
    """Unitary of a supported gate (``theta`` for rx/ry/rz); the first qubit is the most significant."""
    if name in _AXIS:
        if theta is None:
            raise ValueError(f"gate {name!r} needs an angle")
        return _rot(_AXIS[name], float(theta))
    if name in _FIXED:
        return _FIXED[name]
    raise ValueError(f"no unitary for gate {name!r}; known: {', '.join([*_AXIS, *_FIXED])}")


@functools.cache
def rotation_ptm_terms(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, C, S)`` with ``PTM(R(theta)) = A + cos(theta) C + sin(theta) S`` for rx/ry/rz.

    The entries of ``U(theta) (x) U(theta)*`` are quadratic in ``cos(theta/2), sin(theta/2)``, hence
    exactly affine in ``cos(theta), sin(theta)``; three evaluations fix the three matrices. This closed
    form is what lets the simulator build rotation matrices from the angle tensor with autograd on.
    """
    r0 = unitary_to_ptm(gate_unitary(name, 0.0))
    rpi = unitary_to_ptm(gate_unitary(name, np.pi))
    rhalf = unitary_to_ptm(gate_unitary(name, np.pi / 2))
    a = (r0 + rpi) / 2
    c = (r0 - rpi) / 2
    s = rhalf - a
    for m in (a, c, s):
        m[np.abs(m) < 1e-15] = 0.0
        m.setflags(write=False)
    return a, c, s


@functools.cache
def fixed_gate_ptm(name: str) -> np.ndarray:
    """PTM of a fixed (angle-free) gate; entries rounded to the exact 0/+-1 they are."""
    m = np.round(unitary_to_ptm(gate_unitary(name)), 14)
    m.setflags(write=False)
    return m


def swap_qubits_ptm(m: np.ndarray) -> np.ndarray:
    """The same two-qubit PTM with its two qubits' roles exchanged (index 4a+b <-> 4b+a)."""
    return m.reshape(4, 4, 4, 4).transpose(1, 0, 3, 2).reshape(16, 16)
