"""A :class:`~.circuit.Circuit` in other tools' terms: a Qiskit ``QuantumCircuit``, PennyLane operations
and OpenQASM 2.0 text. Qiskit and PennyLane are imported inside the functions that use them."""

from __future__ import annotations

from typing import Any

__all__ = ["pennylane_ops", "to_qasm", "to_qiskit"]


def to_qiskit(circuit: Any, params: Any = None) -> Any:
    """A ``qiskit.QuantumCircuit`` of ``circuit``; symbolic ``theta[k]`` angles without ``params``."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    if params is None and circuit.n_params:
        values: list[Any] = list(ParameterVector("theta", circuit.n_params))
    else:
        values = [float(v) for v in circuit.check_params(params)]
    qc = QuantumCircuit(circuit.n_qubits)
    k = 0
    for g in circuit.gates:
        if g.is_parametric:
            getattr(qc, g.name)(values[k], g.qubits[0])
            k += 1
        else:
            getattr(qc, g.name)(*g.qubits)
    return qc


def pennylane_ops(circuit: Any, params: Any) -> list[Any]:
    """PennyLane operations of ``circuit`` (queued when called inside a QNode); the parameter entries
    are passed through unchanged, so autodiff sees them."""
    import pennylane as qml

    values = circuit.check_params(params)
    cls = {
        "cx": qml.CNOT,
        "cz": qml.CZ,
        "rx": qml.RX,
        "ry": qml.RY,
        "rz": qml.RZ,
        "h": qml.Hadamard,
        "x": qml.PauliX,
        "sx": qml.SX,
    }
    ops = []
    k = 0
    for g in circuit.gates:
        if g.is_parametric:
            ops.append(cls[g.name](values[k], wires=g.qubits[0]))
            k += 1
        else:
            ops.append(cls[g.name](wires=list(g.qubits) if g.n_qubits > 1 else g.qubits[0]))
    return ops


def to_qasm(circuit: Any, params: Any = None) -> str:
    """OpenQASM 2.0 text (``qelib1.inc`` gates); angles printed with full double precision."""
    values = [float(v) for v in circuit.check_params(params)]
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";']
    if any(g.name == "sx" for g in circuit.gates):
        # the standard qelib1.inc has no sx; define it (sx = sdg h sdg up to a global phase)
        lines.append("gate sx a { sdg a; h a; sdg a; }")
    lines.append(f"qreg q[{circuit.n_qubits}];")
    k = 0
    for g in circuit.gates:
        args = ",".join(f"q[{q}]" for q in g.qubits)
        if g.is_parametric:
            lines.append(f"{g.name}({values[k]!r}) {args};")
            k += 1
        else:
            lines.append(f"{g.name} {args};")
    return "\n".join(lines) + "\n"
