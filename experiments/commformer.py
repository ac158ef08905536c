"""CommFormer on Predator-Prey: PPO with a learned (or fixed) communication graph, one run per seed.

    python experiments/commformer.py --env pp --grid 5 --agents 3 --vision 1 --graph learned \
        --sparsity 0.4 [--gate] --seed 0 --steps 1000000 --envs 20 --out runs/commformer/pp5-learned/seed0 \
        [--resume]

The run directory gets ``checkpoint.pt`` (every ``--checkpoint-every`` updates and at the end;
``--resume`` continues from it exactly, and ``--steps`` may grow on resume), ``curves.csv`` (one row
per update), ``summary.json`` (metrics
over the last tenth of the updates: success_rate, mean_episode_length, comm_edges, gate_open_fraction,
steps, wall_seconds, ...) and ``graph.png``, the deployed graph (agents on a circle, arrows from
sender to receiver). Hyperparameters are the fields of ``qgnas.graph.commformer.training.TrainConfig``.

Bad arguments (a sparsity outside (0, 1], a grid smaller than the vision window, ...) exit with
status 2 and one line naming the value.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

from qgnas.cli.common import DefaultsFormatter
from qgnas.core.io import atomic_write
from qgnas.graph.commformer.training import EVAL_EPISODES, TrainConfig, train


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=DefaultsFormatter)
    p.add_argument("--env", default="pp", help="pp (Predator-Prey) or pcp (Predator-Capture-Prey)")
    p.add_argument("--grid", type=int, default=5, help="side of the grid")
    p.add_argument("--agents", type=int, default=3, help="number of agents")
    p.add_argument("--vision", type=int, default=1, help="vision radius; the window must fit the grid")
    p.add_argument("--graph", default="learned", help="learned, full, none or random")
    p.add_argument("--sparsity", type=float, default=0.4, help="S in (0, 1]: k = max(floor(n S), 1)")
    p.add_argument("--gate", action="store_true", help="add the per-agent temporal gate")
    p.add_argument("--gate-cost", type=float, default=0.01, help="weight of the gate's open-fraction penalty")
    p.add_argument(
        "--adjacency",
        help="with --graph random: train with this fixed graph instead of a random draw; a JSON file "
        "holding n x n 0/1 rows (row = receiver), or an object with an 'adjacency' key (a summary.json)",
    )
    p.add_argument("--seed", type=int, default=0, help="root seed")
    p.add_argument("--steps", type=int, default=100_000, help="environment steps (grid steps)")
    p.add_argument("--envs", type=int, default=20, help="grids stepped together")
    p.add_argument("--rollout", type=int, default=40, help="steps per grid per PPO update")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    p.add_argument(
        "--checkpoint-every", type=int, default=10, help="updates between checkpoints (no effect on results)"
    )
    p.add_argument(
        "--eval-episodes",
        type=int,
        default=EVAL_EPISODES,
        help="episodes of the deployed policy after training (deterministic graph and gate; 0: none)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def read_adjacency(path: str | None) -> list[list[int]] | None:
    if path is None:
        return None
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"--adjacency {path}: cannot read a JSON graph ({error})") from error
    rows = obj.get("adjacency") if isinstance(obj, dict) else obj
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"--adjacency {path}: expected n x n 0/1 rows or an object with 'adjacency'")
    return rows


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        env=args.env,
        grid=args.grid,
        agents=args.agents,
        vision=args.vision,
        graph=args.graph,
        sparsity=args.sparsity,
        gate=args.gate,
        gate_cost=args.gate_cost,
        seed=args.seed,
        steps=args.steps,
        envs=args.envs,
        rollout=args.rollout,
        adjacency=read_adjacency(args.adjacency),
    )


def plot_graph(adjacency: list[list[int]], path: Path, title: str) -> None:
    """Agents on a circle, an arrow from each sender to each receiver (row = receiver), self-loops left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(adjacency)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    xy = [(math.cos(a), math.sin(a)) for a in angles]
    fig, ax = plt.subplots(figsize=(4, 4))
    for receiver, row in enumerate(adjacency):
        for sender, edge in enumerate(row):
            if edge and sender != receiver:
                # a slight curve keeps the two directions of a pair apart
                ax.annotate(
                    "",
                    xy=xy[receiver],
                    xytext=xy[sender],
                    arrowprops={
                        "arrowstyle": "-|>",
                        "shrinkA": 14,
                        "shrinkB": 14,
                        "connectionstyle": "arc3,rad=0.15",
                        "color": "tab:blue",
                    },
                )
    for i, (x, y) in enumerate(xy):
        ax.add_patch(plt.Circle((x, y), 0.12, color="tab:orange", zorder=3))
        ax.text(x, y, str(i), ha="center", va="center", zorder=4)
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, lambda fh: fh.write(buffer.getvalue()))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as error:
        print(f"commformer: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    for flag, value, low in (
        ("--checkpoint-every", args.checkpoint_every, 1),
        ("--eval-episodes", args.eval_episodes, 0),
    ):
        if value < low:
            print(f"commformer: {flag} {value} is not allowed: at least {low}", file=sys.stderr)
            return 2
    summary = train(
        config,
        out,
        resume=args.resume,
        progress_bar=False if args.no_progress else None,
        checkpoint_every=args.checkpoint_every,
        eval_episodes=args.eval_episodes,
    )
    title = (
        f"{config.env} {config.grid}x{config.grid}, {config.graph} S={config.sparsity}, seed {config.seed}"
    )
    plot_graph(summary["adjacency"], out / "graph.png", title)
    shown = ("success_rate", "mean_episode_length", "comm_edges", "gate_open_fraction", "steps")
    print(json.dumps({k: summary[k] for k in shown} | {"evaluation": summary.get("evaluation")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
