"""Benchmark statistics: incumbents selected on the objective only, ties to the earliest, tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qgnas.core import Record, Result
from qgnas.core.bench import incumbent_curve, markdown_table, summarize


def rec(i, objective, test, status="ok"):
    r = Result(objective, {"test": test}, status=status)
    if status != "ok":
        r = Result.failure("bad")
    return Record(i, str(i), {"i": i}, r, float(i))


def test_incumbent_is_selected_on_objective_and_reports_its_test_metric():
    records = [rec(0, 70, 60), rec(1, 75, 50), rec(2, 75, 99), rec(3, 0, 0, "failed"), rec(4, 74, 100)]
    obj, test = incumbent_curve(records, "test")
    assert list(obj) == [70, 75, 75, 75, 75]
    # the tie at 75 keeps the earliest (test 50), a better test elsewhere is never picked up
    assert list(test) == [60, 50, 50, 50, 50]


def test_failed_first_evaluation_gives_no_incumbent_yet():
    obj, test = incumbent_curve([rec(0, 0, 0, "failed"), rec(1, 1, 2)], "test")
    assert obj[0] == -math.inf and math.isnan(test[0]) and test[1] == 2


def test_summary_from_logs(tmp_path):
    import json

    for name, offsets in (("a", [0, 1, 2]), ("b", [5])):
        (tmp_path / name).mkdir()
        for seed, off in enumerate(offsets):
            with open(tmp_path / name / f"seed{seed}.jsonl", "w") as f:
                for r in [rec(0, 10 + off, 1 + off), rec(1, 20 + off, 2 + off), rec(2, 5, 100)]:
                    f.write(json.dumps(r.to_json()) + "\n")
    (tmp_path / "bench.json").write_text(json.dumps({"task": "toy", "searchers": ["b", "a"], "budget": 3}))
    rows = summarize(tmp_path)["rows"]
    assert [r["searcher"] for r in rows] == ["b", "a"]
    a = rows[1]
    assert a["seeds"] == 3 and a["valid_mean"] == pytest.approx(21) and a["valid_std"] == pytest.approx(1.0)
    assert a["test_mean"] == pytest.approx(3) and rows[0]["valid_std"] == 0.0
    assert (tmp_path / "anytime.png").exists() and (tmp_path / "curves.csv").exists()
    # a budget below the logged length truncates the runs
    rows = summarize(tmp_path, budget=1)["rows"]
    assert rows[1]["valid_mean"] == pytest.approx(11)
    assert "| a | 1 | 3 |" in markdown_table(rows)
    assert np.isfinite(rows[0]["test_mean"])


def _toy_task():
    from qgnas.core.task import Task
    from tests.toy_spaces import ToyEvaluator, ToySpace

    space = ToySpace()
    return Task("toy", space, ToyEvaluator(space, failures=False))


def test_resuming_a_finished_benchmark_replays_nothing(tmp_path):
    from qgnas.core.bench import run_benchmark
    from qgnas.searchers import make_searcher

    def random_searcher(space, rng):
        return make_searcher("random", space, rng)

    first = run_benchmark(_toy_task, {"random": random_searcher}, 6, [0, 1], tmp_path, progress=False)

    def must_not_be_built(space, rng):
        raise AssertionError("a finished run was replayed")

    again = run_benchmark(
        _toy_task, {"random": must_not_be_built}, 6, [0, 1], tmp_path, resume=True, progress=False
    )
    assert again["rows"] == first["rows"]
    # a larger budget does continue the runs (and so builds the searcher)
    with pytest.raises(AssertionError, match="replayed"):
        run_benchmark(_toy_task, {"random": must_not_be_built}, 7, [0], tmp_path, resume=True, progress=False)
