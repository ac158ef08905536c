"""CRLQAS: curriculum RL for quantum architecture search, one run per seed.

    python experiments/crlqas.py --config experiments/configs/h2_2q_noiseless.yaml --seed 0 \
        --out runs/crlqas/h2_2q_noiseless/seed0 [--episodes N] [--resume]

The config (YAML) has three sections: ``env`` (kwargs of ``qgnas/QuantumArchSearch-v0``), ``agent``
(fields of ``qgnas.agents.DQNConfig`` overriding the CRLQAS defaults for the gate budget and register
size) and ``train`` (``episodes``, ``checkpoint_every``, ``test_every``, ``torch_threads``).

The agent is the 5 x 256 MLP with batch 128 unless the config or ``--agent`` says otherwise
(:data:`AGENT_DEFAULTS`): the published 5 x 1000 network with batch 1000 costs about 50 times more per
update on a CPU and writes a 35 MB checkpoint after 50 episodes. ``--agent
hidden_sizes=1000,1000,1000,1000,1000 --agent batch_size=1000`` restores it.

The run directory (format: ``qgnas.quantum.experiment_log``) gets ``config.json``, ``episodes.jsonl``
(one row per training episode, with the greedy test episode's result when there is one),
``curves.csv``, ``checkpoint.pt`` (every ``checkpoint_every`` episodes; ``--resume`` continues from it,
and the episodes logged after it are run again, so nothing is lost or counted twice),
``best_circuit.{qasm,json,png}`` and ``summary.json``.

A progress bar (on a terminal) shows the episode, epsilon and the best noiseless error in Ha, and says
while the agent is still filling its replay buffer before its first update.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from qgnas.cli.common import DefaultsFormatter
from qgnas.quantum import experiment_log as runlog

#: The agent this script trains unless the config's ``agent`` section or ``--agent`` overrides it.
AGENT_DEFAULTS: dict[str, Any] = {"hidden_sizes": (256,) * 5, "batch_size": 128}
TRAIN_DEFAULTS: dict[str, Any] = {
    "episodes": 1000,
    "checkpoint_every": 50,
    "test_every": 100,
    "torch_threads": 1,
}


def load_config(path: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(path)
    if not path.exists():
        configs = sorted(p.stem for p in (Path(__file__).parent / "configs").glob("*.yaml"))
        raise SystemExit(f"crlqas: config {str(path)!r} not found; shipped configs: {', '.join(configs)}")
    cfg = yaml.safe_load(path.read_text()) or {}
    unknown = set(cfg) - {"name", "env", "agent", "train"}
    if unknown:
        raise SystemExit(
            f"crlqas: unknown config section(s) {sorted(unknown)}; allowed: name, env, agent, train"
        )
    return cfg


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["batch_size=128", "hidden_sizes=256,256"]`` -> DQNConfig keyword overrides (YAML values)."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise ValueError(f"--agent expects FIELD=VALUE, got {item!r}")
        parsed = yaml.safe_load(value)
        if isinstance(parsed, str) and "," in parsed:
            parsed = [yaml.safe_load(v) for v in parsed.split(",")]
        out[field.strip()] = parsed
    return out


class _OutOfTime(Exception):
    """Raised from the episode callback once ``--seconds`` has passed (after a checkpoint)."""


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=DefaultsFormatter)
    ap.add_argument("--config", required=True, help="YAML config (experiments/configs/<name>.yaml)")
    ap.add_argument("--seed", type=int, default=0, help="root seed of the run")
    ap.add_argument("--out", required=True, help="run directory")
    ap.add_argument("--episodes", type=int, default=None, help="override the config's number of episodes")
    ap.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    agent = ", ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in AGENT_DEFAULTS.items()
    )
    ap.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=f"override a DQNConfig field, e.g. --agent batch_size=256 --agent hidden_sizes=512,512; this "
        f"script's agent is {agent} (5 x 256, as the README's runs) unless the config's agent section or "
        "this option says otherwise; the published CRLQAS agent is hidden_sizes=1000,1000,1000,1000,1000 "
        "batch_size=1000",
    )
    ap.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="wall-clock budget of this invocation: checkpoint and stop after the episode that passes it "
        "(continue later with --resume)",
    )
    return ap


def parse_args(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace, dict[str, Any]]:
    """The parser, the arguments and the config with the ``--agent`` overrides merged in."""
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.seed < 0:
        ap.error(f"--seed must be >= 0, got {args.seed}")
    if args.episodes is not None and args.episodes <= 0:
        ap.error(f"--episodes must be positive, got {args.episodes}")
    if args.seconds is not None and args.seconds <= 0:
        ap.error(f"--seconds must be positive, got {args.seconds}")
    cfg = load_config(args.config)
    try:
        cfg["agent"] = {**(cfg.get("agent") or {}), **parse_overrides(args.agent)}
    except ValueError as exc:
        ap.error(str(exc))
    return ap, args, cfg


def build_agent(ap: argparse.ArgumentParser, cfg: dict[str, Any], train_cfg: dict[str, Any], seed: int):
    """The environment (wrapped, and its base) and the agent the config describes."""
    import gymnasium as gym
    import torch

    import qgnas  # noqa: F401 - registers the environments
    from qgnas.agents import DQNConfig, MaskedDQNAgent

    # Small networks on small inputs: one thread is faster and keeps runs bit-for-bit reproducible.
    torch.set_num_threads(int(train_cfg["torch_threads"]))
    env = gym.make(runlog.ENV_ID, **dict(cfg.get("env") or {}))
    base = env.unwrapped
    try:
        agent_cfg = DQNConfig.crlqas(base.max_gates, base.n_qubits, **{**AGENT_DEFAULTS, **cfg["agent"]})
    except (TypeError, ValueError) as exc:
        ap.error(str(exc))
    agent_cfg.test_every = int(train_cfg["test_every"])
    agent = MaskedDQNAgent(env.observation_space.shape[0], env.action_space.n, agent_cfg, seed=seed)
    return env, base, agent, agent_cfg


def restore(out: Path, agent: Any, base: Any, resume: bool) -> tuple[dict[str, Any], bool]:
    """The run state (from the checkpoint when resuming) and whether the env's RNG was restored."""
    ckpt = runlog.load_checkpoint(out) if resume else None
    if ckpt is None:
        return {"best_error": float("inf"), "first_success": None, "wall_seconds": 0.0}, False
    agent.load_state_dict(ckpt["agent"])
    base.np_random.bit_generator.state = ckpt["env_rng"]
    if base.curriculum is not None and ckpt["curriculum"] is not None:
        base.curriculum.load_state_dict(ckpt["curriculum"])
    return ckpt["run"], True


