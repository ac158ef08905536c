"""The gate vocabulary: gate names, their qubit counts and other spellings, and :class:`Gate`."""

from __future__ import annotations

from dataclasses import dataclass

from qgnas.core.registry import Registry

__all__ = [
    "DEFAULT_GATE_SET",
    "GATES",
    "GATE_QUBITS",
    "PARAMETRIC_GATES",
    "SUPPORTED_GATES",
    "Gate",
    "canonical_gate_name",
]

#: Number of qubits each supported gate acts on (the order is the order used in error messages).
GATE_QUBITS: dict[str, int] = {"cx": 2, "cz": 2, "rx": 1, "ry": 1, "rz": 1, "h": 1, "x": 1, "sx": 1}
SUPPORTED_GATES: tuple[str, ...] = tuple(GATE_QUBITS)
#: Gates that carry one free angle each.
PARAMETRIC_GATES: frozenset[str] = frozenset({"rx", "ry", "rz"})
#: The gate set of CRLQAS and of most QAS work: CNOT plus the three Pauli rotations.
DEFAULT_GATE_SET: tuple[str, ...] = ("cx", "rx", "ry", "rz")

#: Gate names (canonical name -> qubit count) and their other spellings.
GATES: Registry[int] = Registry(
    "gate", GATE_QUBITS, {"cnot": "cx", "hadamard": "h", "pauli-x": "x", "not": "x", "cphase": "cz"}
)


def canonical_gate_name(name: str) -> str:
    """Resolve ``"CNOT"``, ``"RX"``, ``"Hadamard"`` ... to the canonical lower-case gate name.

    Raises:
        ValueError: naming the unknown gate and listing the supported ones.
    """
    return GATES.resolve(name)


@dataclass(frozen=True)
class Gate:
    """One gate: a canonical name and the qubits it acts on (control first for ``cx``)."""

    name: str
    qubits: tuple[int, ...]

    @property
    def n_qubits(self) -> int:
        return len(self.qubits)

    @property
    def is_parametric(self) -> bool:
        return self.name in PARAMETRIC_GATES

    def to_tuple(self) -> tuple:
        """``("cx", 0, 1)`` / ``("ry", 2)``: the form :meth:`Circuit.from_gates` takes."""
        return (self.name, *self.qubits)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.qubits))})"
