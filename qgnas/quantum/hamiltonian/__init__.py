"""Qubit Hamiltonians as weighted sums of Pauli strings.

A :class:`Hamiltonian` is the one currency every quantum piece of qgnas speaks: the PTM simulator dots
the state's Pauli vector with :attr:`Hamiltonian.coeffs`, the reference backends convert it with
:meth:`Hamiltonian.to_qiskit` / :meth:`Hamiltonian.to_pennylane`, and the search environments read
:attr:`Hamiltonian.ground_energy` and :attr:`Hamiltonian.lower_bound` for rewards and curricula.

Conventions (fixed; everything else relies on them):

* A Pauli string has one character per qubit over ``"IXYZ"`` and **character i acts on qubit i**
  (PennyLane wire i). Qiskit labels are written the other way round (its rightmost character is qubit
  0), so :meth:`Hamiltonian.to_qiskit` reverses each label.
* :meth:`Hamiltonian.to_sparse_matrix` is the Kronecker product of the characters in string order, i.e.
  **qubit 0 is the most significant bit** of the basis index. That is PennyLane's
  ``qml.matrix(op, wire_order=range(n))``; Qiskit's ``Operator``/``to_matrix()`` of the converted
  operator is the same matrix with the qubit order reversed (``little_endian=True`` gives that one).

Only numpy and scipy are needed to import this package; PennyLane and Qiskit are imported inside the
methods that convert to them.

Modules: :mod:`.pauli_sum` (the :class:`Hamiltonian` class), :mod:`.terms` (checking and merging the
input terms), :mod:`.models` (the Pauli terms of the model Hamiltonians: Ising, Heisenberg, Max-Cut,
GHZ projector) and :mod:`.spectrum` (the sparse matrix and the lowest-eigenvalue solver).
"""

from __future__ import annotations

from .pauli_sum import Hamiltonian, ghz_projector, heisenberg, maxcut, transverse_field_ising
from .spectrum import lowest_eigenvalue

__all__ = [
    "Hamiltonian",
    "ghz_projector",
    "heisenberg",
    "lowest_eigenvalue",
    "maxcut",
    "transverse_field_ising",
]