class Progress:
    """The progress bar: episode, epsilon and best noiseless error (Ha) as its postfix, and a note while
    the replay buffer fills before the agent's first update (its Q-network is untrained until then)."""

    def __init__(self, agent: Any, total: int, name: str) -> None:
        from tqdm.auto import tqdm

        self.agent = agent
        self.warmup = max(agent.config.learning_starts, agent.config.batch_size)
        self.learning = agent.updates > 0
        self.bar = tqdm(total=total, initial=agent.episodes, desc=name, disable=not sys.stderr.isatty())
        if not self.learning:
            self.bar.write(
                f"crlqas: replay buffer warm-up: the agent starts learning after {self.warmup} transitions",
                file=sys.stderr,
            )

    def update(self, stats: dict[str, Any], best_error: float) -> None:
        postfix = {
            "episode": stats["episode"],
            "epsilon": f"{stats['epsilon']:.3f}",
            "best": f"{best_error:.2e} Ha",
        }
        if stats["updates"] == 0:
            postfix["learning"] = f"not yet (buffer {len(self.agent.buffer)}/{self.warmup})"
        elif not self.learning:
            self.learning = True
            self.bar.write(
                f"crlqas: the agent started learning in episode {stats['episode']}", file=sys.stderr
            )
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


class Run:
    """One invocation's bookkeeping: the episode log, the best circuit, checkpoints and the time budget."""

    def __init__(
        self, out: Path, agent: Any, base: Any, state: dict[str, Any], every: int, seconds: float | None
    ):
        self.out, self.agent, self.base, self.state = out, agent, base, state
        self.every, self.seconds = every, seconds
        self.start, self.wall0 = time.perf_counter(), state["wall_seconds"]
        self.log = runlog.open_episode_log(out, keep=agent.episodes)

    def checkpoint(self) -> None:
        self.state["wall_seconds"] = self.wall0 + time.perf_counter() - self.start
        curriculum = self.base.curriculum
        blob = {
            "agent": self.agent.state_dict(),
            "env_rng": self.base.np_random.bit_generator.state,
            "curriculum": curriculum.state_dict() if curriculum else None,
            "run": self.state,
        }
        runlog.save_checkpoint(self.out, blob)

    def on_episode(self, stats: dict[str, Any]) -> None:
        row = runlog.episode_row(stats)
        runlog.append_episode(self.log, row)
        info, state = stats["info"], self.state
        if info["error_noiseless"] < state["best_error"]:
            state["best_error"] = float(info["error_noiseless"])
            state["best"] = {k: row[k] for k in ("gates", "depth", "cnots", "rotations")}
            state["best"]["parameters"] = len(info["params"])
            runlog.write_best_circuit(self.out, info)
        if info["chemical_accuracy"] and state["first_success"] is None:
            state["first_success"] = stats["episode"]
        if stats["episode"] % self.every == 0:
            self.checkpoint()
        if self.seconds is not None and time.perf_counter() - self.start > self.seconds:
            self.checkpoint()
            raise _OutOfTime

    def close(self) -> None:
        self.checkpoint()
        self.log.close()


