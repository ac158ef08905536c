"""Environment steps per second of the batched predator-prey environments on one core.

Builds ``gym.make_vec(ID, num_envs=B)`` (the native numpy vector env), steps it with pre-drawn random
actions (autoreset included) for a fixed CPU time, and counts B environment steps per ``step`` call.
The single-env Gymnasium view is timed the same way as the reference. Goal: at least
200,000 steps per second on one core for 5x5 with 3 agents.

    OMP_NUM_THREADS=1 python benchmarks/predator_prey_speed.py [--seconds 2] [--batches 256 1024 4096]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import qgnas  # noqa: F401 - registers the environments


def steps_per_second(env, actions: np.ndarray, batch: int, seconds: float) -> float:
    env.reset(seed=0)
    for a in actions[:5]:  # warm-up
        step(env, a)
    start, n = time.process_time(), 0
    while time.process_time() - start < seconds:
        step(env, actions[n % len(actions)])
        n += 1
    return n * batch / (time.process_time() - start)


def step(env, action) -> None:
    _, _, terminated, truncated, _ = env.step(action)
    if batch_of_one(terminated) and (terminated or truncated):
        env.reset()


def batch_of_one(flag) -> bool:
    return np.ndim(flag) == 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per row")
    parser.add_argument("--batches", type=int, nargs="+", default=[256, 1024, 4096])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for env_id in ("qgnas/PredatorPrey-v0", "qgnas/PredatorCapturePrey-v0"):
        kwargs = {"grid_size": 5, "n_agents": 3, "vision": 1}
        single = gym.make(env_id, **kwargs)
        rows.append(
            (
                env_id,
                "gym.make (one grid)",
                1,
                steps_per_second(single, rng.integers(0, 5, (64, 3)), 1, args.seconds),
            )
        )
        for b in args.batches:
            vec = gym.make_vec(env_id, num_envs=b, **kwargs)
            rate = steps_per_second(vec, rng.integers(0, 5, (64, b, 3)), b, args.seconds)
            rows.append((env_id, "gym.make_vec (native numpy)", b, rate))
    base = {env_id: rate for env_id, kind, b, rate in rows if b == 1}
    print("5x5 grid, 3 agents, vision 1; environment steps per CPU-second, one process, one thread\n")
    print("| environment | form | grids | steps / s | vs one grid | goal >= 200,000 |")
    print("|---|---|---:|---:|---:|---|")
    for env_id, kind, b, rate in rows:
        goal = "-" if b == 1 else ("met" if rate >= 200_000 else "missed")
        print(f"| {env_id} | {kind} | {b} | {rate:,.0f} | {rate / base[env_id]:.0f}x | {goal} |")


if __name__ == "__main__":
    main()
