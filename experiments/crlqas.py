"""CRLQAS: curriculum RL for quantum architecture search, one run per seed.

    python experiments/crlqas.py --config experiments/configs/h2_2q_noiseless.yaml --seed 0 \
        --out runs/crlqas/h2_2q_noiseless/seed0 [--episodes N] [--resume]

The config (YAML) has three sections: ``env`` (kwargs of ``qgnas/QuantumArchSearch-v0``), ``agent``
(fields of ``qgnas.agents.DQNConfig`` overriding the CRLQAS defaults for the gate budget and register
size) and ``train`` (``episodes``, ``checkpoint_every``, ``test_every``, ``torch_threads``).

The run directory gets:
- ``config.json``: the resolved config, seed and versions;
- ``episodes.jsonl``: one line per training episode (return, length, energies, errors, gate counts,
  threshold, epsilon, loss, seconds, and the greedy test episode's result when there is one);
- ``curves.csv``: the same, flat, for spreadsheets and plots;
- ``checkpoint.pt``: agent (networks, optimiser, replay buffer, RNGs) + environment (RNG, curriculum)
  + run bookkeeping, written every ``checkpoint_every`` episodes; ``--resume`` continues from it (the
  episodes logged after it are dropped and run again, so nothing is lost or counted twice);
- ``best_circuit.{qasm,json,png}``: the circuit with the lowest noiseless error found;
- ``summary.json``: ``best_error_noiseless``, ``gates``, ``depth``, ``cnots``, ``rotations``,
  ``parameters``, ``episodes_to_first_success`` (chemical accuracy, noiseless), ``episodes``,
  ``wall_seconds``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

EPISODE_FIELDS = [
    "episode", "return", "length", "energy", "energy_noiseless", "error", "error_noiseless",
    "chemical_accuracy", "gates", "depth", "cnots", "rotations", "threshold", "epsilon", "loss", "seconds",
]  # fmt: skip


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


def episode_row(stats: dict[str, Any]) -> dict[str, Any]:
    info = stats["info"]
    row = {k: stats[k] for k in ("episode", "return", "length", "epsilon", "loss", "seconds")}
    for k in (
        "energy",
        "energy_noiseless",
        "error",
        "error_noiseless",
        "gates",
        "depth",
        "cnots",
        "rotations",
        "threshold",
    ):
        row[k] = float(info[k]) if k.startswith(("energy", "error", "threshold")) else int(info[k])
    row["chemical_accuracy"] = bool(info["chemical_accuracy"])
    if stats.get("test"):
        t = stats["test"]["info"]
        row["test"] = {"return": stats["test"]["return"], "error_noiseless": float(t["error_noiseless"]),
                       "gates": int(t["gates"])}  # fmt: skip
    return row


def save_best_circuit(out: Path, info: dict[str, Any]) -> None:
    circuit, params = info["circuit"], np.asarray(info["params"], dtype=float)
    (out / "best_circuit.qasm").write_text(circuit.to_qasm(params))
    data = {"circuit": circuit.to_dict(), "params": params.tolist(), "error_noiseless": float(info["error_noiseless"]),
            "energy_noiseless": float(info["energy_noiseless"])}  # fmt: skip
    (out / "best_circuit.json").write_text(json.dumps(data, indent=2))
    try:
        circuit.draw(params, output="mpl", filename=str(out / "best_circuit.png"))
    except Exception as exc:  # noqa: BLE001 - a drawing is a convenience; the QASM and JSON are the record
        print(f"crlqas: could not draw the circuit ({exc}); QASM and JSON written", file=sys.stderr)


def truncate_log(path: Path, episodes: int) -> None:
    """Keep the first ``episodes`` complete lines (those the checkpoint covers)."""
    if not path.exists():
        return
    lines = [line for line in path.read_text().splitlines(keepends=True) if line.endswith("\n")][:episodes]
    path.write_text("".join(lines))


class _OutOfTime(Exception):
    """Raised from the episode callback once ``--seconds`` has passed (after a checkpoint)."""


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="YAML config (experiments/configs/<name>.yaml)")
    ap.add_argument("--seed", type=int, default=0, help="root seed of the run")
    ap.add_argument("--out", required=True, help="run directory")
    ap.add_argument("--episodes", type=int, default=None, help="override the config's number of episodes")
    ap.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    ap.add_argument(
        "--agent", action="append", default=[], metavar="FIELD=VALUE",
        help="override a DQNConfig field, e.g. --agent batch_size=128 --agent hidden_sizes=256,256",
    )  # fmt: skip
    ap.add_argument(
        "--seconds", type=float, default=None,
        help="wall-clock budget of this invocation: checkpoint and stop after the episode that passes it "
        "(continue later with --resume)",
    )  # fmt: skip
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
    train_cfg = {"episodes": 1000, "checkpoint_every": 50, "test_every": 100, "torch_threads": 1,
                 **(cfg.get("train") or {})}  # fmt: skip
    episodes = args.episodes or int(train_cfg["episodes"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    if (out / "episodes.jsonl").exists() and not args.resume:
        ap.error(f"{out} already holds a run; add --resume to continue it or choose another --out")

    import gymnasium as gym
    import torch

    import qgnas  # noqa: F401 - registers the environments
    from qgnas.agents import DQNConfig, MaskedDQNAgent

    # Small networks on small inputs: one thread is faster and keeps runs bit-for-bit reproducible.
    torch.set_num_threads(int(train_cfg["torch_threads"]))
    env_kwargs = dict(cfg.get("env") or {})
    env = gym.make("qgnas/QuantumArchSearch-v0", **env_kwargs)
    base = env.unwrapped
    try:
        agent_cfg = DQNConfig.crlqas(base.max_gates, base.n_qubits, **(cfg.get("agent") or {}))
    except (TypeError, ValueError) as exc:
        ap.error(str(exc))
    agent_cfg.test_every = int(train_cfg["test_every"])
    agent = MaskedDQNAgent(env.observation_space.shape[0], env.action_space.n, agent_cfg, seed=args.seed)

    state = {"best_error": float("inf"), "first_success": None, "wall_seconds": 0.0}
    reset_seed: int | None = args.seed
    if args.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=False)
        agent.load_state_dict(ckpt["agent"])
        base.np_random.bit_generator.state = ckpt["env_rng"]
        if base.curriculum is not None and ckpt["curriculum"] is not None:
            base.curriculum.load_state_dict(ckpt["curriculum"])
        state = ckpt["run"]
        reset_seed = None  # the env's generator continues where the checkpoint left it
        truncate_log(out / "episodes.jsonl", agent.episodes)
    elif args.resume:
        truncate_log(out / "episodes.jsonl", 0)
    (out / "config.json").write_text(json.dumps({"config": cfg, "seed": args.seed, "episodes": episodes,
                                                 "agent": vars(agent_cfg)}, indent=2, default=str))  # fmt: skip

    start = time.perf_counter()
    wall0 = state["wall_seconds"]
    log = open(out / "episodes.jsonl", "a")

    def checkpoint() -> None:
        state["wall_seconds"] = wall0 + time.perf_counter() - start
        blob = {"agent": agent.state_dict(), "env_rng": base.np_random.bit_generator.state,
                "curriculum": base.curriculum.state_dict() if base.curriculum else None, "run": state}  # fmt: skip
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(blob, tmp)
        tmp.replace(ckpt_path)

    def on_episode(stats: dict[str, Any]) -> None:
        row = episode_row(stats)
        log.write(json.dumps(row) + "\n")
        log.flush()
        info = stats["info"]
        if info["error_noiseless"] < state["best_error"]:
            state["best_error"] = float(info["error_noiseless"])
            state["best"] = {k: row[k] for k in ("gates", "depth", "cnots", "rotations")}
            state["best"]["parameters"] = len(info["params"])
            save_best_circuit(out, info)
        if info["chemical_accuracy"] and state["first_success"] is None:
            state["first_success"] = stats["episode"]
        if stats["episode"] % int(train_cfg["checkpoint_every"]) == 0:
            checkpoint()
        if args.seconds is not None and time.perf_counter() - start > args.seconds:
            checkpoint()
            raise _OutOfTime

    remaining = episodes - agent.episodes
    if remaining > 0:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=episodes,
            initial=agent.episodes,
            desc=cfg.get("name", "crlqas"),
            disable=not sys.stderr.isatty(),
        )

        def with_bar(stats: dict[str, Any]) -> None:
            on_episode(stats)
            bar.update(1)
            bar.set_postfix(best=f"{state['best_error']:.2e}", refresh=False)

        with bar:
            try:
                agent.train(env, remaining, seed=reset_seed, callback=with_bar)
            except _OutOfTime:
                print(f"crlqas: --seconds {args.seconds:g} reached after episode {agent.episodes}; "
                      "checkpointed, continue with --resume", file=sys.stderr)  # fmt: skip
    checkpoint()
    log.close()
    write_curves(out)
    summary = {
        "config": cfg.get("name", Path(args.config).stem),
        "seed": args.seed,
        "best_error_noiseless": state["best_error"],
        **state.get("best", {}),
        "episodes_to_first_success": state["first_success"],
        "episodes": agent.episodes,
        "wall_seconds": round(state["wall_seconds"], 1),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


def write_curves(out: Path) -> None:
    rows = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines() if line]
    with open(out / "curves.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=EPISODE_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    sys.exit(main())
