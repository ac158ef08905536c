"""Circuit: construction, counts, errors, and the converters checked against Qiskit and PennyLane."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgnas.quantum.circuit import (
    DEFAULT_GATE_SET,
    SUPPORTED_GATES,
    Circuit,
    Gate,
    canonical_gate_name,
    random_circuit,
)
from qgnas.quantum.ptm import gate_unitary


def circuit_unitary(c: Circuit, params: np.ndarray) -> np.ndarray:
    """Reference unitary, qubit 0 the most significant bit, built gate by gate with numpy."""
    n = c.n_qubits
    u = np.eye(2**n, dtype=complex)
    k = 0
    for g in c.gates:
        if g.is_parametric:
            local = gate_unitary(g.name, params[k])
            k += 1
        else:
            local = gate_unitary(g.name)
        # embed: move the gate's qubits to the front, apply, move back
        qs = list(g.qubits)
        rest = [q for q in range(n) if q not in qs]
        perm = qs + rest
        full = np.kron(local, np.eye(2 ** len(rest)))
        idx = np.arange(2**n).reshape([2] * n).transpose(perm).reshape(-1)
        p = np.eye(2**n)[idx]  # maps natural order to permuted order
        u = p.T @ full @ p @ u
    return u


def test_contract_example():
    c = Circuit.from_gates([("cx", 0, 1), ("ry", 2), ("rz", 0)], n_qubits=3)
    assert c.n_params == 2
    assert c.n_qubits == 3
    assert c.n_gates == 3 and len(c) == 3
    assert c.n_cnots == 1 and c.n_rotations == 2
    assert c.count_ops() == {"cx": 1, "ry": 1, "rz": 1}
    assert c.depth == 2
    assert c.gates[0] == Gate("cx", (0, 1))


def test_append_chains_and_defaults():
    c = Circuit(2).append("rx", 0).append(("cnot", 0, 1)).append("RZ", 1)
    assert [g.name for g in c] == ["rx", "cx", "rz"]
    assert c.gate_set == DEFAULT_GATE_SET
    assert c.moments() == [0, 1, 2]
    assert Circuit.from_gates([("rx", 4)]).n_qubits == 5


def test_depth_counts_parallel_gates():
    c = Circuit.from_gates([("rx", 0), ("rx", 1), ("rx", 2), ("cx", 0, 1), ("ry", 2)], n_qubits=3)
    assert c.depth == 2


@pytest.mark.parametrize(
    ("gates", "kwargs", "match"),
    [
        ([("foo", 0)], {}, "unknown gate 'foo'; allowed: cx, cz, rx"),
        ([("h", 0)], {}, r"not in this circuit's gate set \(cx, rx, ry, rz\)"),
        ([("rx", 3)], {"n_qubits": 3}, r"qubit 3 of gate 'rx' is out of range .* \(allowed 0\.\.2\)"),
        ([("rx", -1)], {"n_qubits": 3}, "out of range"),
        ([("cx", 1, 1)], {"n_qubits": 3}, "control and target are qubit 1"),
        ([("cx", 0)], {"n_qubits": 3}, "acts on 2 qubits"),
        ([("rx", 0.5)], {"n_qubits": 3}, "not an integer"),
        (["rx"], {"n_qubits": 3}, r"acts on 1 qubit, got qubits \(\)"),
        ([5], {"n_qubits": 3}, "a gate is a tuple"),
    ],
)
def test_bad_gates(gates, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Circuit.from_gates(gates, **kwargs)


def test_bad_sizes_and_params():
    with pytest.raises(ValueError, match="positive integer"):
        Circuit(0)
    c = Circuit.from_gates([("ry", 0), ("rz", 1)], n_qubits=2)
    with pytest.raises(ValueError, match="has 2 parameters .* got 3"):
        c.to_qasm([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="got none"):
        c.to_qasm()
    with pytest.raises(ValueError, match="1-D"):
        c.to_qasm(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="unknown gate"):
        canonical_gate_name("toffoli")


def test_extended_gate_set():
    c = Circuit.from_gates([("h", 0), ("sx", 1), ("x", 0), ("cz", 1, 0), ("rx", 1)], gate_set=SUPPORTED_GATES)
    assert c.n_params == 1
    assert c.count_ops()["cz"] == 1


def test_json_round_trip():
    rng = np.random.default_rng(0)
    c = random_circuit(4, 30, rng, gate_set=SUPPORTED_GATES)
    back = Circuit.from_json(c.to_json())
    assert back == c and back.gate_set == c.gate_set
    assert json.loads(c.to_json())["gates"][0] == list(c.gates[0].to_tuple())
    with pytest.raises(ValueError, match="lacks"):
        Circuit.from_dict({"gates": []})


def test_qiskit_conversion_matches_unitary():
    from qiskit.quantum_info import Operator

    rng = np.random.default_rng(1)
    for _ in range(5):
        c = random_circuit(3, 15, rng, gate_set=SUPPORTED_GATES)
        params = rng.uniform(-np.pi, np.pi, c.n_params)
        ref = circuit_unitary(c, params)
        qk = Operator(c.to_qiskit(params)).reverse_qargs().data  # Qiskit is little-endian
        assert np.allclose(qk, ref, atol=1e-12)


def test_symbolic_qiskit_parameters():
    c = Circuit.from_gates([("ry", 0), ("cx", 0, 1), ("rz", 1)])
    qc = c.to_qiskit()
    assert len(qc.parameters) == 2
    names = sorted(p.name for p in qc.parameters)
    assert names == ["theta[0]", "theta[1]"]


def test_qasm_round_trip_through_qiskit():
    from qiskit import qasm2
    from qiskit.quantum_info import Operator

    rng = np.random.default_rng(2)
    c = random_circuit(4, 25, rng, gate_set=SUPPORTED_GATES)
    params = rng.uniform(-np.pi, np.pi, c.n_params)
    text = c.to_qasm(params)
    assert text.startswith("OPENQASM 2.0;")
    loaded = qasm2.loads(text)
    # equal up to a global phase (QASM 2 defines sx only up to one)
    assert Operator(loaded).equiv(Operator(c.to_qiskit(params)), atol=1e-12)


def test_pennylane_ops_match_unitary():
    import pennylane as qml

    rng = np.random.default_rng(3)
    c = random_circuit(3, 15, rng, gate_set=SUPPORTED_GATES)
    params = rng.uniform(-np.pi, np.pi, c.n_params)
    ops = c.to_pennylane_ops(params)
    assert len(ops) == c.n_gates
    tape = qml.tape.QuantumScript(ops)
    mat = qml.matrix(tape, wire_order=range(3))
    assert np.allclose(mat, circuit_unitary(c, params), atol=1e-12)

    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def state():
        c.apply_pennylane(params)
        return qml.state()

    assert np.allclose(state(), circuit_unitary(c, params)[:, 0], atol=1e-12)


def test_text_drawing():
    c = Circuit.from_gates([("cx", 0, 2), ("ry", 1), ("rz", 0)], n_qubits=3)
    text = c.draw()
    lines = text.splitlines()
    assert len(lines) == 5 and lines[0].startswith("q0:") and lines[4].startswith("q2:")
    assert "RY(θ0)" in text and "RZ(θ1)" in text and "●" in text and "⊕" in text
    assert "┼" in lines[2]  # the CNOT crosses qubit 1's wire
    assert "RY(0.5)" in c.draw(params=[0.5, 1.0])
    with pytest.raises(ValueError, match="allowed are 'text' and 'mpl'"):
        c.draw(output="svg")


def test_mpl_drawing(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pylatexenc")
    c = Circuit.from_gates([("cx", 0, 1), ("ry", 1)])
    out = tmp_path / "circuit.png"
    c.draw(output="mpl", filename=str(out))
    assert out.exists() and out.stat().st_size > 0


def test_random_circuit_is_seeded():
    a = random_circuit(5, 40, np.random.default_rng(7))
    b = random_circuit(5, 40, np.random.default_rng(7))
    assert a == b and a.n_gates == 40
    assert random_circuit(1, 10, 0).n_cnots == 0
