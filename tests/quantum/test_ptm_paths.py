"""PTM simulator execution variants: work buffers, in-place middle layers, chained segments.

Each variant is checked against the same circuit run with the variant switched off (module constants
patched), to 1e-12, values and gradients; agreement with Aer and PennyLane is in test_backends_agree.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import qgnas.quantum.ptm.layout as ptm_layout
import qgnas.quantum.ptm.matrices as ptm_matrices
from qgnas.quantum.circuit import Circuit, random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.noise import NoiseModel
from qgnas.quantum.ptm import PTMSimulator


def random_hamiltonian(n: int, terms: int, rng: np.random.Generator) -> Hamiltonian:
    strings = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(terms)] + ["I" * n]
    return Hamiltonian.from_pauli_strings(strings, rng.normal(size=len(strings)))


NOISE = NoiseModel(p1=0.01, p2=0.03, amplitude_damping=0.02, phase_damping=0.01)


def _energy_and_grad(sim: PTMSimulator, c: Circuit, H: Hamiltonian, p: np.ndarray):
    f = sim.compile(c, H)
    x = torch.tensor(p, requires_grad=True)
    e = f(x)
    e.sum().backward()
    with torch.no_grad():
        e_nograd = f(torch.tensor(p))
    return f, e.detach(), e_nograd, x.grad


def test_work_buffers_match_autograd_path_and_do_not_alias():
    """No-grad calls on the GEMM path write into reused buffers; results must not change later."""
    rng = np.random.default_rng(10)
    n = 6
    c = random_circuit(n, 50, rng)
    H = random_hamiltonian(n, 8, rng)
    f = PTMSimulator(noise=NOISE).compile(c, H)
    p1 = torch.tensor(rng.uniform(-np.pi, np.pi, (64, c.n_params)))
    p2 = torch.tensor(rng.uniform(-np.pi, np.pi, (64, c.n_params)))
    assert f.uses_gemm(64)
    with torch.no_grad():
        e1 = f(p1)
        t1 = f.pauli_expectations(p1)
        e1_copy, t1_copy = e1.clone(), t1.clone()
        e2 = f(p2)
        s1 = f.final_state(p1)  # the public state is never a work buffer
        s1_copy = s1.clone()
        f(p2)
    assert torch.equal(e1, e1_copy) and torch.equal(t1, t1_copy) and torch.equal(s1, s1_copy)
    # the same numbers as the allocating (autograd) path
    x = p1.clone().requires_grad_(True)
    assert torch.allclose(f(x).detach(), e1, atol=1e-13, rtol=0)
    assert not torch.allclose(e1, e2)
    assert torch.allclose((t1 * f._coeffs).sum(1), e1, atol=1e-12, rtol=0)


def test_in_place_middle_layer_matches_axis_moves(monkeypatch):
    """A pair already on adjacent middle axes is applied in place (no axis move)."""
    rng = np.random.default_rng(11)
    n = 7
    # cx(0,1) puts 0,1 in front; then cx(1,2) finds {1,2} on axes 1,2 with 4^4 numbers behind them
    gates = [("ry", 0), ("rx", 1), ("cx", 0, 1), ("rz", 2), ("ry", 1), ("cx", 1, 2), ("rx", 2), ("cx", 3, 4)]
    gates += [(g.name, *g.qubits) for g in random_circuit(n, 30, rng).gates]
    c = Circuit.from_gates(gates, n_qubits=n)
    H = random_hamiltonian(n, 8, rng)
    p = rng.uniform(-np.pi, np.pi, (4, c.n_params))
    sim = PTMSimulator(noise=NOISE)
    f, e, e_ng, g = _energy_and_grad(sim, c, H, p)
    assert f.stats()["n_in_place"] >= 1
    monkeypatch.setattr(ptm_layout, "MIDDLE_MIN_INNER", 1 << 60)
    f0, e0, e0_ng, g0 = _energy_and_grad(sim, c, H, p)
    assert f0.stats()["n_in_place"] == 0
    assert torch.allclose(e, e0, atol=1e-12, rtol=0) and torch.allclose(e_ng, e0, atol=1e-12, rtol=0)
    assert torch.allclose(g, g0, atol=1e-11, rtol=0)


def test_in_place_middle_layer_statevector(monkeypatch):
    """The same in the noiseless state-vector path (2^n amplitudes; needs 11 qubits to trigger)."""
    n = 11
    gates = [("ry", 0), ("ry", 1), ("ry", 2), ("cx", 0, 1), ("cx", 1, 2), ("rz", 2), ("cx", 2, 1), ("rx", 1)]
    c = Circuit.from_gates(gates, n_qubits=n)
    rng = np.random.default_rng(12)
    H = random_hamiltonian(n, 6, rng)
    p = rng.uniform(-np.pi, np.pi, (2, c.n_params))
    sim = PTMSimulator(noise=None)
    f, e, e_ng, g = _energy_and_grad(sim, c, H, p)
    assert f.stats()["n_in_place"] >= 1
    monkeypatch.setattr(ptm_layout, "MIDDLE_MIN_INNER", 1 << 60)
    _, e0, _, g0 = _energy_and_grad(sim, c, H, p)
    assert torch.allclose(e, e0, atol=1e-12, rtol=0) and torch.allclose(e_ng, e0, atol=1e-12, rtol=0)
    assert torch.allclose(g, g0, atol=1e-11, rtol=0)


@pytest.mark.parametrize("batch", [1, 64])
def test_sequential_and_tree_chain_products_agree(monkeypatch, batch):
    """Merged segments (same pair twice in a row, >= 5 qubits) multiplied one by one or as trees."""
    rng = np.random.default_rng(13)
    n = 5
    gates = []
    for _ in range(6):
        a, b = (int(q) for q in rng.choice(n, 2, replace=False))
        gates += [("ry", a), ("cx", a, b), ("rz", b), ("cx", b, a), ("rx", a), ("cx", a, b)]
    c = Circuit.from_gates(gates, n_qubits=n)
    H = random_hamiltonian(n, 8, rng)
    p = rng.uniform(-np.pi, np.pi, (batch, c.n_params))
    sim = PTMSimulator(noise=NOISE)
    f, e, e_ng, g = _energy_and_grad(sim, c, H, p)
    assert f.n_segments > f.n_layers and f._matrices.short_chains
    monkeypatch.setattr(ptm_matrices, "SEQUENTIAL_CHAIN_PRODUCTS", -1)
    f0, e0, _, g0 = _energy_and_grad(sim, c, H, p)
    assert not f0._matrices.short_chains
    assert torch.allclose(e, e0, atol=1e-12, rtol=0) and torch.allclose(e_ng, e0, atol=1e-12, rtol=0)
    assert torch.allclose(g, g0, atol=1e-11, rtol=0)
