"""benchmarks/autognn_fair.py (the Auto-GNN fair protocol) end to end on a tiny budget, and its table."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qgnas.core import read_log

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _script(name: str):
    """A benchmark script as a module (benchmarks/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_plan_keeps_final_search_and_selection_seeds_apart():
    fair = _script("autognn_fair")
    plan = fair.seed_plan(list(fair.SEARCH_SEEDS), fair.SELECT_SEEDS, fair.FINAL_SEEDS)
    assert plan["final"] == list(range(10)) and plan["search"] == [10, 20, 30]
    assert plan["selection"] == {"10": [11, 12, 13], "20": [21, 22, 23], "30": [31, 32, 33]}
    with pytest.raises(ValueError, match="final and search"):
        fair.seed_plan([5, 20], 3, 10)  # seed 5 trains architectures that the final retraining reuses
    with pytest.raises(ValueError, match="final and selection"):
        fair.seed_plan([8], 3, 10)
    with pytest.raises(ValueError, match="search and selection"):
        fair.seed_plan([10, 11], 3, 10)


def test_the_protocol_runs_end_to_end_resumes_and_tabulates(tmp_path, planetoid_root, capsys):
    fair = _script("autognn_fair")
    out, results = tmp_path / "run", tmp_path / "results"
    tiny = [
        *("--out", str(out), "--results", str(results), "--data-root", str(planetoid_root)),
        *("--datasets", "cora", "--searches", "2", "--budget", "2", "--epochs", "2", "--workers", "1"),
        *("--select-top", "1", "--select-seeds", "1", "--final-seeds", "2", "--oracle-top", "1"),
        *("--encoder-samples", "100", "--encoder-epochs", "1"),
    ]
    fair.main(tiny)
    first = capsys.readouterr().out
    table = (results / "table.md").read_text()
    assert table.splitlines()[0] == f"$ python benchmarks/autognn_fair_table.py {out}"
    for row in (
        "autognn, mean ± std over search seeds | 2 of 2",
        "gae-bo, mean ± std over search seeds | 2 of 2",
    ):
        assert row in table
    assert (
        "GAT 8x8, mean ± std over final seeds" in table
        and "GCN 1x16" in table
        and "oracle of the visited" in table
    )
    assert "(search 10, 20; selection 11, 21; final 0-1): disjoint" in table
    assert "- autognn: goal " in table and "- gae-bo: goal " in table and "pending" not in table
    # every step's output starts with its command line, which the qgnas parser accepts
    from qgnas.cli import build_parser

    search_text = (results / "cora_gae-bo_seed10_search.txt").read_text()
    command = search_text.splitlines()[0]
    assert command.startswith("$ qgnas search gnn --dataset cora --searcher gae-bo --seed 10 ")
    assert f"--encoder {out / 'encoder'}" in command
    build_parser().parse_args(command.split()[2:])
    assert json.loads((out / "cora" / "gae-bo" / "seed10" / "gae-bo_seed10.meta.json").read_text())["config"][
        "encoder"
    ] == str((out / "encoder").resolve())

    # a search killed before its end (its last evaluation torn off, nothing after it written) resumes
    run_dir = out / "cora" / "gae-bo" / "seed20"
    log = run_dir / "gae-bo_seed20.jsonl"
    before = [(r.key, r.result.objective) for r in read_log(log)]
    log.write_text(log.read_text().splitlines(keepends=True)[0])
    for name in ("best.json", "selected.json", "selected.final.json"):
        (run_dir / name).unlink()
    fair.main(tiny)
    second = capsys.readouterr().out
    assert [(r.key, r.result.objective) for r in read_log(log)] == before
    assert "cora_gae-bo_seed20_search: qgnas search gnn" in second and "--resume" in second
    assert "cora_autognn_seed10_search: done" in second and "cora_gat_8x8: done" in second
    assert "cora_gae-bo_seed10_search: qgnas" not in second  # finished steps are not rerun
    assert "--resume" in (results / "cora_gae-bo_seed20_search.txt").read_text().splitlines()[0].split()
    assert first.count("qgnas search gnn") == 4

    # other settings for the same run directory are refused
    with pytest.raises(SystemExit, match="fixes other settings"):
        fair.main([*tiny[:-1], "2"])

    # the table script alone, as users run it
    printed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "autognn_fair_table.py"), str(out)], capture_output=True, text=True
    )
    assert printed.returncode == 0 and "## cora" in printed.stdout
