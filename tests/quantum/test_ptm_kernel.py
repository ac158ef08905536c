"""The compiled no-gradient kernel (ptm.kernel) against the torch path of the same simulator.

Agreement of the default simulator (which takes the kernel for these calls) with Aer and PennyLane is
in test_backends_agree; here every noise model, batch chunking (a last chunk that is not a power of
two) and the short-row tiles of the last qubits are compared with ``kernel=False`` to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import qgnas.quantum.ptm.compiled as ptm_compiled
from qgnas.quantum.circuit import SUPPORTED_GATES, Circuit, random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.noise import NoiseModel
from qgnas.quantum.ptm import PTMKernelPlan, PTMSimulator, build_kernel_plan

from .test_backends_agree import KINDS, make_noise

TOL = 1e-12


def _hamiltonian(n: int, rng: np.random.Generator) -> Hamiltonian:
    strings = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(9)] + ["I" * n]
    return Hamiltonian.from_pauli_strings(strings, rng.normal(size=len(strings)))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "noiseless"])
def test_kernel_matches_torch_path(kind):
    if kind == "device":
        pytest.importorskip("qiskit_ibm_runtime")
    rng = np.random.default_rng(KINDS.index(kind))
    for n, batch in [(2, 70), (3, 1), (4, 5), (5, 3), (6, 2)]:
        circuit = random_circuit(n, int(rng.integers(5, 10 * n + 1)), rng, gate_set=SUPPORTED_GATES)
        ham = _hamiltonian(n, rng)
        noise = make_noise(kind, n, rng)
        params = torch.tensor(rng.uniform(-np.pi, np.pi, size=(batch, circuit.n_params)))
        fast = PTMSimulator(noise=noise).compile(circuit, ham)
        slow = PTMSimulator(noise=noise, kernel=False).compile(circuit, ham)
        with torch.no_grad():
            e_fast, e_slow = fast(params), slow(params)
            t_fast, t_slow = fast.pauli_expectations(params), slow.pauli_expectations(params)
            s_fast = fast.sample(params, 1000, "exact", np.random.default_rng(1))
            s_slow = slow.sample(params, 1000, "exact", np.random.default_rng(1))
        # readout error alone is no gate noise: the state-vector path serves it, no kernel
        assert (fast._kernel_plan is not None) == (fast.method == "ptm") and slow._kernel_plan is None
        assert torch.allclose(e_fast, e_slow, atol=TOL, rtol=0), (kind, n, (e_fast - e_slow).abs().max())
        assert torch.allclose(t_fast, t_slow, atol=TOL, rtol=0), (kind, n)
        assert torch.allclose(s_fast, s_slow, atol=1e-9, rtol=0), (kind, n)


@pytest.mark.parametrize(("n", "batch"), [(7, 33), (8, 1)])
def test_kernel_wide_registers_and_last_chunk(n, batch, monkeypatch):
    """7 qubits: chunks of 32 parameter sets (33 leaves a chunk of one); 8 qubits, one set: the
    short-row tiles (ops on the last qubits gather several blocks into one tile). Small batches on
    7+ qubits normally take the torch path; the kernel is forced here."""
    monkeypatch.setattr(ptm_compiled, "KERNEL_MAX_QUBITS_ANY_BATCH", 8)
    rng = np.random.default_rng(n)
    circuit = random_circuit(n, 6 * n, rng)
    ham = Hamiltonian.heisenberg(n)
    noise = NoiseModel.depolarizing(0.002, 0.01)
    params = torch.tensor(rng.uniform(-np.pi, np.pi, size=(batch, circuit.n_params)))
    compiled = PTMSimulator(noise=noise).compile(circuit, ham)
    with torch.no_grad():
        fast = compiled(params)
        slow = PTMSimulator(noise=noise, kernel=False).compile(circuit, ham)(params)
    assert compiled._kernel_plan is not None
    assert torch.allclose(fast, slow, atol=TOL, rtol=0), (fast - slow).abs().max()


def test_small_batches_on_wide_registers_take_the_torch_path():
    rng = np.random.default_rng(9)
    circuit = random_circuit(7, 20, rng)
    compiled = PTMSimulator(noise=NoiseModel.depolarizing(0.002, 0.01)).compile(
        circuit, Hamiltonian.heisenberg(7)
    )
    with torch.no_grad():
        compiled(torch.zeros(2, circuit.n_params))
    assert compiled._kernel_plan is None


def test_gradients_bypass_the_kernel():
    """A call that records a gradient runs the torch path; its gradient matches central differences
    of the kernel's energies."""
    rng = np.random.default_rng(3)
    circuit = random_circuit(3, 18, rng)
    ham = _hamiltonian(3, rng)
    f = PTMSimulator(noise=NoiseModel.depolarizing(0.01, 0.03)).compile(circuit, ham)
    p = rng.uniform(-np.pi, np.pi, size=circuit.n_params)
    x = torch.tensor(p, requires_grad=True)
    e = f(x)
    assert e.requires_grad
    e.backward()
    h = 1e-6
    fd = np.empty_like(p)
    for k in range(len(p)):
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        with torch.no_grad():
            fd[k] = (float(f(torch.tensor(up))) - float(f(torch.tensor(dn)))) / (2 * h)
    assert f._kernel_plan is not None  # the no-grad calls above used it
    np.testing.assert_allclose(x.grad.numpy(), fd, atol=1e-7)


def test_kernel_not_used_where_it_does_not_apply():
    rng = np.random.default_rng(4)
    noise = NoiseModel.depolarizing(0.01, 0.02)
    one = Circuit.from_gates([("rx", 0), ("rz", 0)], n_qubits=1)
    ham1 = Hamiltonian.from_pauli_strings(["Z", "X"], [1.0, 0.5])
    f = PTMSimulator(noise=noise).compile(one, ham1)
    with torch.no_grad():
        e = f(torch.tensor([[0.3, -0.7]]))
    assert f._kernel_plan is None and not f._kernel_wanted
    assert torch.isfinite(e).all()
    # float32 and the noiseless state-vector path keep their own paths
    c = random_circuit(3, 12, rng)
    ham = _hamiltonian(3, rng)
    for sim in (PTMSimulator(noise=noise, dtype=torch.float32), PTMSimulator(noise=None)):
        g = sim.compile(c, ham)
        with torch.no_grad():
            g(torch.zeros(2, c.n_params, dtype=sim.dtype))
        assert g._kernel_plan is None


def test_plan_rejects_merged_or_dense_layers():
    """The plan takes only unmerged layers with monomial two-qubit gates; build_kernel_plan() then says None."""
    from qgnas.quantum.ptm.plan import Layer, Segment

    dense = Layer((0, 1), [Segment([[], []], np.full((16, 16), 1 / 16))], [[], []])
    with pytest.raises(ValueError, match="monomial"):
        PTMKernelPlan(2, 0, [dense], ["ZZ"])
    merged = Layer((0, 1), [Segment([[], []], np.eye(16))] * 2, [[], []])
    with pytest.raises(ValueError, match="unmerged"):
        PTMKernelPlan(2, 0, [merged], ["ZZ"])
    assert build_kernel_plan(Circuit.from_gates([("rx", 0)], n_qubits=1), None, ["Z"]) is None


def test_kernel_rejects_wrong_parameter_shape():
    rng = np.random.default_rng(5)
    c = random_circuit(2, 8, rng)
    plan = build_kernel_plan(c, NoiseModel.depolarizing(0.01, 0.02), ["ZZ", "XI"])
    with pytest.raises(ValueError, match=rf"\[B, {c.n_params}\]"):
        plan.measured(np.zeros((2, c.n_params + 1)))
