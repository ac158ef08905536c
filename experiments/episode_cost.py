"""What one full-length CRLQAS episode of a config costs on this machine, measured step by step.

A CRLQAS run is tens of thousands of episodes; before spending them, this plays one episode with the
random masked agent and the success threshold set out of reach (so the episode runs to the gate budget
L, as the hard episodes of a run do once the curriculum has tightened), re-optimising the angles after
every step exactly as the run does. It prints seconds and objective evaluations per step, the noiseless
error reached, and the extrapolation to the config's episode count; with ``--seconds`` it stops early
and extrapolates from the steps it played (a step's cost grows with the number of angles, so the
extrapolation from a partial episode is a lower bound, and says so).

    python experiments/episode_cost.py --config experiments/configs/lih_6q_noiseless.yaml --seconds 900
    python experiments/episode_cost.py --config experiments/configs/h2o_8q_noiseless.yaml --json out.json

The run's own episodes are cheaper before the first curriculum update (CRLQAS's start threshold is
met in a step or two), so a run's total lies between the episode count times the first episodes' cost
and the episode count times this figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crlqas import load_config  # noqa: E402 - the experiments folder is not a package


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="YAML config (experiments/configs/<name>.yaml)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the environment and the random agent")
    ap.add_argument("--seconds", type=float, default=None, help="stop after the step that passes this")
    ap.add_argument("--json", default=None, help="also write the measurements to this file")
    args = ap.parse_args(argv)
    if args.seconds is not None and args.seconds <= 0:
        ap.error(f"--seconds must be positive, got {args.seconds}")

    import gymnasium as gym
    import torch

    import qgnas  # noqa: F401 - registers the environments
    from qgnas.agents import RandomMaskedAgent

    torch.set_num_threads(1)
    cfg = load_config(args.config)
    env_kwargs = dict(cfg.get("env") or {})
    # Out of reach: |mu - E| is never below 1e-9 Ha, so no step succeeds and the episode runs to L.
    env_kwargs["curriculum"] = {**(env_kwargs.get("curriculum") or {}), "xi0": 1e-9}
    env_kwargs["random_halting"] = False
    env = gym.make("qgnas/QuantumArchSearch-v0", **env_kwargs)
    agent = RandomMaskedAgent(env.action_space.n, seed=args.seed)
    obs, info = env.reset(seed=args.seed)
    steps: list[dict] = []
    start = time.perf_counter()
    done = False
    print("step  gates  params  seconds  noiseless error (Ha)", flush=True)
    while not done:
        t0 = time.perf_counter()
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info["action_mask"]))
        row = {
            "step": len(steps) + 1,
            "gates": int(info["gates"]),
            "params": int(info["rotations"]),
            "seconds": time.perf_counter() - t0,
            "error_noiseless": float(info["error_noiseless"]),
        }
        steps.append(row)
        print(
            f"{row['step']:4d}  {row['gates']:5d}  {row['params']:6d}  {row['seconds']:7.2f}  "
            f"{row['error_noiseless']:.3e}",
            flush=True,
        )
        done = terminated or truncated
        if args.seconds is not None and time.perf_counter() - start >= args.seconds:
            break
    wall = time.perf_counter() - start
    max_gates = int(env.unwrapped.max_gates)
    episodes = int((cfg.get("train") or {}).get("episodes", 0))
    complete = len(steps) >= max_gates or done
    per_episode = wall if complete else wall / len(steps) * max_gates
    summary = {
        "config": cfg.get("name", Path(args.config).stem),
        "max_gates": max_gates,
        "steps_played": len(steps),
        "complete_episode": complete,
        "seconds": wall,
        "seconds_per_full_episode": per_episode,
        "episodes_in_config": episodes,
        "cpu_hours_for_config": per_episode * episodes / 3600.0,
        "best_error_noiseless": min(s["error_noiseless"] for s in steps),
        "steps": steps,
    }
    bound = "" if complete else " (lower bound: extrapolated from a partial episode, later steps cost more)"
    print(
        f"\n{summary['config']}: {len(steps)} of {max_gates} steps in {wall:.0f} s; one full episode "
        f"~{per_episode:.0f} s{bound}; the config's {episodes} episodes ~{summary['cpu_hours_for_config']:.0f} "
        f"CPU-hours at this rate; best noiseless error {summary['best_error_noiseless']:.3e} Ha"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
