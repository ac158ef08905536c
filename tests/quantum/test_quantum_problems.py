"""GHZ state preparation and Max-Cut on the circuit space: their Hamiltonians, success thresholds, the
evaluator's ``success`` metric, and `qgnas bench quantum --problem ...` tables."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from qgnas.cli import main
from qgnas.quantum.circuit_space import (
    CHEMICAL_ACCURACY,
    CircuitEvaluator,
    CircuitSpace,
    energy_at,
    ghz_hamiltonian,
    maxcut_ring_hamiltonian,
    optimal_cut_threshold,
    quantum_task,
)
from qgnas.quantum.hamiltonian import Hamiltonian

GHZ4 = (("ry", 0), ("cx", 0, 1), ("cx", 1, 2), ("cx", 2, 3))  # RY(pi/2) = H on |0>, then a CNOT chain


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ghz_projector_pauli_sum_is_the_dense_projector(n):
    ghz = np.zeros(2**n)
    ghz[0] = ghz[-1] = 1 / np.sqrt(2)
    proj = Hamiltonian.ghz_projector(n)
    assert len(proj.paulis) == 2**n  # 2^(n-1) even Z-strings + 2^(n-1) even-Y X/Y strings
    np.testing.assert_allclose(proj.to_sparse_matrix().toarray(), np.outer(ghz, ghz), atol=1e-14)
    ham = ghz_hamiltonian(n)
    np.testing.assert_allclose(ham.to_sparse_matrix().toarray(), -np.outer(ghz, ghz), atol=1e-14)
    assert ham.ground_energy == -1.0 and ham.min_eigenvalue == pytest.approx(-1.0)


def test_known_ghz_circuit_reaches_fidelity_one():
    task = quantum_task(problem="ghz", max_gates=6)
    ev = task.evaluator
    assert task.name == "quantum/ghz_4q_noiseless" and ev.n_qubits == 4
    assert ev.success_threshold == pytest.approx(0.01) and task.reference["ground_energy"] == -1.0
    circuit = task.space.to_circuit(GHZ4)
    from qgnas.quantum.ptm import PTMSimulator

    assert energy_at(PTMSimulator(), circuit, ev.hamiltonian, np.array([np.pi / 2])) == pytest.approx(-1.0)
    result = ev(GHZ4)  # COBYLA from U(0, 0.1) through the same code path as molecules
    assert result.ok, result.message
    m = result.metrics
    assert 1 - m["error_noiseless"] > 0.999 and m["success"] == 1
    assert "chemical_accuracy" not in m  # a Hartree threshold means nothing for a fidelity
    bad = ev(GHZ4[:2])  # a Bell pair on two of four qubits: F = 1/2 at best
    assert bad.metrics["success"] == 0 and bad.metrics["error_noiseless"] == pytest.approx(0.5, abs=1e-6)


def test_maxcut_ring_threshold_comes_from_the_spectrum():
    ham = maxcut_ring_hamiltonian(4)
    np.testing.assert_allclose(ham.diagonal_levels(), [-4, -2, 0])
    assert optimal_cut_threshold(ham) == 1.0
    task = quantum_task(problem="maxcut", max_gates=4)
    assert task.evaluator.success_threshold == 1.0 and task.reference["ground_energy"] == pytest.approx(-4)
    m = task.evaluator([("rx", 0), ("rx", 2)]).metrics  # |1010>: the optimal cut of the 4-ring
    assert m["success"] == 1 and m["error_noiseless"] < 1e-6
    with pytest.raises(ValueError, match="not diagonal"):
        optimal_cut_threshold(ghz_hamiltonian(2))


def test_molecules_keep_chemical_accuracy_and_gain_success():
    from qgnas.quantum.molecules import molecule

    task = quantum_task()  # unchanged default: H2 on 2 qubits
    assert task.name == "quantum/H2_2q_noiseless" and "success_threshold" not in task.reference
    assert task.evaluator.success_threshold == CHEMICAL_ACCURACY
    m = task.evaluator((("ry", 0), ("cx", 0, 1), ("rx", 0))).metrics
    assert m["chemical_accuracy"] == m["success"] == 1
    loose = CircuitEvaluator(molecule("H2", qubits=2), space=CircuitSpace(2, 3), success_threshold=1.0)
    m = loose([("rx", 0)]).metrics
    assert m["success"] == 1 and m["chemical_accuracy"] == 0
    assert quantum_task(problem="LiH", qubits=4).name == quantum_task("LiH", 4).name


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"problem": "tsp"}, "unknown problem 'tsp'; allowed: molecule, ghz, maxcut (or a molecule name: H2"),
        ({"problem": "ghz", "molecule": "H2"}, "molecule='H2' applies to problem 'molecule' only"),
        ({"problem": "ghz", "bond": 0.7}, "bond=0.7 applies to molecules only"),
        ({"problem": "ghz", "qubits": 1}, "GHZ state preparation needs an integer qubits >= 2, got 1"),
        ({"problem": "maxcut", "qubits": 2}, "a Max-Cut ring needs an integer number of nodes"),
        ({"problem": "LiH", "molecule": "H2"}, "name different molecules"),
    ],
)
def test_bad_problems_are_rejected_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        quantum_task(**kwargs)
    with pytest.raises(ValueError, match="success_threshold must be a positive finite number, got -1"):
        CircuitEvaluator(ghz_hamiltonian(2), success_threshold=-1)


def test_cli_ghz_bench_writes_good_circuit_columns(tmp_path, capsys):
    out = tmp_path / "ghz"
    code = main(
        [
            "bench",
            "quantum",
            "--problem",
            "ghz",
            "--qubits",
            "2",
            "--budget",
            "3",
            "--seeds",
            "1",
            "--searchers",
            "random",
            "--out",
            str(out),
            "--quiet",
            "--jobs",
            "1",
        ]
    )
    assert code == 0
    with open(out / "quantum.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["searcher"] for r in rows] == ["random"]
    row = rows[0]
    for col in (
        "good_circuits_mean",
        "good_circuits_total",
        "good_runs",
        "evals_to_good_median",
        "evals_to_good",
        "error_noiseless_mean",
    ):
        assert col in row, col
    assert "error_mha_mean" not in row and "chemical_accuracy_runs" not in row  # no mHa for a fidelity
    logged = [
        json.loads(x)["result"]["metrics"] for x in (out / "random/seed0.jsonl").read_text().splitlines()
    ]
    assert int(row["good_circuits_total"]) == sum(m["success"] for m in logged)
    text = (out / "quantum.md").read_text()
    assert "quantum/ghz_2q_noiseless" in text and "good circuits (F ≥ 0.99): mean / total" in text
    assert "noiseless 1 − F" in text and "mHa" not in text
    assert json.loads((out / "quantum.json").read_text())["problem"]["kind"] == "ghz"
    assert "| random | 3 | 1 |" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--problem", "ghz", "--molecule", "H2"],
            "--molecule applies to --problem molecule only, not --problem ghz",
        ),
        (["--problem", "maxcut", "--bond", "0.7"], "--bond applies to --problem molecule only"),
        (["--problem", "tsp"], "unknown --problem 'tsp'; allowed: molecule, ghz, maxcut"),
        (["--problem", "maxcut", "--qubits", "2"], "a Max-Cut ring needs an integer number of nodes"),
    ],
)
def test_cli_problem_usage_errors_exit_2_with_one_line(tmp_path, capsys, args, message):
    code = main(
        [
            "bench",
            "quantum",
            "--budget",
            "3",
            "--seeds",
            "1",
            "--searchers",
            "random",
            "--quiet",
            "--out",
            str(tmp_path / "x"),
            *args,
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not list((tmp_path / "x").glob("*/seed*.jsonl"))


def test_searcher_options_reach_the_searcher(tmp_path, monkeypatch):
    import qgnas.searchers
    from qgnas.quantum.benchmark import bench_quantum

    seen = []
    real = qgnas.searchers.make_searcher

    def spy(name, space, rng, **options):
        seen.append((name, options))
        return real(name, space, rng, **options)

    monkeypatch.setattr(qgnas.searchers, "make_searcher", spy)
    evolution = {"population_size": 3, "sample_size": 2}
    bench_quantum(
        tmp_path / "b",
        ["random", "evolution"],
        1,
        [0],
        problem="ghz",
        qubits=2,
        max_gates=2,
        progress=False,
        searcher_options={"evolution": evolution},
    )
    assert ("evolution", evolution) in seen and ("random", {}) in seen
    with pytest.raises(ValueError, match="searcher_options name 'bo', not among the searchers run: random"):
        bench_quantum(
            tmp_path / "c", ["random"], 1, [0], problem="ghz", qubits=2, searcher_options={"bo": {}}
        )
    with pytest.raises(ValueError, match=r"searcher_options\['evolution'\]: sample_size must be <="):
        bench_quantum(
            tmp_path / "d",
            ["evolution"],
            1,
            [0],
            problem="ghz",
            qubits=2,
            searcher_options={"evolution": {"population_size": 3}},
        )
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").glob("*/seed*.jsonl"))
