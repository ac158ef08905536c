"""Noise models: channel conventions (against Qiskit and PennyLane), configuration, device calibration,
bad input, shot noise statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qgnas.quantum.circuit import Gate
from qgnas.quantum.noise import Channel, NoiseModel, apply_shot_noise
from qgnas.quantum.ptm import kraus_to_ptm, pauli_basis

CHANNELS = [
    Channel("depolarizing", (0,), (0.3,)),
    Channel("depolarizing", (0, 1), (0.2,)),
    Channel("amplitude_damping", (0,), (0.2,)),
    Channel("phase_damping", (0,), (0.25,)),
    Channel("thermal_relaxation", (0,), (50e-6, 70e-6, 3e-6)),
    Channel("thermal_relaxation", (0,), (50e-6, 30e-6, 3e-6)),
]


@pytest.mark.parametrize("ch", CHANNELS, ids=lambda c: f"{c.kind}{len(c.qubits)}-{c.params}")
def test_channels_are_cptp_and_match_qiskit(ch):
    from qiskit.quantum_info import PTM, Choi

    kraus = ch.kraus()
    dim = kraus[0].shape[0]
    assert np.allclose(sum(k.conj().T @ k for k in kraus), np.eye(dim), atol=1e-14)
    # Qiskit's constructors (what the Aer backend uses) give the same PTM; our matrices use qubit 0 as
    # the most significant index, Qiskit the least, which only matters for asymmetric 2q channels
    qk = PTM(ch.to_qiskit()).data.real
    assert np.allclose(ch.ptm(), qk, atol=1e-13)
    assert Choi(ch.to_qiskit()).is_cptp()


def test_depolarizing_follows_qiskit_convention():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    p = 0.37
    out = sum(k @ rho @ k.conj().T for k in Channel("depolarizing", (0, 1), (p,)).kraus())
    assert np.allclose(out, (1 - p) * rho + p * np.eye(4) / 4)


def test_pennylane_channels_match():
    pytest.importorskip("pennylane")
    for ch in CHANNELS:  # thermal relaxation is tested with T2 > T1 and T2 < T1 (two regimes)
        op = ch.to_pennylane()
        kraus = [np.asarray(k) for k in op.kraus_matrices()]
        assert np.allclose(kraus_to_ptm(kraus), ch.ptm(), atol=1e-12), ch


def test_thermal_relaxation_closed_form():
    t1, t2, t = 40e-6, 30e-6, 2e-6
    r = Channel("thermal_relaxation", (0,), (t1, t2, t)).ptm()
    expected = np.diag([1, math.exp(-t / t2), math.exp(-t / t2), math.exp(-t / t1)])
    expected[3, 0] = 1 - math.exp(-t / t1)  # relaxation towards |0>: <Z> -> 1
    assert np.allclose(r, expected, atol=1e-14)


def test_channels_after_each_gate():
    m = NoiseModel(
        p1=0.01,
        p2={(0, 1): 0.02, "default": 0.03},
        amplitude_damping=0.1,
        phase_damping={1: 0.2, "default": 0.0},
    )
    kinds = [(c.kind, c.qubits) for c in m.channels_after(Gate("rx", (1,)))]
    assert kinds == [("depolarizing", (1,)), ("amplitude_damping", (1,)), ("phase_damping", (1,))]
    two = m.channels_after(Gate("cx", (1, 0)))
    assert two[0] == Channel("depolarizing", (1, 0), (0.02,))  # reverse pair falls back to (0, 1)
    assert m.channels_after(Gate("cx", (2, 3)))[0].params == (0.03,)
    assert NoiseModel(p1=0.1, noiseless_gates=("RZ",)).channels_after(Gate("rz", (0,))) == []
    assert not NoiseModel().has_gate_noise and NoiseModel().is_noiseless


def test_config_round_trips():
    m = NoiseModel(
        p1={0: 0.001, 1: 0.002},
        p2={(0, 1): 0.01, "default": 0.02},
        t1=50e-6,
        t2={0: 60e-6, "default": 40e-6},
        gate_time_1q=35e-9,
        gate_time_2q=400e-9,
        readout={0: (0.01, 0.02), "default": 0.03},
        shots=1000,
        shot_noise="gaussian",
        name="mine",
    )
    cfg = m.to_config()
    assert cfg["p2"] == {"0,1": 0.01, "default": 0.02}
    assert NoiseModel.from_config(cfg) == m
    assert NoiseModel.from_yaml(m.to_yaml()) == m
    assert NoiseModel.from_config(None).is_noiseless
    assert NoiseModel.from_config("depolarizing") == NoiseModel.depolarizing(0.001, 0.005)
    text = "p1: 0.001\np2: 0.005\nreadout:\n  '0': [0.02, 0.03]\n  default: 0.01\n"
    y = NoiseModel.from_yaml(text)
    assert y.readout_probs(0) == (0.02, 0.03) and y.readout_probs(5) == (0.01, 0.01)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p1": 1.5}, r"p1 = 1.5 is outside the allowed range \[0, 1\]"),
        ({"p2": -0.1}, r"p2 = -0.1 is outside the allowed range \[0, 1\]"),
        ({"p1": {0: 2.0}}, r"p1\[0\] = 2.0 is outside"),
        ({"amplitude_damping": "lots"}, "must be a number"),
        ({"readout": (0.1, 1.2)}, r"p\(0\|1\) = 1.2 is outside"),
        ({"readout": (0.1, 0.2, 0.3)}, "must be p or"),
        ({"t1": 50e-6}, "both t1 and t2"),
        ({"t1": 50e-6, "t2": 150e-6}, r"t2 = 0.00015 exceeds 2 \* t1"),
        ({"t1": -1.0, "t2": 1.0}, "t1 = -1.0 is not allowed"),
        ({"gate_time_1q": -1e-9}, "gate_time_1q = -1e-09 is not allowed"),
        ({"shots": 0}, "shots = 0 is not allowed"),
        ({"shot_noise": "poisson"}, "unknown shot noise mode 'poisson'; allowed: exact, gaussian"),
        ({"p2": {(1, 1): 0.1}}, "two different"),
    ],
)
def test_bad_values_name_value_and_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NoiseModel(**kwargs)


def test_bad_configs():
    with pytest.raises(ValueError, match="unknown noise config key 'p3'; allowed: p1, p2"):
        NoiseModel.from_config({"p3": 0.1})
    with pytest.raises(ValueError, match="unknown noise preset 'strong'; allowed: none, depolarizing"):
        NoiseModel.from_config("strong")
    with pytest.raises(ValueError, match="only make sense together with 'device'"):
        NoiseModel.from_config({"qubits": [0, 1]})
    with pytest.raises(ValueError, match="no value for qubit 3"):
        NoiseModel(p1={0: 0.1}).channels_after(Gate("rx", (3,)))


# ---------------------------------------------------------------------------------------- device


@pytest.fixture(scope="module")
def mumbai():
    pytest.importorskip("qiskit_ibm_runtime")
    return NoiseModel.from_backend("fake_mumbai", qubits=[0, 1, 2, 4])


def test_device_model_uses_calibration(mumbai):
    from qiskit_ibm_runtime.fake_provider import FakeMumbaiV2

    props = FakeMumbaiV2().properties()
    # circuit qubit 3 runs on device qubit 4
    assert mumbai.readout_probs(3) == (
        props.qubit_property(4)["prob_meas1_prep0"][0],
        props.qubit_property(4)["prob_meas0_prep1"][0],
    )
    assert mumbai.t1[3] == pytest.approx(props.t1(4))
    assert mumbai.t2[3] == pytest.approx(min(props.t2(4), 2 * props.t1(4)))
    assert mumbai.gate_time_2q[(0, 1)] == pytest.approx(props.gate_length("cx", [0, 1]))
    assert [1, 3] in mumbai.metadata["coupling_map"]  # device pair (1, 4)
    assert mumbai.metadata["device_qubits"] == [0, 1, 2, 4]
    assert mumbai.channels_after(Gate("rz", (0,))) == []  # virtual RZ


@pytest.mark.parametrize(
    ("gate", "device_args"), [(Gate("sx", (2,)), ("sx", [2])), (Gate("cx", (0, 1)), ("cx", [0, 1]))]
)
def test_device_gate_error_is_reproduced(mumbai, gate, device_args):
    """Depolarizing + relaxation after a gate has exactly the calibrated average gate infidelity."""
    from qiskit_ibm_runtime.fake_provider import FakeMumbaiV2

    props = FakeMumbaiV2().properties()
    error = props.gate_error(*device_args)
    k = gate.n_qubits
    total = np.eye(4**k)
    for ch in mumbai.channels_after(gate):
        m = ch.ptm()
        if k == 2 and len(ch.qubits) == 1:
            m = np.kron(m, np.eye(4)) if ch.qubits[0] == gate.qubits[0] else np.kron(np.eye(4), m)
        total = m @ total
    d = 2**k
    f_avg = (np.trace(total) / d + 1) / (d + 1)
    assert 1 - f_avg == pytest.approx(error, rel=1e-9)


def test_device_statistics_and_scale():
    pytest.importorskip("qiskit_ibm_runtime")
    med = NoiseModel.from_backend("mumbai", n_qubits=3, statistic="median")
    worst = NoiseModel.from_backend("FakeMumbaiV2", n_qubits=3, statistic="max")
    assert not isinstance(med.t1, dict) or len(set(med.t1.values())) == 1
    assert worst.readout_probs(0)[0] >= med.readout_probs(0)[0]
    ten = NoiseModel.from_backend("fake_mumbai", n_qubits=3, statistic="max", scale=5)
    assert ten.readout_probs(1)[0] == pytest.approx(5 * worst.readout_probs(1)[0])
    with pytest.raises(ValueError, match="outside the allowed range"):
        NoiseModel.from_backend("fake_mumbai", n_qubits=3, statistic="max", scale=100)
    with pytest.raises(ValueError, match="unknown device 'fake_nowhere'"):
        NoiseModel.from_backend("fake_nowhere", n_qubits=2)
    with pytest.raises(ValueError, match="device qubit 40 does not exist"):
        NoiseModel.from_backend("fake_mumbai", qubits=[0, 40])
    assert NoiseModel.from_config({"device": "fake_mumbai", "n_qubits": 2, "shots": 100}).shots == 100


def test_device_model_converts_to_aer(mumbai):
    aer = mumbai.to_qiskit_aer(4)
    assert "cx" in aer.noise_instructions and "rz" not in aer.noise_instructions


# ---------------------------------------------------------------------------------------- shots


def test_exact_shot_noise_is_unbiased_with_binomial_variance():
    exp = torch.tensor([[0.3, -0.6, 1.0]], dtype=torch.float64).expand(4000, 3)
    coeffs = np.array([0.5, -1.0, 2.0])
    shots = 200
    e = apply_shot_noise(exp, coeffs, shots, "exact", np.random.default_rng(0), identity=[False, False, True])
    exact = float(exp[0] @ torch.tensor(coeffs))
    var = (0.5**2 * (1 - 0.3**2) + 1.0 * (1 - 0.6**2)) / shots
    assert float(e.mean()) == pytest.approx(exact, abs=4 * math.sqrt(var / 4000))
    assert float(e.var()) == pytest.approx(var, rel=0.1)


def test_gaussian_shot_noise_matches_crlqas():
    exp = torch.zeros(20000, 3, dtype=torch.float64)
    coeffs = np.array([0.5, -1.0, 3.0])
    e = apply_shot_noise(exp, coeffs, 100, "gaussian", 1, identity=[False, False, True])
    assert float(e.var()) == pytest.approx((0.25 + 1.0) / 100, rel=0.05)  # identity term not sampled
    again = apply_shot_noise(exp, coeffs, 100, "gaussian", 1, identity=[False, False, True])
    assert torch.equal(e, again)  # same seed, same draws


def test_shot_noise_keeps_exact_gradient():
    exp = torch.tensor([[0.2, 0.4]], dtype=torch.float64, requires_grad=True)
    e = apply_shot_noise(exp, [1.0, -2.0], 10, "exact", 3)
    e.sum().backward()
    assert torch.allclose(exp.grad, torch.tensor([[1.0, -2.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="shots = 0"):
        apply_shot_noise(exp, [1.0, -2.0], 0)
    with pytest.raises(ValueError, match="unknown shot noise mode 'poisson'; allowed: exact, gaussian"):
        apply_shot_noise(exp, [1.0, -2.0], 10, "poisson")


def test_pauli_basis_is_orthonormal():
    b = pauli_basis(2)
    gram = np.einsum("iab,jba->ij", b, b) / 4
    assert np.allclose(gram, np.eye(16))
