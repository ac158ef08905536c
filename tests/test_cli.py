"""The `qgnas bench` command-line contract: outputs, bad input, kill and resume, reproducibility."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qgnas.cli import main

BENCH = ["bench", "nas-bench-graph", "--dataset", "cora", "--quiet"]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qgnas", *args], capture_output=True, text=True, timeout=timeout
    )


def summary_rows(out: Path) -> list[dict]:
    with open(out / "summary.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds_mean"} for row in csv.DictReader(f)]


def test_bench_writes_summary_logs_and_plot(tmp_path):
    out = tmp_path / "b"
    code = main(
        [
            *BENCH,
            "--searchers",
            "random,evolution",
            "--budget",
            "60",
            "--seeds",
            "3",
            "--out",
            str(out),
            "--jobs",
            "1",
        ]
    )
    assert code == 0
    rows = summary_rows(out)
    assert [r["searcher"] for r in rows] == ["random", "evolution"]
    for col in ("searcher", "budget", "seeds", "valid_mean", "valid_std", "test_mean", "test_std"):
        assert col in rows[0]
    assert rows[0]["budget"] == "60" and rows[0]["seeds"] == "3"
    for name in ("random", "evolution"):
        for seed in range(3):
            lines = (out / name / f"seed{seed}.jsonl").read_text().splitlines()
            keys = [json.loads(line)["key"] for line in lines]
            assert len(keys) == 60 and len(set(keys)) == 60
    assert (out / "anytime.png").stat().st_size > 10_000
    assert "| random | 60 | 3 |" in (out / "summary.md").read_text()
    # test accuracy of the best-by-validation architecture, in percent
    assert 60 < float(rows[0]["test_mean"]) < 84


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "imagenet"], "'imagenet'; allowed: cora, citeseer, pubmed"),
        (["--searchers", "random,hyperband"], "'hyperband'; allowed: random, evolution, reinforce, bo"),
        (["--budget", "0"], "--budget must be a positive integer, got 0"),
        (["--budget", "-3"], "--budget must be a positive integer, got -3"),
        (["--seeds", "0"], "--seeds must be a positive integer, got 0"),
        (["--seeds", "two"], "--seeds must be a positive integer, got 'two'"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    proc = run_cli(*BENCH, "--out", str(tmp_path / "x"), *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_task_and_unwritable_dir(tmp_path):
    proc = run_cli("bench", "nas-bench-101", "--out", str(tmp_path / "x"))
    assert (
        proc.returncode == 2
        and "unknown benchmark task 'nas-bench-101'; allowed: nas-bench-graph" in proc.stderr
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run_cli(*BENCH, "--out", str(blocker / "sub"))
    assert proc.returncode == 2 and "is not a writable directory" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_existing_dir_needs_resume(tmp_path):
    args = [*BENCH, "--searchers", "random", "--budget", "5", "--seeds", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    proc = run_cli(*args[:-2], "--out", str(tmp_path))
    assert proc.returncode == 2 and "add --resume" in proc.stderr


def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path):
    common = [*BENCH, "--searchers", "random,evolution", "--budget", "200", "--seeds", "6", "--jobs", "1"]
    ref = tmp_path / "ref"
    assert run_cli(*common, "--out", str(ref)).returncode == 0

    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qgnas", *common, "--out", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    first = killed / "random" / "seed0.jsonl"
    while time.time() < deadline and proc.poll() is None:
        if first.exists() and first.stat().st_size > 20_000:  # some evaluations in, most runs still ahead
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    logs = sorted(killed.glob("*/seed*.jsonl"))
    assert sum(len(p.read_bytes().splitlines()) for p in logs) < 2 * 6 * 200

    assert run_cli(*common, "--out", str(killed), "--resume").returncode == 0
    for name in ("random", "evolution"):
        for seed in range(6):
            a = [json.loads(x)["key"] for x in (killed / name / f"seed{seed}.jsonl").read_text().splitlines()]
            b = [json.loads(x)["key"] for x in (ref / name / f"seed{seed}.jsonl").read_text().splitlines()]
            assert len(a) == 200 and len(set(a)) == 200
            assert a == b
    assert summary_rows(killed) == summary_rows(ref)


def test_same_seed_same_summary_bit_for_bit(tmp_path):
    args = [*BENCH, "--searchers", "random,evolution", "--budget", "50", "--seeds", "2"]
    assert main([*args, "--out", str(tmp_path / "a"), "--jobs", "1"]) == 0
    assert main([*args, "--out", str(tmp_path / "b"), "--jobs", "2"]) == 0
    assert summary_rows(tmp_path / "a") == summary_rows(tmp_path / "b")
    for p in (tmp_path / "a").glob("*/seed*.jsonl"):
        assert log_without_timings(p) == log_without_timings(tmp_path / "b" / p.relative_to(tmp_path / "a"))


def log_without_timings(path: Path) -> list[dict]:
    """A run log with its wall-clock fields removed (they are the only part allowed to differ)."""
    out = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        rec.pop("elapsed")
        rec["result"].pop("seconds")
        out.append(rec)
    return out


def test_list_names_only_searchers_the_commands_accept(capsys):
    from qgnas.cli.common import parse_searchers
    from qgnas.graph.pipeline import resolve_gnn_searcher

    assert main(["list"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    bench = [name.split(" (or ")[0] for name in lines["searchers (bench)"].split(", ")]
    assert "reinforce (or graphnas)" in lines["searchers (bench)"]
    assert parse_searchers(",".join(bench)) == bench
    gnn = lines["searchers (search gnn)"].split(", ")
    assert {"graphnas", "reinforce"} <= set(gnn)
    assert {resolve_gnn_searcher(n) for n in ("graphnas", "reinforce")} == {"reinforce"}
    assert parse_searchers("graphnas,random") == ["reinforce", "random"]


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 100)" in text and "(default: random,evolution,reinforce,bo)" in text
    assert "(default: None)" not in text