def train(run: Run, env: Any, episodes: int, name: str, seed: int | None, seconds: float | None) -> None:
    """Train until the agent has run ``episodes`` episodes in all, or ``seconds`` have passed."""
    agent = run.agent
    remaining = episodes - agent.episodes
    if remaining <= 0:
        return
    progress = Progress(agent, episodes, name)

    def callback(stats: dict[str, Any]) -> None:
        run.on_episode(stats)
        progress.update(stats, run.state["best_error"])

    try:
        agent.train(env, remaining, seed=seed, callback=callback)
    except _OutOfTime:
        print(
            f"crlqas: --seconds {seconds:g} reached after episode {agent.episodes}; "
            "checkpointed, continue with --resume",
            file=sys.stderr,
        )
    finally:
        progress.close()


def main(argv: list[str] | None = None) -> int:
    import json

    ap, args, cfg = parse_args(argv)
    train_cfg = {**TRAIN_DEFAULTS, **(cfg.get("train") or {})}
    episodes = args.episodes or int(train_cfg["episodes"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if (out / runlog.EPISODES_FILE).exists() and not args.resume:
        ap.error(f"{out} already holds a run; add --resume to continue it or choose another --out")
    env, base, agent, agent_cfg = build_agent(ap, cfg, train_cfg, args.seed)
    state, restored = restore(out, agent, base, args.resume)
    runlog.write_config(out, cfg, args.seed, episodes, vars(agent_cfg))
    run = Run(out, agent, base, state, int(train_cfg["checkpoint_every"]), args.seconds)
    # a restored environment's generator continues where the checkpoint left it: no reseeding
    train(run, env, episodes, cfg.get("name", "crlqas"), None if restored else args.seed, args.seconds)
    run.close()
    runlog.write_curves(out)
    summary = {
        "config": cfg.get("name", Path(args.config).stem),
        "seed": args.seed,
        "best_error_noiseless": state["best_error"],
        **state.get("best", {}),
        "episodes_to_first_success": state["first_success"],
        "episodes": agent.episodes,
        "wall_seconds": round(state["wall_seconds"], 1),
    }
    runlog.write_summary(out, summary)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
