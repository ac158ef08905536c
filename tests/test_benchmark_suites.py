"""The resumable benchmark suites (benchmarks/commformer_suite.py, crlqas_rerun.py, their job queue) on
tiny budgets: they run, skip what is done, continue a killed run, copy their outputs, and tabulate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def suite(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(BENCHMARKS / script), "--out", "runs", "--results", "res", *args]
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)


@pytest.fixture(autouse=True)
def benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import job_queue as a sibling


def test_queue_runs_in_dependency_order_and_records_failures(tmp_path, capsys):
    from job_queue import Job, file_exists, run_queue

    def touch(name: str, fail: bool = False) -> list[str]:
        code = f"import sys, pathlib; a = sys.argv; pathlib.Path(a[a.index('--out') + 1], 'ok').touch(); sys.exit({int(fail)})"
        return [sys.executable, "-c", code]

    done: list[str] = []
    jobs = [
        Job("b", touch("b"), file_exists("ok"), needs=["a"]),
        Job("a", touch("a"), file_exists("ok")),
        Job("bad", touch("bad", fail=True), file_exists("never")),
        Job("after-bad", touch("after-bad"), file_exists("ok"), needs=["bad"]),
    ]
    failed = run_queue(jobs, tmp_path, at_once=2, idle=True, on_done=lambda j: done.append(j.name))
    assert done == ["a", "b"] and failed == {"bad", "after-bad"}
    assert not (tmp_path / "after-bad").exists()
    assert run_queue(jobs[:2], tmp_path, 2, False, lambda j: done.append(j.name)) == set()
    assert done == ["a", "b", "b", "a"]  # done jobs are not run again, only exported


def test_commformer_suite_runs_resumes_and_tabulates(tmp_path):
    import commformer_edges
    import commformer_suite
    import commformer_table

    only = ["--scale", "0.002", "--only", "pp5/learned-s0.4/seed0"]
    first = suite("commformer_suite.py", tmp_path, *only)
    assert first.returncode == 0, first.stderr + first.stdout
    summary = json.loads((tmp_path / "res/pp5/learned-s0.4/seed0/summary.json").read_text())
    assert summary["steps"] == 800 and summary["comm_edges"] == 3  # 0.002 x 500,000 in whole updates of 800
    assert (tmp_path / "res/pp5/learned-s0.4/seed0/graph.png").exists()
    again = suite("commformer_suite.py", tmp_path, *only)
    assert "seed0: /" not in again.stdout  # nothing started: the run is done
    other = suite("commformer_suite.py", tmp_path, "--scale", "0.004", "--only", "pp5/learned-s0.4/seed0")
    assert other.returncode != 0 and "holds another plan" in other.stderr
    table = commformer_table.report(tmp_path / "res")
    assert "| pp5 | learned S=0.4 | 3 |" in table and "| 1/3 |" in table
    headline = next(line for line in table.splitlines() if line.startswith("| Predator-Prey 5x5"))
    assert headline.endswith(" (1/3 seeds) | - | - | - |")  # only learned S = 0.4 has a run
    # one update, so one Adam step on the edges (every 5th of 5 epochs): each logit moved by lr or not at all
    edges = commformer_edges.edge_stats(tmp_path / "runs/pp5/learned-s0.4/seed0/checkpoint.pt")
    assert edges["trained"] == "100%" and edges["steps"] == 1
    assert edges["max_logit"] == pytest.approx(1e-4, rel=1e-3) and edges["agreement_max"] == pytest.approx(
        1.0
    )
    assert "| pp5/learned-s0.4/seed0 | 100% | 1 | 0.0001 |" in commformer_edges.table(tmp_path / "runs")
    gated = tmp_path / "gated/pcp5/learned-s0.4-gate/seed0"  # the gate table reads training's curves
    gated.mkdir(parents=True)
    curves = (
        "update,env_steps,gate_open_fraction,success_rate\n1,800,0.85,0\n10,8000,0.5,0.1\n11,8800,0.25,0.2\n"
    )
    (gated / "curves.csv").write_text(curves)
    row = "| pcp5/learned-s0.4-gate/seed0 | 0.850 | 0.500 | - | - | - | - | 0.250 (11) |"
    assert row in commformer_edges.gate_table(tmp_path / "gated")
    commformer_edges.gate_plot(tmp_path / "gated", tmp_path / "gate.png")
    assert (tmp_path / "gate.png").stat().st_size > 0
    # the graph swap re-evaluates the checkpoint: under its own graph it reproduces the summary exactly
    import commformer_swap

    run = tmp_path / "runs/pp5/learned-s0.4/seed0"
    assert commformer_swap.finished_runs(tmp_path / "runs", "pp5") == [run]
    swapped = commformer_swap.swap_row(run, draws=1, episodes=summary["evaluation"]["episodes"])
    assert swapped["reproduces"] and swapped["own"] == {
        key: summary["evaluation"][key] for key in swapped["own"]
    }
    assert swapped["none"]["gate_open_fraction"] == 1.0 and len(swapped["random"]) == 1
    assert "| yes |" in commformer_swap.table([swapped])
    names = [job.name for job in commformer_suite.plan_jobs()]
    searches = len(commformer_suite.SEARCH_RUNS)
    assert searches == 5 and "search/evolution-p10-retrained/seed0" in names
    # every planned run, once: 3 tasks x seeds 0-2, the encoder, each search and its retraining
    assert len(names) == len(set(names)) == 3 * (6 + 6 + 8) + 3 * 2 + 1 + searches * 2


def test_commformer_search_variant_runs_evolution_with_its_own_population(tmp_path):
    """``evolution-p10`` is the evolution searcher with population 10, not the default 50."""
    import commformer_suite

    from qgnas.searchers import make_searcher

    name, options = commformer_suite.SEARCH_VARIANTS["evolution-p10"]
    searcher = make_searcher(
        name, commformer_suite.search_task(0.001).space, np.random.default_rng(0), **options
    )
    assert searcher.name == "evolution" and searcher.population_size == 10 and searcher.sample_size == 3
    commformer_suite.search_one("evolution-p10", tmp_path / "search" / "evolution-p10", scale=0.001)
    best = json.loads((tmp_path / "search/evolution-p10/best.json").read_text())
    assert best["options"] == {"population_size": 10, "sample_size": 3} and best["evaluations"] == 2


def test_crlqas_rerun_runs_to_its_budget_and_copies_the_table_inputs(tmp_path):
    done = suite("crlqas_rerun.py", tmp_path, "--scale", "0.004", "--only", "h2_2q_depolarizing/seed0")
    assert done.returncode == 0, done.stderr + done.stdout
    copied = tmp_path / "res/h2_2q_depolarizing/seed0"
    assert json.loads((copied / "summary.json").read_text())["episodes"] == 2  # 0.004 x 550
    table = subprocess.run(
        [sys.executable, str(BENCHMARKS.parent / "experiments/crlqas_table.py"), str(copied)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert table.returncode == 0 and "| h2_2q_depolarizing | 0 |" in table.stdout
