"""Does a trained CommFormer policy need the graph it was trained with? Its deployed policy evaluated
with the communication graph swapped.

    python benchmarks/commformer_swap.py runs/commformer-suite --task pp10 [--draws 5] [--out swap.md]

Why: the learned edge logits barely move from zero within our budgets (``commformer_edges.py``), so a
"learned" graph deploys a near-arbitrary top-k, yet on Predator-Prey 10x10 it beats a fixed random graph
of the same budget. A learned graph is trained on a fresh Gumbel top-k sample every update, a fixed one
on a single graph: the first policy may work under any k-edge graph, the second only under its own.

For every finished run of ``--task`` with a learned or random graph at S = 0.4 (its final
``checkpoint.pt``), the deployed policy is evaluated as ``experiments/commformer.py`` evaluates it
(``Trainer.evaluate``: 1,000 fresh episodes seeded by the run's seed, so every graph sees the same
episodes) under: its own graph (which reproduces ``summary.json``'s evaluation, checked), no
communication (self-loops only), full communication, and ``--draws`` random graphs with the same k
(``CommGraph(mode="random", seed=0..)``). Cells: success rate / mean episode length.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from qgnas.graph.commformer.graph import CommGraph
from qgnas.graph.commformer.training import TrainConfig, Trainer

SWAPPED_GRAPHS = ("learned-s0.4", "random-s0.4")


def load_trained(run_dir: Path, scratch: Path) -> Trainer:
    """The run's trainer at its final checkpoint; anything it writes (TensorBoard) goes to ``scratch``."""
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    config = TrainConfig(**state["config"])
    trainer = Trainer(config, scratch)
    trainer.load(run_dir / "checkpoint.pt")
    return trainer


def evaluate_with(trainer: Trainer, graph: CommGraph | None, episodes: int) -> dict[str, float]:
    """``trainer.evaluate`` with ``graph`` in place of the policy's own (None: its own)."""
    actor = trainer.policy.actor
    own = actor.graph
    if graph is not None:
        actor.graph = graph
    try:
        return trainer.evaluate(episodes)
    finally:
        actor.graph = own


def swap_row(run_dir: Path, draws: int, episodes: int, name: str | None = None) -> dict[str, object]:
    """One run's evaluations under its own graph, none, full and ``draws`` random k-edge graphs;
    ``name`` labels its row (default: the run's path)."""
    with tempfile.TemporaryDirectory() as scratch:
        trainer = load_trained(run_dir, Path(scratch))
        c = trainer.config
        own = evaluate_with(trainer, None, episodes)
        recorded = json.loads((run_dir / "summary.json").read_text()).get("evaluation", {})
        row: dict[str, object] = {
            "run": name or run_dir.as_posix(),
            "own": own,
            "reproduces": bool(recorded)
            and all(own[key] == recorded.get(key) for key in ("success_rate", "mean_episode_length")),
            "none": evaluate_with(trainer, CommGraph(c.agents, c.sparsity, "none"), episodes),
            "full": evaluate_with(trainer, CommGraph(c.agents, c.sparsity, "full"), episodes),
            "random": [
                evaluate_with(trainer, CommGraph(c.agents, c.sparsity, "random", seed=seed), episodes)
                for seed in range(draws)
            ],
        }
    return row


def cell(result: dict[str, float]) -> str:
    return f"{result['success_rate']:.2f} / {result['mean_episode_length']:.1f}"


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| run | own graph | reproduces summary | none | full | random k-edge graphs: mean | min | max |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        draws = row["random"]
        rates = np.array([d["success_rate"] for d in draws])
        lengths = np.array([d["mean_episode_length"] for d in draws])
        spread = f"{rates.mean():.2f} / {lengths.mean():.1f} | {rates.min():.2f} | {rates.max():.2f}"
        lines.append(
            f"| {row['run']} | {cell(row['own'])} | {'yes' if row['reproduces'] else 'NO'} | "
            f"{cell(row['none'])} | {cell(row['full'])} | {spread} |"
        )
    return "\n".join(lines) + "\n"


def finished_runs(root: Path, task: str) -> list[Path]:
    runs = []
    for name in SWAPPED_GRAPHS:
        for run_dir in sorted((root / task / name).glob("seed*")):
            summary = run_dir / "summary.json"
            if summary.exists() and "evaluation" in json.loads(summary.read_text()):
                runs.append(run_dir)
    return runs


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", type=Path, help="the suite's run directory (runs/commformer-suite)")
    p.add_argument("--task", default="pp10", help="pp5, pcp5 or pp10")
    p.add_argument("--draws", type=int, default=5, help="random k-edge graphs per run")
    p.add_argument("--episodes", type=int, default=1000, help="evaluation episodes per graph")
    p.add_argument("--out", type=Path, default=None, help="also write the table (and JSON beside it)")
    args = p.parse_args(argv)
    runs = finished_runs(args.root, args.task)
    if not runs:
        raise SystemExit(f"no finished learned-s0.4 or random-s0.4 run under {args.root / args.task}")
    rows = []
    for run_dir in runs:
        rows.append(swap_row(run_dir, args.draws, args.episodes, run_dir.relative_to(args.root).as_posix()))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = table(rows)
    print(text, end="")
    if args.out:
        args.out.write_text(text)
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
