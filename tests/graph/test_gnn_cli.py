"""search_gnn / train_gnn (behind ``qgnas search gnn`` and ``qgnas train gnn``) on tiny budgets."""

from __future__ import annotations

import json

import pytest

from qgnas.core import InvalidArchitecture, read_log
from qgnas.gnn_commands import format_train_report, search_gnn, train_gnn

TINY = dict(epochs=2, patience=None, progress=False)


@pytest.mark.parametrize("searcher, sharing", [("autognn", True), ("random", False), ("graphnas", False)])
def test_search_writes_log_and_best_and_resumes(tmp_path, planetoid_root, searcher, sharing):
    if searcher == "graphnas":
        pytest.importorskip(
            "qgnas.searchers.reinforce", reason="the REINFORCE searcher is not in this checkout"
        )
    out = tmp_path / searcher
    report = search_gnn("cora", searcher, 2, 0, out, data_root=planetoid_root, sharing=sharing, **TINY)
    best = json.loads((out / "best.json").read_text())
    assert best == report and best["evaluations"] == 2 and best["dataset"] == "cora"
    assert 0 < best["valid"] <= 100 and 0 < best["test"] <= 100
    log = out / f"{searcher}_seed0.jsonl"
    assert len(read_log(log)) == 2
    again = search_gnn(
        "cora", searcher, 3, 0, out, resume=True, data_root=planetoid_root, sharing=sharing, **TINY
    )
    assert (
        again["evaluations"] == 3 and [r.key for r in read_log(log)][:2] == [r.key for r in read_log(log)][:2]
    )
    if sharing:
        assert list((out / "weights").glob("*.pt"))


def test_train_retrains_with_seeds(tmp_path, planetoid_root):
    path = tmp_path / "best.json"
    path.write_text(json.dumps({"dataset": "cora", "arch": {"layers": [
        {"attention": "gcn", "aggregation": "sum", "activation": "relu", "heads": 1, "hidden": 16},
        {"attention": "gcn", "aggregation": "sum", "activation": "linear", "heads": 1},
    ]}}))  # fmt: skip
    report = train_gnn(path, seeds=2, data_root=planetoid_root, epochs=3)
    assert report["seeds"] == 2 and len(report["test"]) == 2 and report["test_std"] >= 0
    assert "over 2 seeds" in format_train_report(report)


def test_clear_errors(tmp_path, planetoid_root):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        train_gnn(tmp_path / "nope.json", "cora")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"attention": "gatt"}]}))
    with pytest.raises(InvalidArchitecture, match="layers\\[0\\]"):
        train_gnn(bad, "cora", data_root=planetoid_root)
    with pytest.raises(ValueError, match="unknown searcher 'bogus'"):
        search_gnn("cora", "bogus", 1, 0, tmp_path / "x", data_root=planetoid_root, **TINY)


def test_report_cuts_searches_at_equal_budget(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main
    from qgnas.gnn_commands import search_report

    out = tmp_path / "random"
    search_gnn("cora", "random", 3, 0, out, data_root=planetoid_root, choices={"heads": (1, 2)}, **TINY)
    records = read_log(out / "random_seed0.jsonl")
    full, cut = search_report(out), search_report(out, budget=2)
    assert full["evaluations"] == 3 and cut["evaluations"] == 2
    best_two = max(records[:2], key=lambda r: (r.result.objective, -r.index))
    assert cut["valid"] == best_two.result.objective and cut["arch"] == best_two.key
    assert all(layer["heads"] in (1, 2) for r in records for layer in r.arch["layers"])
    assert main(["report", str(out), "--budget", "2"]) == 0
    text = capsys.readouterr().out
    assert "| random | off | 2 | 2 |" in text and "|" not in text.splitlines()[-1].split("`")[1]
    assert main(["report", str(tmp_path)]) == 2
