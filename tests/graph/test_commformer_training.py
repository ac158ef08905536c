"""CommFormer PPO training and its experiment script: outputs, seeds, resume after a kill, schedule, bad input."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from qgnas.graph.commformer.training import CURVE_FIELDS, TrainConfig, train

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--envs", "8", "--rollout", "16", "--no-progress"]  # 128 environment steps per update


def script():
    spec = importlib.util.spec_from_file_location("commformer_experiment", ROOT / "experiments/commformer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(out: Path, *args: str) -> int:
    return script().main(["--out", str(out), *TINY, *args])


def curves(out: Path) -> list[dict[str, str]]:
    with open(out / "curves.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def checkpoint(out: Path) -> dict:
    return torch.load(out / "checkpoint.pt", weights_only=False)


def assert_same_state(a: dict, b: dict) -> None:
    assert a["policy"].keys() == b["policy"].keys()
    for key in a["policy"]:
        assert torch.equal(a["policy"][key], b["policy"][key]), key
    for name in a["optimizers"]:
        for slot, state in a["optimizers"][name]["state"].items():
            other = b["optimizers"][name]["state"][slot]
            assert all(torch.equal(state[k], other[k]) for k in state), (name, slot)
    assert torch.equal(a["torch_rng"], b["torch_rng"])
    assert all((a["env"][k] == b["env"][k]).all() for k in a["env"])
    assert repr(a["rows"]) == repr(b["rows"]) and a["env_steps"] == b["env_steps"]  # repr: nan == nan


def test_tiny_run_writes_summary_curves_and_graph(tmp_path):
    assert run(tmp_path, "--steps", "256", "--gate") == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    for key in (
        "success_rate",
        "mean_episode_length",
        "comm_edges",
        "gate_open_fraction",
        "steps",
        "wall_seconds",
    ):
        assert key in summary, key
    assert summary["steps"] == 256 and summary["updates"] == 2
    assert summary["comm_edges"] == 3  # 3 agents, S = 0.4: one incoming edge each
    assert 0.0 <= summary["gate_open_fraction"] <= 1.0
    rows = curves(tmp_path)
    assert [int(r["env_steps"]) for r in rows] == [128, 256]
    assert tuple(rows[0]) == CURVE_FIELDS
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tensorboard_events_are_written(tmp_path):
    pytest.importorskip("tensorboard")  # in the rl and test extras
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert run(tmp_path, "--steps", "256") == 0
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    success = events.Scalars("commformer/success_rate")
    assert [e.step for e in success] == [128, 256]  # one point per update, at its environment steps


def test_evaluation_scores_the_deployed_policy_reproducibly(tmp_path):
    """After training: whole episodes per grid with the deterministic graph and gate; the same numbers
    from a resumed (finished) run; training's RNG, the policy's mode and the checkpoint untouched."""
    from qgnas.graph.commformer.training import Trainer

    config = TrainConfig(steps=256, envs=4, rollout=16, seed=1, gate=True)
    summary = train(config, tmp_path / "a", progress_bar=False, eval_episodes=10)
    evaluation = summary["evaluation"]
    assert evaluation["episodes"] == 12  # ceil(10 / 4) = 3 whole episodes on each of the 4 grids
    assert 0.0 <= evaluation["success_rate"] <= 1.0 and 1 <= evaluation["mean_episode_length"] <= 20
    state = checkpoint(tmp_path / "a")
    again = train(config, tmp_path / "a", resume=True, progress_bar=False, eval_episodes=10)
    assert again["evaluation"] == evaluation
    assert_same_state(state, checkpoint(tmp_path / "a"))
    trainer = Trainer(config, tmp_path / "a", resume=True)
    rng = torch.get_rng_state()
    assert trainer.evaluate(8) == trainer.evaluate(8) and trainer.policy.training
    assert torch.equal(rng, torch.get_rng_state())
    assert "evaluation" not in train(config, tmp_path / "b", progress_bar=False, eval_episodes=0)


def test_same_seed_reproduces_curves_exactly(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, "3"), (b, "3"), (c, "4")):
        assert run(out, "--steps", "256", "--seed", seed, "--gate") == 0
    assert (a / "curves.csv").read_text() == (b / "curves.csv").read_text()
    assert_same_state(checkpoint(a), checkpoint(b))
    assert (a / "curves.csv").read_text() != (c / "curves.csv").read_text()


@pytest.mark.parametrize("extra", [["--graph", "learned", "--gate"], ["--graph", "random"]])
def test_resume_after_a_kill_continues_exactly(tmp_path, extra):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert run(whole, "--steps", "384", "--seed", "1", *extra) == 0
    # the kill: a run that stops after its first update, then resumed to the full budget
    assert run(killed, "--steps", "128", "--seed", "1", *extra) == 0
    assert len(curves(killed)) == 1
    assert run(killed, "--steps", "384", "--seed", "1", "--resume", *extra) == 0
    assert (whole / "curves.csv").read_text() == (killed / "curves.csv").read_text()
    assert_same_state(checkpoint(whole), checkpoint(killed))


def test_a_checkpoint_older_than_a_new_field_resumes_with_its_default(tmp_path):
    train(TrainConfig(steps=128, envs=4, rollout=8, seed=0, gate=True), tmp_path, progress_bar=False)
    state = checkpoint(tmp_path)
    del state["config"]["gate_cost"]  # written before the field existed
    torch.save(state, tmp_path / "checkpoint.pt")
    config = TrainConfig(steps=256, envs=4, rollout=8, seed=0, gate=True)
    assert train(config, tmp_path, resume=True, progress_bar=False)["steps"] == 256
    torch.save(state, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="gate_cost=0.5 here but 0.01"):
        train(TrainConfig(steps=256, envs=4, rollout=8, gate=True, gate_cost=0.5), tmp_path, resume=True)


def test_resume_with_another_config_is_refused(tmp_path):
    train(TrainConfig(steps=128, envs=4, rollout=8, seed=0), tmp_path, progress_bar=False)
    with pytest.raises(ValueError, match="sparsity"):
        train(TrainConfig(steps=256, envs=4, rollout=8, seed=0, sparsity=1.0), tmp_path, resume=True)


def test_schedule_moves_with_training_progress(tmp_path):
    # 4 updates: progress 0, 0.25, 0.5, 0.75 before the rollouts, 1 at the end
    summary = train(TrainConfig(steps=128, envs=4, rollout=8, warmup=0.3), tmp_path, progress_bar=False)
    rows = curves(tmp_path)
    assert [float(r["progress"]) for r in rows] == [0.0, 0.25, 0.5, 0.75]
    assert [r["phase"] for r in rows] == ["continuous", "continuous", "gumbel", "gumbel"]
    assert summary["progress"] == 1.0
    assert float(checkpoint(tmp_path)["policy"]["actor.graph.progress"]) == 1.0


def test_edges_move_only_for_a_learned_graph(tmp_path):
    start = torch.zeros(3, 3)  # the learned graph's logits start at zero
    train(TrainConfig(steps=64, envs=4, rollout=8, warmup=0.0), tmp_path / "l", progress_bar=False)
    learned = checkpoint(tmp_path / "l")["policy"]["actor.graph.edge_logits"]
    assert not torch.equal(learned, start)  # the edge optimiser was stepped (epoch 5 of 5)
    train(TrainConfig(steps=64, envs=4, rollout=8, graph="full"), tmp_path / "f", progress_bar=False)
    assert "actor.graph.edge_logits" not in checkpoint(tmp_path / "f")["policy"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--sparsity", "0"], "sparsity=0.0"),
        (["--sparsity", "1.5"], "sparsity=1.5"),
        (["--grid", "2", "--vision", "1"], "grid_size=2"),
        (["--graph", "star"], "graph='star'"),
        (["--gate", "--gate-cost", "-1"], "gate_cost=-1.0"),
        (["--adjacency", "missing.json", "--graph", "random"], "missing.json"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, named):
    assert run(tmp_path / "bad", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0]
    assert not (tmp_path / "bad").exists()  # nothing written for a rejected run


def test_a_given_graph_is_trained_and_resumed_as_given(tmp_path):
    """--adjacency (a search's pick): the deployed graph is the given one, also after a resume, and a
    graph of the wrong budget is rejected before anything is written."""
    graph = [[1, 0, 1], [1, 1, 0], [0, 1, 1]]  # 3 agents, S = 0.4: one other sender each
    (tmp_path / "g.json").write_text(json.dumps({"adjacency": graph}))
    given = ["--graph", "random", "--adjacency", str(tmp_path / "g.json")]
    assert run(tmp_path / "a", "--steps", "128", *given) == 0
    assert run(tmp_path / "a", "--steps", "256", *given, "--resume") == 0
    assert json.loads((tmp_path / "a/summary.json").read_text())["adjacency"] == graph
    (tmp_path / "full.json").write_text(json.dumps([[1, 1, 1]] * 3))
    assert run(tmp_path / "b", "--graph", "random", "--adjacency", str(tmp_path / "full.json")) == 2
    assert not (tmp_path / "b").exists()


def test_script_exit_status_on_bad_sparsity(tmp_path):
    cmd = [
        sys.executable,
        str(ROOT / "experiments/commformer.py"),
        "--sparsity",
        "-0.2",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "sparsity=-0.2" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_resume_after_a_real_kill(tmp_path):
    """SIGKILL a running script after its first checkpoint; the resumed run equals an uninterrupted one."""
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    args = ["--steps", "2560", "--seed", "2", "--gate"]  # 20 updates of TINY
    cmd = [sys.executable, str(ROOT / "experiments/commformer.py"), *args, *TINY]
    proc = subprocess.Popen(
        [*cmd, "--out", str(killed)], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not (killed / "checkpoint.pt").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
    done = checkpoint(killed)["update"]
    assert 1 <= done < 20, f"the kill came after update {done}"
    assert run(killed, *args, "--resume") == 0
    assert run(whole, *args) == 0
    assert (whole / "curves.csv").read_text() == (killed / "curves.csv").read_text()
    assert_same_state(checkpoint(whole), checkpoint(killed))
