"""The NumPy state-vector fast path (noiseless, one point at a time) against the torch path and PennyLane."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgnas.quantum.circuit import SUPPORTED_GATES, Circuit, random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.ptm import PTMSimulator
from qgnas.quantum.sv_numpy import NumpyStatevectorEnergy


def random_hamiltonian(n: int, terms: int, rng: np.random.Generator) -> Hamiltonian:
    strings = ["".join(rng.choice(list("IXYZ"), size=n)) for _ in range(terms)]
    return Hamiltonian.from_pauli_strings(strings, rng.normal(size=terms).tolist())


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_numpy_path_equals_the_torch_state_vector_on_every_gate(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(5):
        c = random_circuit(n, 8 * n, rng=rng, gate_set=SUPPORTED_GATES)
        c = Circuit(n, c.gates, gate_set=SUPPORTED_GATES)
        H = random_hamiltonian(n, 12, rng)
        P = rng.uniform(-np.pi, np.pi, size=(3, c.n_params))
        fast = NumpyStatevectorEnergy(c, H)(P)
        compiled = PTMSimulator().compile(c, H)
        assert compiled._numpy_energy is not None
        with torch.no_grad():
            torch_path = compiled.energy_from_state(compiled._state(torch.as_tensor(P)))
        np.testing.assert_allclose(fast, torch_path.numpy(), atol=1e-12, rtol=0)


def test_compiled_circuit_takes_it_only_without_gradients_and_agrees_with_pennylane() -> None:
    import pennylane as qml

    rng = np.random.default_rng(7)
    n = 4
    c = random_circuit(n, 30, rng=rng)
    H = random_hamiltonian(n, 10, rng)
    x = rng.uniform(-np.pi, np.pi, size=c.n_params)
    sim = PTMSimulator()
    fast = float(sim.expectation(c, H, torch.as_tensor(x)[None])[0])
    t = torch.as_tensor(x)[None].clone().requires_grad_(True)
    slow = sim.expectation(c, H, t)[0]
    slow.backward()  # the gradient path is the torch one, and it works
    assert t.grad is not None and fast == pytest.approx(float(slow.detach()), abs=1e-12)

    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def energy(params):
        c.apply_pennylane(params)
        return qml.expval(H.to_pennylane())

    assert fast == pytest.approx(float(energy(x)), abs=1e-10)


def test_noisy_or_wide_or_float32_circuits_keep_the_torch_path() -> None:
    c = random_circuit(2, 6, rng=0)
    H = Hamiltonian.from_pauli_strings(["ZZ"], [1.0])
    assert PTMSimulator(noise={"p1": 0.001, "p2": 0.005}).compile(c, H)._numpy_energy is None
    assert PTMSimulator(dtype=torch.float32).compile(c, H)._numpy_energy is None
    wide = random_circuit(11, 5, rng=0)
    assert (
        PTMSimulator().compile(wide, Hamiltonian.from_pauli_strings(["Z" * 11], [1.0]))._numpy_energy is None
    )
    with pytest.raises(ValueError, match="at most 10 qubits"):
        NumpyStatevectorEnergy(wide, Hamiltonian.from_pauli_strings(["Z" * 11], [1.0]))


@pytest.mark.parametrize("n", [1, 3, 6, 9])
def test_compiled_gate_loop_is_bitwise_the_numpy_loop(n: int) -> None:
    """The compiled loop must give exactly the reference's numbers, so seeded runs reproduce."""
    rng = np.random.default_rng(100 + n)
    for _ in range(4):
        c = random_circuit(n, 10 * n, rng=rng, gate_set=SUPPORTED_GATES)
        c = Circuit(n, c.gates, gate_set=SUPPORTED_GATES)
        f = NumpyStatevectorEnergy(c, random_hamiltonian(n, 10, rng))
        for angles in rng.uniform(-4, 4, size=(3, c.n_params)):
            assert f._energy(angles) == f._energy_reference(angles)


def test_objective_numpy_path_matches_the_tensor_path() -> None:
    """EnergyObjective skips tensors for numpy input where a torch-free path exists (state vector,
    PTM kernel), with the same numbers; shape errors stay the same."""
    from qgnas.quantum.noise import NoiseModel
    from qgnas.quantum.objective import EnergyObjective

    rng = np.random.default_rng(11)
    c = random_circuit(4, 24, rng=rng)
    H = random_hamiltonian(4, 9, rng)
    for noise in (None, NoiseModel.depolarizing(0.002, 0.01)):
        obj = EnergyObjective(PTMSimulator(noise=noise), c, H)
        X = rng.uniform(-np.pi, np.pi, size=(3, c.n_params))
        assert obj._compiled.energies_numpy(X) is not None
        fast = obj(X)
        slow = obj.exact(torch.as_tensor(X))
        np.testing.assert_array_equal(fast, slow)
        assert obj(X[0]).shape == (1,) and obj.n_evaluations == 7
        with pytest.raises(ValueError, match=rf"\[B, {c.n_params}\]"):
            obj(np.zeros((2, c.n_params + 1)))
    # float32 has no torch-free path: the tensor path answers
    obj32 = EnergyObjective(PTMSimulator(noise=None, dtype=torch.float32), c, H)
    assert obj32._compiled.energies_numpy(X) is None
    assert obj32(X).shape == (3,)
