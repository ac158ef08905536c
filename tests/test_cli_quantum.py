"""`qgnas bench quantum`: outputs, the CRLQAS row at equal budget, and bad input (exit 2, one line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from qgnas.cli import main
from qgnas.quantum.experiment_log import crlqas_curve, crlqas_records

QBENCH = [
    "bench",
    "quantum",
    "--molecule",
    "H2",
    "--qubits",
    "2",
    "--max-gates",
    "6",
    "--quiet",
    "--jobs",
    "1",
]


def fake_crlqas_run(path: Path, seed: int = 0, env: dict | None = None) -> Path:
    """A CRLQAS run directory as experiments/crlqas.py writes it (episodes.jsonl + config.json)."""
    path.mkdir(parents=True)
    env = {
        "molecule": "H2",
        "qubits": 2,
        "bond": 0.7414,
        "max_gates": 40,
        "optimizer": "cobyla",
        "optimizer_options": {"maxiter": 100},
        "noise": None,
        "shots": None,
        **(env or {}),
    }
    (path / "config.json").write_text(
        json.dumps({"config": {"name": "h2_2q_noiseless", "env": env}, "seed": seed})
    )
    rows = [
        {"episode": 1, "length": 3, "error": 0.5, "error_noiseless": 0.5, "gates": 3, "seconds": 0.3},
        {
            "episode": 2,
            "length": 2,
            "error": 0.02,
            "error_noiseless": 0.02,
            "gates": 2,
            "seconds": 0.2,
            "test": {"return": 1.0, "error_noiseless": 0.01, "gates": 2},
        },
        {
            "episode": 3,
            "length": 4,
            "error": 1e-4,
            "error_noiseless": 1e-4,
            "gates": 4,
            "seconds": 0.4,
            "chemical_accuracy": True,
        },
    ]
    (path / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"episode": 4, "len')
    return path


def test_crlqas_curve_counts_every_optimised_circuit(tmp_path):
    run = fake_crlqas_run(tmp_path / "seed0")
    evals, best = crlqas_curve(run)
    # episode 1, episode 2, its greedy test, episode 3 (the torn last line is dropped)
    assert evals.tolist() == [3, 5, 7, 11]
    assert best.tolist() == [0.5, 0.02, 0.01, 1e-4]
    records = crlqas_records(run)
    assert len(records) == 11
    known = [i for i, r in enumerate(records) if np.isfinite(r.result.objective)]
    assert known == [2, 4, 6, 10]
    assert records[10].result.metrics["chemical_accuracy"] == 1


def test_bench_quantum_writes_tables_and_adds_crlqas_at_equal_budget(tmp_path, capsys):
    runs = tmp_path / "crlqas"
    fake_crlqas_run(runs / "seed0", seed=0)
    fake_crlqas_run(runs / "seed1", seed=1)
    out = tmp_path / "b"
    code = main(
        [
            *QBENCH,
            "--searchers",
            "random",
            "--budget",
            "5",
            "--seeds",
            "1",
            "--out",
            str(out),
            "--crlqas-runs",
            str(runs),
        ]
    )
    assert code == 0
    for name in (
        "summary.csv",
        "summary.md",
        "curves.csv",
        "anytime.png",
        "quantum.md",
        "quantum.csv",
        "anytime_error.png",
        "bench.json",
        "random/seed0.jsonl",
        "crlqas/seed1.jsonl",
    ):
        assert (out / name).exists(), name
    assert len((out / "random/seed0.jsonl").read_text().splitlines()) == 5
    with open(out / "summary.csv") as f:
        rows = {r["searcher"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"random", "crlqas"}
    # crlqas is cut at the same budget: 5 circuits = episode 1 (3) + episode 2 (2), best error 0.02
    assert rows["crlqas"]["evaluations_mean"] == "5.000000"
    assert float(rows["crlqas"]["test_mean"]) == pytest.approx(0.02)
    text = capsys.readouterr().out
    assert "| random | 5 | 1 |" in text and "| crlqas | 5 | 2 | 20 ± 0" in text
    assert "crlqas setting differs" in text and "max gates 40 (bench: 6)" in text
    with open(out / "quantum.csv") as f:
        q = {r["searcher"]: r for r in csv.DictReader(f)}
    assert q["crlqas"]["chemical_accuracy_runs"] == "0"

    (out / "quantum.md").unlink()
    assert main(["summarize", str(out)]) == 0  # rebuilds the quantum table too
    assert (out / "quantum.md").exists() and "| crlqas | 5 | 2 |" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--molecule", "XeF6"], "unknown molecule 'XeF6'; allowed: H2, LiH"),
        (["--qubits", "5"], "H2 is not supported on qubits=5; supported qubit counts"),
        (["--searchers", "random,hyperband"], "'hyperband'; allowed: random, evolution"),
        (["--budget", "0"], "--budget must be a positive integer, got 0"),
        (["--max-gates", "0"], "--max-gates must be a positive integer, got 0"),
        (["--noise", "loud"], "unknown noise 'loud'; allowed: none, depolarizing"),
        (["--noise", "missing.yaml"], "--noise file 'missing.yaml' does not exist"),
        (["--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'; allowed: cobyla"),
        (["--optimizer-options", "{maxiter"], "--optimizer-options '{maxiter' is not JSON"),
        (["--connectivity", "0>1"], "--connectivity item '0>1' is not a control-target pair"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    code = main(
        [
            *QBENCH,
            "--searchers",
            "random",
            "--budget",
            "3",
            "--seeds",
            "1",
            "--out",
            str(tmp_path / "x"),
            *args,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert not list((tmp_path / "x").glob("*/seed*.jsonl"))  # nothing ran


def test_crlqas_run_of_another_problem_and_misplaced_options(tmp_path, capsys):
    run = fake_crlqas_run(tmp_path / "run", env={"noise": "depolarizing"})
    code = main(
        [
            *QBENCH,
            "--searchers",
            "random",
            "--budget",
            "3",
            "--seeds",
            "1",
            "--out",
            str(tmp_path / "x"),
            "--crlqas-runs",
            str(run),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "solves another problem: noise 'depolarizing' vs None" in err[0]
    code = main(["bench", "nas-bench-graph", "--molecule", "H2", "--out", str(tmp_path / "y")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == ["qgnas: error: --molecule applies to `qgnas bench quantum` only"]
