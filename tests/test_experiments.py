"""Smoke tests of the experiment scripts: they run a few episodes, write their files and resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "experiments" / "configs").glob("*.yaml"))


def tiny_config(tmp_path: Path) -> Path:
    cfg = yaml.safe_load((ROOT / "experiments/configs/h2_2q_noiseless.yaml").read_text())
    cfg["env"].update(max_gates=5, optimizer_options={"maxiter": 20})
    cfg["agent"] = {"hidden_sizes": [32, 32], "batch_size": 8, "learning_starts": 8}
    cfg["train"].update(checkpoint_every=2, test_every=2)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "experiments/crlqas.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_parse(path):
    cfg = yaml.safe_load(path.read_text())
    assert set(cfg) <= {"name", "env", "agent", "train"} and cfg["name"] == path.stem
    assert cfg["train"]["episodes"] > 0 and cfg["env"]["max_gates"] in (40, 70, 250)


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if "8q" in p.stem else p for p in CONFIGS],
    ids=[p.stem for p in CONFIGS],
)
def test_shipped_configs_build_their_environment(path):
    import gymnasium as gym

    import qgnas  # noqa: F401

    cfg = yaml.safe_load(path.read_text())
    env = gym.make("qgnas/QuantumArchSearch-v0", **cfg["env"])
    _, info = env.reset(seed=0)
    assert info["action_mask"].any() and env.unwrapped.n_qubits == cfg["env"]["qubits"]


def test_crlqas_script_runs_writes_and_resumes(tmp_path):
    config, out = tiny_config(tmp_path), tmp_path / "run"
    proc = run("--config", str(config), "--seed", "0", "--out", str(out), "--episodes", "3")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "best_error_noiseless",
        "gates",
        "depth",
        "cnots",
        "rotations",
        "episodes_to_first_success",
        "wall_seconds",
    ):
        assert key in summary
    assert summary["episodes"] == 3
    assert len((out / "episodes.jsonl").read_text().splitlines()) == 3
    assert (out / "best_circuit.qasm").read_text().startswith("OPENQASM 2.0")
    assert (out / "curves.csv").exists() and (out / "checkpoint.pt").exists()

    refused = run("--config", str(config), "--seed", "0", "--out", str(out), "--episodes", "3")
    assert refused.returncode == 2 and "--resume" in refused.stderr

    proc = run("--config", str(config), "--seed", "0", "--out", str(out), "--episodes", "5", "--resume")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    assert [x["episode"] for x in lines] == [1, 2, 3, 4, 5]
    assert json.loads((out / "summary.json").read_text())["episodes"] == 5

    straight = tmp_path / "straight"
    assert (
        run("--config", str(config), "--seed", "0", "--out", str(straight), "--episodes", "5").returncode == 0
    )
    rows = [json.loads(x) for x in (straight / "episodes.jsonl").read_text().splitlines()]
    drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}  # noqa: E731
    assert [drop(r) for r in rows] == [drop(r) for r in lines]  # resumed == uninterrupted


def test_crlqas_script_unknown_config(tmp_path):
    proc = run("--config", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x"))
    assert proc.returncode != 0 and "h2_2q_noiseless" in proc.stderr


def test_crlqas_agent_overrides_and_seconds_budget(tmp_path):
    config, out = tiny_config(tmp_path), tmp_path / "run"
    # A tiny wall-clock budget stops after the first episode, checkpointed; --resume finishes the run.
    proc = run(
        "--config",
        str(config),
        "--out",
        str(out),
        "--episodes",
        "4",
        "--seconds",
        "1e-6",
        "--agent",
        "hidden_sizes=16,16",
        "--agent",
        "batch_size=4",
    )
    assert proc.returncode == 0, proc.stderr
    assert "--resume" in proc.stderr
    assert len((out / "episodes.jsonl").read_text().splitlines()) == 1
    agent = json.loads((out / "config.json").read_text())["agent"]
    assert list(agent["hidden_sizes"]) == [16, 16] and agent["batch_size"] == 4
    proc = run(
        "--config",
        str(config),
        "--out",
        str(out),
        "--episodes",
        "4",
        "--resume",
        "--agent",
        "hidden_sizes=16,16",
        "--agent",
        "batch_size=4",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["episodes"] == 4

    bad = run("--config", str(config), "--out", str(tmp_path / "bad"), "--agent", "widths=3")
    assert bad.returncode == 2 and "widths" in bad.stderr and "hidden_sizes" in bad.stderr
    bad = run("--config", str(config), "--out", str(tmp_path / "bad2"), "--agent", "batch_size")
    assert bad.returncode == 2 and "FIELD=VALUE" in bad.stderr


def test_crlqas_table_reads_runs(tmp_path):
    config, out = tiny_config(tmp_path), tmp_path / "run"
    assert run("--config", str(config), "--seed", "3", "--out", str(out), "--episodes", "3").returncode == 0
    proc = subprocess.run(
        [sys.executable, str(ROOT / "experiments/crlqas_table.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    row = proc.stdout.splitlines()[-1].split("|")
    summary = json.loads((out / "summary.json").read_text())
    assert row[1].strip() == "h2_2q_noiseless" and row[2].strip() == "3"
    assert float(row[3]) == pytest.approx(summary["best_error_noiseless"], rel=1e-2)
    assert int(row[5]) == summary["gates"] and row[-2].strip() == "complete" and len(row) == 16
    grouped = subprocess.run(
        [sys.executable, str(ROOT / "experiments/crlqas_table.py"), "--by-config", str(out), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    cells = [c.strip() for c in grouped.stdout.splitlines()[-1].split("|")]
    accurate = summary["best_error_noiseless"] < 1.6e-3
    assert cells[1:4] == ["h2_2q_noiseless", "3", f"{2 * accurate}/2"], grouped.stdout
    bad = subprocess.run(
        [sys.executable, str(ROOT / "experiments/crlqas_table.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "episodes.jsonl" in bad.stderr


def test_episode_cost_plays_one_full_episode_without_success(tmp_path):
    out = tmp_path / "cost.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments/episode_cost.py"),
            "--config",
            str(tiny_config(tmp_path)),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    cost = json.loads(out.read_text())
    # the threshold is out of reach, so the episode runs to the gate budget (5) and is complete
    assert cost["max_gates"] == 5 and cost["steps_played"] == 5 and cost["complete_episode"]
    assert [s["gates"] for s in cost["steps"]] == [1, 2, 3, 4, 5]
    assert cost["best_error_noiseless"] == min(s["error_noiseless"] for s in cost["steps"])
    assert cost["cpu_hours_for_config"] == pytest.approx(
        cost["seconds_per_full_episode"] * cost["episodes_in_config"] / 3600
    )
    assert "one full episode" in proc.stdout


def test_crlqas_default_agent_is_5x256_and_the_warm_up_is_announced(tmp_path):
    cfg = yaml.safe_load(tiny_config(tmp_path).read_text())
    cfg["agent"] = {"learning_starts": 10_000}  # no update in one episode: only the network is built
    config = tmp_path / "default-agent.yaml"
    config.write_text(yaml.safe_dump(cfg))
    proc = run("--config", str(config), "--out", str(tmp_path / "run"), "--episodes", "1")
    assert proc.returncode == 0, proc.stderr
    agent = json.loads((tmp_path / "run" / "config.json").read_text())["agent"]
    assert list(agent["hidden_sizes"]) == [256] * 5 and agent["batch_size"] == 128
    assert "replay buffer warm-up" in proc.stderr and "10000 transitions" in proc.stderr
    help_text = " ".join(run("--help").stdout.split())
    assert "hidden_sizes=256,256,256,256,256, batch_size=128" in help_text
