"""Parameterised quantum circuits as plain gate lists.

A :class:`Circuit` is the architecture that quantum architecture search proposes, mutates, hashes,
logs and simulates, so it is deliberately small: a number of qubits, an ordered list of gates from a
gate set, and nothing else. Angles are *not* stored in the circuit: every rotation gate owns one free
parameter, numbered in gate order, and the parameter values travel separately (the optimiser owns
them, the simulators take a whole batch of them at once).

Gate vocabulary (names are case-insensitive; ``"cnot"`` means ``"cx"``):

========  =======  ==========================================================
name      qubits   meaning
========  =======  ==========================================================
``cx``    2        CNOT, written ``("cx", control, target)``
``cz``    2        controlled Z (symmetric)
``rx``    1        ``exp(-i theta X / 2)``, one parameter
``ry``    1        ``exp(-i theta Y / 2)``, one parameter
``rz``    1        ``exp(-i theta Z / 2)``, one parameter
``h``     1        Hadamard
``x``     1        Pauli X
``sx``    1        square root of X (Qiskit's ``SXGate``)
========  =======  ==========================================================

Qubit ``i`` of a circuit is Qiskit qubit ``i`` and PennyLane wire ``i``; Hamiltonian Pauli strings use
the same numbering (character ``i`` acts on qubit ``i``).

Only the standard library and numpy are needed to import this package; Qiskit and PennyLane are
imported inside the converters that use them.

Modules: :mod:`.gates` (the vocabulary above and :class:`Gate`), :mod:`.circuit` (:class:`Circuit`,
:func:`random_circuit`), :mod:`.export` (Qiskit, PennyLane, OpenQASM) and :mod:`.drawing` (text).
"""

from __future__ import annotations

from .circuit import Circuit, random_circuit
from .gates import (
    DEFAULT_GATE_SET,
    GATE_QUBITS,
    GATES,
    PARAMETRIC_GATES,
    SUPPORTED_GATES,
    Gate,
    canonical_gate_name,
)

__all__ = [
    "DEFAULT_GATE_SET",
    "GATES",
    "GATE_QUBITS",
    "PARAMETRIC_GATES",
    "SUPPORTED_GATES",
    "Circuit",
    "Gate",
    "canonical_gate_name",
    "random_circuit",
]
