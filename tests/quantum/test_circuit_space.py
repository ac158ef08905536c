"""CircuitSpace (CRLQAS action set as core decisions) and CircuitEvaluator (the env's scoring path)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgnas.core import ArchGraph, InvalidArchitecture
from qgnas.quantum.circuit_space import (
    CHEMICAL_ACCURACY,
    CircuitEvaluator,
    CircuitSpace,
    optimise_circuit,
    optimizer_settings,
    quantum_task,
)

GOOD_H2 = (("ry", 0), ("cx", 0, 1), ("rx", 0))  # reaches the H2 (2q, parity) ground state


@pytest.fixture(scope="module")
def h2():
    from qgnas.quantum.molecules import molecule

    return molecule("H2", qubits=2)


@pytest.fixture(scope="module")
def space():
    return CircuitSpace(2, max_gates=6)


def test_decisions_are_the_crlqas_actions_plus_none(space):
    d = space.decisions()
    assert [x.name for x in d] == [f"gate{i}" for i in range(1, 7)]
    labels = ("cx(0,1)", "cx(1,0)", "rx(0)", "ry(0)", "rz(0)", "rx(1)", "ry(1)", "rz(1)")
    assert d[0].choices == ("none", *labels)
    linear = CircuitSpace(3, 4, connectivity=[(0, 1), (1, 0), (1, 2), (2, 1)])
    assert linear.decisions()[0].choices[1:5] == ("cx(0,1)", "cx(1,0)", "cx(1,2)", "cx(2,1)")
    assert len(linear.decisions()[0]) == 1 + 4 + 9


def test_round_trips_on_samples(space):
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        assert space.decode(space.encode(arch)) == arch
        assert space.from_json(json.loads(json.dumps(space.to_json(arch)))) == arch
        assert space.from_graph(space.to_graph(arch)) == space.canonical(arch)
        assert space.key(space.canonical(arch)) == space.key(arch)
        child = space.mutate(arch, rng)
        assert space.is_valid(child) and space.key(child) != space.key(arch)
    assert all(space.key(n) != space.key(GOOD_H2) for n in space.neighbours(GOOD_H2))


def test_decode_ends_at_none_and_skips_illegal_repeats(space):
    idx = {c: i for i, c in enumerate(space.decisions()[0].choices)}
    ry0, cx01, rx0 = idx["ry(0)"], idx["cx(0,1)"], idx["rx(0)"]
    assert space.decode([ry0, ry0, cx01, cx01, rx0, 0]) == GOOD_H2  # repeats dropped, as the mask would
    assert space.decode([ry0, 0, cx01, rx0, rx0, rx0]) == (("ry", 0),)  # ends at the first none
    assert space.decode([0] * 6) == () and space.key(()) == "empty"
    with pytest.raises(InvalidArchitecture, match="gate3: choice index 9 is not an integer in 0..8"):
        space.decode([1, 1, 9, 0, 0, 0])
    with pytest.raises(InvalidArchitecture, match="expected 6 decision indices"):
        space.decode([1, 2])


def test_key_identifies_commuting_orders_only(space):
    assert space.key([("rx", 0), ("ry", 1), ("cx", 0, 1)]) == space.key([("ry", 1), ("rx", 0), ("cx", 0, 1)])
    assert space.key([("rx", 0), ("cx", 0, 1)]) != space.key([("cx", 0, 1), ("rx", 0)])
    assert space.canonical([("ry", 1), ("rx", 0)]) == (("rx", 0), ("ry", 1))
    # labels, aliases and Circuit.to_dict() forms are accepted
    assert space.validate(["ry(0)", ("CNOT", 0, 1), ["rx", 0]]) == GOOD_H2
    assert space.from_json({"n_qubits": 2, "gates": [["ry", 0], ["cx", 0, 1], ["rx", 0]]}) == GOOD_H2


@pytest.mark.parametrize(
    "arch, message",
    [
        ([("ry", 0), ("ry", 0)], "gate 2 ry(0) repeats gate 1 on the same wire"),
        ([("cx", 0, 1), ("rz", 1), ("cx", 0, 1)], None),  # a gate in between clears the ban
        ([("cx", 0, 1), ("cx", 0, 1)], "gate 2 cx(0,1) repeats gate 1"),
        ([("cz", 0, 1)], "gate 1 cz(0,1) is not in the action set (gate 'cz' is not in the gate set"),
        ([("rx", 5)], "qubit out of range 0..1); allowed: cx(0,1), cx(1,0), rx(0)"),
        ([("cx", 1, 1)], "control and target are the same qubit"),
        ([("rx", 0, 1)], "rx acts on 1 qubit(s), got 2"),
        ([("rx", 0), ("ry", 0)] * 4, "circuit has 8 gates; this space allows at most max_gates=6"),
        ("ry(0)", "a circuit architecture is a sequence of gates"),
        (["foo"], "gate 1 'foo' is not a gate label like 'cx(0,1)'"),
        ({"n_qubits": 3, "gates": []}, "n_qubits=3 but the space has 2"),
    ],
)
def test_validate_names_the_bad_value(space, arch, message):
    if message is None:
        assert space.is_valid(arch)
        return
    with pytest.raises(InvalidArchitecture) as err:
        space.validate(arch)
    assert message in str(err.value)


def test_connectivity_restricts_cnots():
    s = CircuitSpace(3, 5, connectivity=[(0, 1), (1, 2)])
    with pytest.raises(
        InvalidArchitecture, match=r"CNOT pair not in the connectivity \[\(0, 1\), \(1, 2\)\]"
    ):
        s.validate([("cx", 0, 2)])
    with pytest.raises(ValueError, match="max_gates must be a positive integer"):
        CircuitSpace(2, 0)


def test_graph_is_the_wire_dag(space):
    g = space.to_graph(GOOD_H2)
    names = space.op_names()
    assert [names[o] for o in g.ops] == ["start", "ry(0)", "cx(0,1)", "rx(0)", "end"]
    edges = {(int(i), int(j)) for i, j in zip(*np.nonzero(g.adjacency), strict=True)}
    # START->ry(0) (wire 0), START->cx (wire 1), ry->cx, cx->rx (wire 0), cx->END (wire 1), rx->END
    assert edges == {(0, 1), (0, 2), (1, 2), (2, 3), (2, 4), (3, 4)}
    assert g.one_hot().shape == (5, len(names))
    bad = ArchGraph(g.ops, np.triu(np.ones_like(g.adjacency), 1), g.op_names)
    with pytest.raises(InvalidArchitecture, match="not the wire structure"):
        space.from_graph(bad)


def test_evaluator_reaches_chemical_accuracy_on_a_known_circuit(h2):
    ev = CircuitEvaluator(h2, space=CircuitSpace(2, 6))
    r = ev(GOOD_H2)
    assert r.ok, r.message
    m = r.metrics
    assert m["error_noiseless"] < 1e-6 and m["chemical_accuracy"] == 1
    assert r.objective == -m["error"]  # the core maximises
    assert m["energy"] == pytest.approx(h2.ground_energy, abs=1e-6)
    assert (m["gates"], m["depth"], m["cnots"], m["rotations"], m["parameters"]) == (3, 3, 1, 2, 2)
    bad = ev((("cx", 0, 1), ("rx", 0)))  # no amplitude on the right determinants: far from the ground
    assert bad.metrics["chemical_accuracy"] == 0 and bad.metrics["error"] > CHEMICAL_ACCURACY
    failed = ev([("cz", 0, 1)])
    assert not failed.ok and "not in the action set" in failed.message


def test_evaluator_is_deterministic_and_order_free(h2):
    space = CircuitSpace(2, 6)
    archs = [space.sample(np.random.default_rng(s)) for s in range(3)]
    a = CircuitEvaluator(h2, space=space, seed=7)
    b = CircuitEvaluator(h2, space=space, seed=7)
    first = [a(x).metrics for x in archs]
    second = [b(x).metrics for x in reversed(archs)][::-1]
    assert first == second
    # a commuting reordering is the same circuit, so it gets the same result
    assert a([("ry", 1), ("rx", 0)]).metrics == a([("rx", 0), ("ry", 1)]).metrics


def test_noisy_evaluation_reports_noiseless_error(h2):
    ev = CircuitEvaluator(h2, noise="depolarizing", space=CircuitSpace(2, 6))
    m = ev(GOOD_H2).metrics
    assert m["error"] > m["error_noiseless"] >= -1e-12  # noise raises the measured energy
    assert m["chemical_accuracy"] == int(m["error_noiseless"] < CHEMICAL_ACCURACY)


def test_same_code_path_as_the_environment(h2):
    """One env step from reset == optimise_circuit with the env's generator and settings."""
    from qgnas.envs.quantum_arch_search import QuantumArchSearchEnv
    from qgnas.quantum.circuit import Circuit
    from qgnas.quantum.ptm import PTMSimulator

    env = QuantumArchSearchEnv(molecule="H2", qubits=2, max_gates=4, noise="depolarizing")
    env.reset(seed=3)
    rng = np.random.default_rng()
    rng.bit_generator.state = env.np_random.bit_generator.state
    _, _, _, _, info = env.step(env.actions.action(("ry", 0)))
    method, options = optimizer_settings("cobyla")
    sim = PTMSimulator(noise=env.noise)
    _, energy, _ = optimise_circuit(
        Circuit.from_gates([("ry", 0)], n_qubits=2), h2, sim, method, options, rng
    )
    assert energy == info["energy"]


def test_bad_settings_raise_value_errors(h2):
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; allowed: cobyla, adam_spsa"):
        CircuitEvaluator(h2, optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown noise 'loud'; allowed: none, depolarizing"):
        CircuitEvaluator(h2, noise="loud")
    with pytest.raises(ValueError, match="H2 is not supported on qubits=5"):
        quantum_task("H2", 5)
    with pytest.raises(ValueError, match="unknown molecule 'XeF6'"):
        quantum_task("XeF6", 2)


def test_quantum_task():
    task = quantum_task("h2", 2, max_gates=5)
    assert task.name == "quantum/H2_2q_noiseless"
    assert task.test_metric == "error_noiseless" and task.space.max_gates == 5
    assert task.reference["ground_energy"] == pytest.approx(-1.1372701746609026)


def test_size_of_small_spaces():
    # one qubit, two gates: empty, 3 single rotations, 3 * 2 legal pairs (a repeat of an axis is illegal)
    assert CircuitSpace(1, 2).size() == 10
    assert CircuitSpace(2, 20).size() is None  # too many to enumerate: unknown
