"""PTM simulator: contract, both execution paths, exact gradients, dtype/device handling, bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from qgnas.quantum.circuit import SUPPORTED_GATES, Circuit, random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.noise import NoiseModel
from qgnas.quantum.ptm import PTMSimulator


def random_hamiltonian(n: int, terms: int, rng: np.random.Generator, identity: bool = True) -> Hamiltonian:
    strings = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(terms)]
    if identity:
        strings.append("I" * n)
    return Hamiltonian.from_pauli_strings(strings, rng.normal(size=len(strings)))


def thermal(n: int) -> NoiseModel:
    return NoiseModel.thermal_relaxation(
        t1={q: 30e-6 + 10e-6 * q for q in range(n)},
        t2={q: 20e-6 + 15e-6 * q for q in range(n)},
        gate_time_1q=0.5e-6,
        gate_time_2q=2e-6,
    )


NOISY = {
    "depolarizing": lambda n: NoiseModel.depolarizing(0.01, 0.05),
    "amplitude_damping": lambda n: NoiseModel(amplitude_damping={q: 0.02 * (q + 1) for q in range(n)}),
    "thermal": thermal,
    "mixed+readout": lambda n: NoiseModel(
        p1=0.02, p2=0.03, phase_damping=0.05, readout={q: (0.01 * (q + 1), 0.03) for q in range(n)}
    ),
}


def test_issue_contract():
    H = Hamiltonian.from_pauli_strings(["XZI", "IYY"], [0.5, -1.2])
    c = Circuit.from_gates([("cx", 0, 1), ("ry", 2), ("rz", 0)], n_qubits=3)
    noise = NoiseModel.depolarizing(p1=0.001, p2=0.005)
    sim = PTMSimulator(noise=noise, device="cpu", dtype=torch.float64)
    params = torch.rand(5, c.n_params, dtype=torch.float64)
    E = sim.expectation(c, H, params)
    assert E.shape == (5,) and E.dtype == torch.float64
    single = sim.expectation(c, H, params[0])
    assert single.shape == () and torch.allclose(single, E[0])
    # a list / numpy array works too
    assert torch.allclose(sim.expectation(c, H, params.numpy()), E)


def test_statevector_path_equals_ptm_path():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 7))
        c = random_circuit(n, int(rng.integers(0, 40)), rng, gate_set=SUPPORTED_GATES)
        H = random_hamiltonian(n, 6, rng)
        p = torch.tensor(rng.uniform(-np.pi, np.pi, (3, c.n_params)))
        sv = PTMSimulator(noise=None)
        assert sv.method == "statevector"
        ptm = PTMSimulator(noise=None, method="ptm")
        assert torch.allclose(sv.expectation(c, H, p), ptm.expectation(c, H, p), atol=1e-12, rtol=0)
        assert torch.allclose(
            sv.pauli_expectations(c, H, p), ptm.pauli_expectations(c, H, p), atol=1e-12, rtol=0
        )


def test_statevector_matches_dense_reference():
    rng = np.random.default_rng(1)
    c = random_circuit(4, 30, rng, gate_set=SUPPORTED_GATES)
    H = random_hamiltonian(4, 8, rng)
    p = rng.uniform(-np.pi, np.pi, c.n_params)
    from qiskit.quantum_info import Statevector

    psi = Statevector(c.to_qiskit(p)).reverse_qargs().data  # qubit 0 most significant, like H
    ref = float(np.real(psi.conj() @ (H.to_sparse_matrix() @ psi)))
    assert float(PTMSimulator().expectation(c, H, p)) == pytest.approx(ref, abs=1e-12)


def test_readout_only_runs_on_the_statevector():
    rng = np.random.default_rng(2)
    c = random_circuit(3, 20, rng)
    H = random_hamiltonian(3, 6, rng)
    noise = NoiseModel(readout={0: (0.02, 0.05), 1: (0.1, 0.0), 2: 0.03})
    p = rng.uniform(-np.pi, np.pi, (4, c.n_params))
    sv = PTMSimulator(noise=noise)
    assert sv.method == "statevector"
    ptm = PTMSimulator(noise=noise, method="ptm")
    assert torch.allclose(sv.expectation(c, H, p), ptm.expectation(c, H, p), atol=1e-12, rtol=0)


def test_readout_map_on_a_basis_state():
    """|1> read with p(0|1) = 0.1: <Z> = -(1 - 0.1) + 0.1 = -0.8; p(1|0) does not matter."""
    c = Circuit.from_gates([("x", 0)], n_qubits=1, gate_set=SUPPORTED_GATES)
    H = Hamiltonian.from_pauli_strings(["Z"], [1.0])
    e = PTMSimulator(noise=NoiseModel(readout=(0.3, 0.1))).expectation(c, H, [])
    assert float(e) == pytest.approx(-0.8)


@pytest.mark.parametrize("name", list(NOISY))
def test_small_and_large_state_paths_agree(name):
    """B = 1 takes the batch-last elementwise path, B = 64 on 6 qubits the batched-GEMM path."""
    rng = np.random.default_rng(3)
    c = random_circuit(6, 50, rng, gate_set=SUPPORTED_GATES)
    H = random_hamiltonian(6, 10, rng)
    sim = PTMSimulator(noise=NOISY[name](6))
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (64, c.n_params)))
    big = sim.expectation(c, H, p)
    small = torch.stack([sim.expectation(c, H, p[i]) for i in (0, 17, 63)])
    assert torch.allclose(big[[0, 17, 63]], small, atol=1e-13, rtol=0)


@pytest.mark.parametrize("name", list(NOISY) + ["device", "noiseless"])
def test_autograd_matches_central_differences(name):
    rng = np.random.default_rng(4)
    n = 4
    if name == "device":
        pytest.importorskip("qiskit_ibm_runtime")
        noise = NoiseModel.from_backend("fake_mumbai", n_qubits=n)
    elif name == "noiseless":
        noise = None
    else:
        noise = NOISY[name](n)
    c = random_circuit(n, 30, rng, gate_set=SUPPORTED_GATES)
    H = random_hamiltonian(n, 8, rng)
    f = PTMSimulator(noise=noise).compile(c, H)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (3, c.n_params)), requires_grad=True)
    f(p).sum().backward()
    h = 1e-5
    fd = torch.zeros_like(p)
    with torch.no_grad():
        for k in range(c.n_params):
            dp = torch.zeros_like(p)
            dp[:, k] = h
            fd[:, k] = (f(p + dp) - f(p - dp)) / (2 * h)
    assert torch.allclose(p.grad, fd, atol=1e-8, rtol=0)


def test_dense_gate_fallback_matches(monkeypatch):
    """Layers whose two-qubit part is not monomial (no such channel today) take a dense path."""
    import qgnas.quantum.ptm.matrices as ptm_matrices

    rng = np.random.default_rng(11)
    cases = []
    for n, batch in ((5, 70), (3, 2)):  # the GEMM path, the elementwise path
        H = random_hamiltonian(n, 8, rng)
        c = random_circuit(n, 40, rng, gate_set=SUPPORTED_GATES)
        p = torch.tensor(rng.uniform(-np.pi, np.pi, (batch, c.n_params)))
        noise = NOISY["mixed+readout"](n)
        cases.append((c, H, p, noise, PTMSimulator(noise=noise).expectation(c, H, p)))
    monkeypatch.setattr(ptm_matrices, "monomial", lambda m: None)
    for c, H, p, noise, ref in cases:
        dense = PTMSimulator(noise=noise).compile(c, H)
        assert not dense._matrices.all_monomial
        assert torch.allclose(dense(p), ref, atol=1e-13, rtol=0)


def test_gradient_through_large_state_path():
    rng = np.random.default_rng(5)
    c = random_circuit(6, 40, rng)
    H = random_hamiltonian(6, 8, rng)
    f = PTMSimulator(noise=NoiseModel.depolarizing(0.01, 0.02)).compile(c, H)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (16, c.n_params)), requires_grad=True)
    (g,) = torch.autograd.grad(f(p).sum(), p)
    h = 1e-5
    with torch.no_grad():
        for k in (0, c.n_params // 2, c.n_params - 1):
            dp = torch.zeros_like(p)
            dp[:, k] = h
            fd = (f(p + dp) - f(p - dp)) / (2 * h)
            assert torch.allclose(g[:, k], fd, atol=1e-8, rtol=0)


def test_pauli_expectations_and_energy_agree():
    rng = np.random.default_rng(6)
    c = random_circuit(4, 30, rng)
    H = random_hamiltonian(4, 10, rng)
    for noise in (None, NOISY["mixed+readout"](4)):
        sim = PTMSimulator(noise=noise)
        p = torch.tensor(rng.uniform(-np.pi, np.pi, (5, c.n_params)))
        pe = sim.pauli_expectations(c, H, p)
        assert pe.shape == (5, H.n_terms)
        assert torch.allclose(pe @ torch.tensor(H.coeffs), sim.expectation(c, H, p), atol=1e-12)
        assert torch.all(pe.abs() <= 1 + 1e-12)
        ident = H.paulis.index("IIII")
        assert torch.allclose(pe[:, ident], torch.ones(5, dtype=torch.float64))


def test_float32_is_close_to_float64():
    rng = np.random.default_rng(7)
    c = random_circuit(5, 50, rng)
    H = random_hamiltonian(5, 10, rng)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (8, c.n_params)))
    for noise in (None, NoiseModel.depolarizing(0.01, 0.02)):
        e64 = PTMSimulator(noise=noise).expectation(c, H, p)
        e32 = PTMSimulator(noise=noise, dtype=torch.float32).expectation(c, H, p)
        assert e32.dtype == torch.float32
        assert torch.allclose(e32.double(), e64, atol=1e-5)


def test_edge_circuits():
    H1 = Hamiltonian.from_pauli_strings(["Z", "X"], [1.0, 0.5])
    noise = NoiseModel.depolarizing(0.1, 0.1)
    for sim in (PTMSimulator(), PTMSimulator(noise=noise)):
        assert float(sim.expectation(Circuit(1), H1, [])) == pytest.approx(1.0)
        c = Circuit.from_gates([("ry", 0)])
        e = sim.expectation(c, H1, torch.tensor([[0.0], [np.pi / 2]]))
        shrink = 1.0 if sim.noise is None else 0.9
        assert torch.allclose(e, torch.tensor([shrink, 0.5 * shrink], dtype=torch.float64), atol=1e-12)
    # parameter-free circuits and batches
    H = Hamiltonian.from_pauli_strings(["ZZ", "XX"], [1.0, 1.0])
    bell = Circuit.from_gates([("h", 0), ("cx", 0, 1)], gate_set=SUPPORTED_GATES)
    e = PTMSimulator().expectation(bell, H, torch.zeros(3, 0))
    assert torch.allclose(e, torch.full((3,), 2.0, dtype=torch.float64))
    e = PTMSimulator(noise=NoiseModel.depolarizing(0.0, 0.2)).expectation(bell, H, torch.zeros(0))
    assert float(e) == pytest.approx(2 * 0.8)


def test_shot_noise_in_expectation():
    rng = np.random.default_rng(8)
    c = random_circuit(3, 20, rng)
    H = random_hamiltonian(3, 5, rng)
    noise = NoiseModel.depolarizing(0.01, 0.02, shots=500)
    sim = PTMSimulator(noise=noise)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (1, c.n_params))).expand(3000, -1)
    exact = sim.compile(c, H)(p[:1])
    a = sim.expectation(c, H, p, rng=np.random.default_rng(1))
    b = sim.expectation(c, H, p, rng=np.random.default_rng(1))
    assert torch.equal(a, b)
    assert float(a.mean()) == pytest.approx(float(exact), abs=0.02)
    assert float(a.std()) > 0
    g = sim.expectation(c, H, p[:10], shots=100, rng=2)
    assert not torch.allclose(g, exact.expand(10))


def test_compile_once_and_cache():
    rng = np.random.default_rng(9)
    c = random_circuit(3, 20, rng)
    H = random_hamiltonian(3, 5, rng)
    sim = PTMSimulator(noise=NoiseModel.depolarizing())
    f = sim.compile(c, H)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (4, c.n_params)))
    assert torch.allclose(f(p), sim.expectation(c, H, p))
    sim.expectation(c, H, p)
    assert len(sim._cache) == 1
    stats = f.stats()
    assert stats["n_layers"] <= c.n_two_qubit_gates + 2 and stats["method"] == "ptm"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"device": "tpu"}, "unknown device 'tpu'; allowed: 'cpu', 'cuda', 'cuda:N'"),
        ({"device": "mps"}, "device type 'mps' is not supported; allowed: 'cpu', 'cuda', 'cuda:N'"),
        ({"dtype": torch.float16}, "allowed: torch.float64, torch.float32"),
        ({"method": "mps"}, "method 'mps' is not allowed"),
        ({"method": "statevector", "noise": NoiseModel.depolarizing()}, "cannot simulate gate noise"),
    ],
)
def test_bad_simulator_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PTMSimulator(**kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_unavailable_error():
    with pytest.raises(ValueError, match="not available here .*allowed: 'cpu'"):
        PTMSimulator(device="cuda")


def test_bad_call_arguments():
    c = Circuit.from_gates([("ry", 0), ("cx", 0, 1)])
    sim = PTMSimulator(noise=NoiseModel.depolarizing())
    H = Hamiltonian.from_pauli_strings(["ZZ"], [1.0])
    with pytest.raises(ValueError, match=r"params must have shape \[B, 1\] or \[1\].*got \(2, 3\)"):
        sim.expectation(c, H, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="acts on 3 qubits but the circuit has 2"):
        sim.expectation(c, Hamiltonian.from_pauli_strings(["ZZZ"], [1.0]), [0.1])


def test_import_is_light():
    code = (
        "import sys, qgnas.quantum.ptm, qgnas.quantum.noise, qgnas.quantum.circuit, qgnas.quantum.backends; "
        "heavy = [m for m in ('qiskit', 'qiskit_aer', 'pennylane', 'qiskit_ibm_runtime') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize(
    "noise", [None, NoiseModel.depolarizing(0.01, 0.02)], ids=["noiseless", "depolarizing"]
)
def test_cuda_matches_cpu(noise):
    rng = np.random.default_rng(10)
    c = random_circuit(6, 60, rng, gate_set=SUPPORTED_GATES)
    H = random_hamiltonian(6, 12, rng)
    p = torch.tensor(rng.uniform(-np.pi, np.pi, (256, c.n_params)))
    cpu = PTMSimulator(noise=noise).compile(c, H)
    gpu = PTMSimulator(noise=noise, device="cuda").compile(c, H)
    pc = p.clone().requires_grad_(True)
    pg = p.cuda().requires_grad_(True)
    ec, eg = cpu(pc), gpu(pg)
    assert eg.device.type == "cuda"
    assert torch.allclose(eg.cpu(), ec, atol=1e-12, rtol=0)
    ec.sum().backward()
    eg.sum().backward()
    assert torch.allclose(pg.grad.cpu(), pc.grad, atol=1e-11, rtol=0)
    e32 = PTMSimulator(noise=noise, device="cuda", dtype=torch.float32).expectation(c, H, p[:8])
    assert torch.allclose(e32.double().cpu(), ec[:8].detach(), atol=1e-5)
