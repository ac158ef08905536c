"""The PTM simulator against Qiskit Aer (density matrix) and PennyLane default.mixed.

Random circuits (2-6 qubits, 5-60 gates from the full gate set) under each noise model, with
per-qubit parameters so that a mixed-up qubit order cannot hide. The default run checks 10 circuits
(2-5 qubits, up to 40 gates) per noise model and registered reference backend; ``pytest -m slow``
runs the full sweep of 100 circuits per model. The largest deviation seen per model and backend is
printed (``-s``) for the record.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgnas.quantum.backends import Backend, available_backends, get_backend, register_backend
from qgnas.quantum.circuit import SUPPORTED_GATES, Circuit, random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.noise import NoiseModel
from qgnas.quantum.ptm import PTMSimulator

pytest.importorskip("qiskit_aer")
pytest.importorskip("pennylane")

TOL = 1e-9


def _per_qubit(rng: np.random.Generator, n: int, lo: float, hi: float) -> dict:
    return {q: float(rng.uniform(lo, hi)) for q in range(n)}


def make_noise(kind: str, n: int, rng: np.random.Generator) -> NoiseModel | None:
    if kind == "noiseless":
        return None
    if kind == "depolarizing":
        pairs = {(a, b): float(rng.uniform(0, 0.08)) for a in range(n) for b in range(n) if a != b}
        return NoiseModel(p1=_per_qubit(rng, n, 0, 0.03), p2=pairs)
    if kind == "amplitude_damping":
        return NoiseModel(amplitude_damping=_per_qubit(rng, n, 0, 0.08))
    if kind == "phase_damping":
        return NoiseModel(phase_damping=_per_qubit(rng, n, 0, 0.08))
    if kind == "thermal_relaxation":
        t1 = _per_qubit(rng, n, 20e-6, 100e-6)
        t2 = {q: float(rng.uniform(0.2, 2.0)) * t1[q] for q in range(n)}
        return NoiseModel.thermal_relaxation(
            t1, t2, gate_time_1q=float(rng.uniform(50e-9, 1e-6)), gate_time_2q=2e-6
        )
    if kind == "readout":
        return NoiseModel(
            readout={q: (float(rng.uniform(0, 0.1)), float(rng.uniform(0, 0.1))) for q in range(n)}
        )
    if kind == "device":
        qubits = [int(q) for q in rng.choice(27, size=n, replace=False)]
        return NoiseModel.from_backend("fake_mumbai", qubits=qubits, virtual_rz=bool(rng.integers(2)))
    if kind == "everything":
        return NoiseModel(
            p1=0.01,
            p2=0.02,
            amplitude_damping=_per_qubit(rng, n, 0, 0.03),
            phase_damping=0.02,
            t1=50e-6,
            t2=60e-6,
            gate_time_1q=100e-9,
            gate_time_2q=500e-9,
            readout={q: (0.02, 0.04 + 0.01 * q) for q in range(n)},
        )
    raise ValueError(kind)


KINDS = [
    "noiseless",
    "depolarizing",
    "amplitude_damping",
    "phase_damping",
    "thermal_relaxation",
    "readout",
    "device",
    "everything",
]


# every registered backend other than the simulator under test is a reference it must agree with
REFERENCES = [name for name in available_backends() if name != "ptm"]


def sweep(
    kind: str, reference: str, count: int, seed: int, max_qubits: int = 6, max_gates: int = 60
) -> float:
    """Largest |PTM - reference| over ``count`` random circuits, Hamiltonians and noise models."""
    if kind == "device":
        pytest.importorskip("qiskit_ibm_runtime")
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(count):
        n = int(rng.integers(2, max_qubits + 1))
        circuit = random_circuit(n, int(rng.integers(5, max_gates + 1)), rng, gate_set=SUPPORTED_GATES)
        strings = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(7)] + ["I" * n]
        ham = Hamiltonian.from_pauli_strings(strings, rng.normal(size=len(strings)))
        noise = make_noise(kind, n, rng)
        params = rng.uniform(-np.pi, np.pi, size=(2, circuit.n_params))
        # the default simulator (its compiled kernel for these no-gradient calls) and the torch path
        ours = [
            PTMSimulator(noise=noise, kernel=k).expectation(circuit, ham, torch.tensor(params)).numpy()
            for k in (True, False)
        ]
        ref = get_backend(reference, noise=noise).expectation(circuit, ham, params).numpy()
        worst = max(worst, *(float(np.max(np.abs(o - ref))) for o in ours))
    return worst


@pytest.mark.parametrize("reference", REFERENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_ptm_agrees_with_every_reference_backend(kind, reference):
    worst = sweep(kind, reference, count=10, seed=KINDS.index(kind), max_qubits=5, max_gates=40)
    print(f"\n{kind}: max |PTM - {reference}| = {worst:.2e} (10 circuits, 2-5 qubits)")
    assert worst < TOL, worst


@pytest.mark.slow
@pytest.mark.parametrize("reference", REFERENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_ptm_agrees_full_sweep(kind, reference):
    worst = sweep(kind, reference, count=100, seed=1000 + KINDS.index(kind))
    print(f"\n{kind}: max |PTM - {reference}| = {worst:.2e} (100 circuits)")
    assert worst < TOL, worst


@pytest.mark.parametrize("kind", ["depolarizing", "readout", "everything"])
def test_pauli_expectations_agree(kind):
    rng = np.random.default_rng(7)
    n = 3
    circuit = random_circuit(n, 25, rng, gate_set=SUPPORTED_GATES)
    ham = Hamiltonian.from_pauli_strings(["XYZ", "ZZI", "IYI", "III", "XIX"], [0.5, -0.3, 0.8, 1.0, 0.2])
    noise = make_noise(kind, n, rng)
    params = rng.uniform(-np.pi, np.pi, size=(3, circuit.n_params))
    ours = PTMSimulator(noise=noise).pauli_expectations(circuit, ham, params)
    for name in REFERENCES:
        ref = get_backend(name, noise=noise).pauli_expectations(circuit, ham, params)
        assert torch.allclose(ours, ref, atol=TOL, rtol=0), name


# ---------------------------------------------------------------------------------------- protocol


@pytest.mark.parametrize("name", available_backends())
def test_backend_conformance(name):
    """What every registered backend must do."""
    noise = NoiseModel.depolarizing(0.01, 0.02)
    backend = get_backend(name, noise=noise)
    assert isinstance(backend, Backend)
    assert backend.noise == noise
    c = Circuit.from_gates([("cx", 0, 1), ("ry", 2), ("rz", 0)], n_qubits=3)
    H = Hamiltonian.from_pauli_strings(["XZI", "IYY", "ZZZ"], [0.5, -1.2, 0.3])
    params = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]])
    e = backend.expectation(c, H, params)
    assert isinstance(e, torch.Tensor) and e.shape == (3,)
    assert backend.expectation(c, H, params[1]).shape == ()
    pe = backend.pauli_expectations(c, H, params)
    assert pe.shape == (3, 3)
    assert torch.allclose(pe @ torch.tensor(H.coeffs), e.double(), atol=1e-10)
    with pytest.raises(ValueError, match="params must have shape"):
        backend.expectation(c, H, np.zeros((2, 5)))
    # no-parameter circuits work on every backend: after H, depolarizing 0.01 leaves <XI> = 0.99; the
    # CNOT maps XI -> XX and IZ -> ZZ, then depolarizing 0.02 scales both by 0.98
    bell = Circuit.from_gates([("h", 0), ("cx", 0, 1)], gate_set=SUPPORTED_GATES)
    H2 = Hamiltonian.from_pauli_strings(["ZZ", "XX"], [1.0, 1.0])
    assert torch.allclose(
        backend.expectation(bell, H2, np.zeros((2, 0))).double(),
        torch.full((2,), 0.98 * (1 + 0.99), dtype=torch.float64),
    )


def test_registry():
    assert {"ptm", "aer", "pennylane"} <= set(available_backends())
    assert get_backend("Qiskit-Aer").name == "aer"
    assert get_backend("default.mixed").name == "pennylane"
    assert isinstance(get_backend("ptm", noise={"p1": 0.01}), PTMSimulator)
    with pytest.raises(ValueError, match="unknown backend 'cirq'; allowed: ptm, aer, pennylane"):
        get_backend("cirq")
    register_backend("my-ptm", lambda noise=None: PTMSimulator(noise=noise, method="ptm"))
    assert get_backend("my_ptm").method == "ptm"
