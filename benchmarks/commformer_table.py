"""The tables of benchmarks/commformer_suite.py, from the results it copied (or its run directories).

    python benchmarks/commformer_table.py benchmarks/results/cpu-2026-12-07-commformer [--out FILE]

Markdown tables of the deployed policies' evaluations (deterministic graph and gate, 1,000 episodes
after training): a headline (the README's), the main one (learned S = 0.4, full, none, random S = 0.4
per task, mean ± std over the seeds, with the goal's comparisons), the same runs' training-episode metrics, the sparsity sweep,
the temporal gate, and the discrete search at equal environment steps. A configuration with fewer runs
than seeds says how many it has.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from commformer_suite import (
    GATE_COSTS,
    MAIN_GRAPHS,
    SEARCH,
    SEARCH_RUNS,
    SEEDS,
    SWEEP,
    TASKS,
    gate_name,
    graph_name,
)

GOAL_OF_FULL = 0.95  # learned S = 0.4 within 5% of full communication


def summaries(root: Path, task: str, config: str) -> list[dict[str, Any]]:
    found = [root / task / config / f"seed{s}" / "summary.json" for s in SEEDS]
    return [json.loads(p.read_text()) for p in found if p.exists()]


def mean_std(values: list[float], digits: int = 2) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def stats(runs: list[dict[str, Any]], key: str, source: str = "evaluation") -> list[float]:
    """``key`` of each run's evaluation of the deployed policy, or of its training tail (``"training"``)."""
    return [float((r[source] if source == "evaluation" else r)[key]) for r in runs]


def row(
    task: str, label: str, runs: list[dict[str, Any]], extra: tuple[str, ...] = (), source: str = "evaluation"
) -> str:
    k = {r["comm_edges"] for r in runs}
    edges = str(k.pop()) if len(k) == 1 else "-"
    cells = [
        task,
        label,
        edges,
        mean_std(stats(runs, "success_rate", source)),
        mean_std(stats(runs, "mean_episode_length", source), 1),
        *extra,
        f"{len(runs)}/{len(SEEDS)}",
    ]
    return "| " + " | ".join(cells) + " |"


def graph_label(graph: str, s: float) -> str:
    return graph if graph in ("full", "none") else f"{graph} S={s:g}"


def task_label(task: str) -> str:
    t = TASKS[task]
    name = "Predator-Prey" if t["env"] == "pp" else "Predator-Capture-Prey"
    return f"{name} {t['grid']}x{t['grid']}, {t['agents']} agents, {t['steps'] / 1e6:g}M steps"


def main_table(root: Path, source: str = "evaluation") -> list[str]:
    lines = [
        "| task | graph | edges | success rate | episode length | runs |",
        "|---|---|---:|---:|---:|---:|",
    ]
    verdicts = []
    for task in TASKS:
        runs = {}
        for graph, s in MAIN_GRAPHS:
            runs[graph] = summaries(root, task, graph_name(graph, s))
            lines.append(row(task, graph_label(graph, s), runs[graph], source=source))
        if source == "evaluation" and all(len(r) == len(SEEDS) for r in runs.values()):
            verdicts.append(verdict(task, runs))
    return [*lines, "", *verdicts]


def headline_table(root: Path) -> list[str]:
    """One row per task, one column per main graph: "success rate / episode length" (means over seeds)."""
    labels = [graph_label(graph, s) for graph, s in MAIN_GRAPHS]
    lines = ["| task | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for task in TASKS:
        cells = []
        for graph, s in MAIN_GRAPHS:
            runs = summaries(root, task, graph_name(graph, s))
            success, length = stats(runs, "success_rate"), stats(runs, "mean_episode_length")
            seeds = "" if len(runs) == len(SEEDS) else f" ({len(runs)}/{len(SEEDS)} seeds)"
            cells.append(
                f"{statistics.mean(success):.2f} / {statistics.mean(length):.1f}{seeds}" if runs else "-"
            )
        lines.append(f"| {task_label(task)} | " + " | ".join(cells) + " |")
    return lines


def verdict(task: str, runs: dict[str, list[dict[str, Any]]]) -> str:
    success = {g: statistics.mean(stats(r, "success_rate")) for g, r in runs.items()}
    length = {g: statistics.mean(stats(r, "mean_episode_length")) for g, r in runs.items()}
    ratio = success["learned"] / success["full"] if success["full"] else float("nan")
    within = "yes" if ratio >= GOAL_OF_FULL else "no"
    logits = [
        max(abs(v) for row in r["edge_logits"] for v in row) for r in runs["learned"] if r.get("edge_logits")
    ]
    moved = f"; largest |edge logit| of the learned graphs {max(logits):.4f}" if logits else ""
    return (
        f"- {task}: learned/full success {ratio:.3f} (within 5%: {within}); learned minus none "
        f"{success['learned'] - success['none']:+.3f}, minus random {success['learned'] - success['random']:+.3f}; "
        f"episode length learned {length['learned']:.1f}, full {length['full']:.1f}, none {length['none']:.1f}, "
        f"random {length['random']:.1f}{moved}"
    )


def sweep_table(root: Path) -> list[str]:
    lines = ["| task | S | edges | success rate | episode length | runs |", "|---|---:|---:|---:|---:|---:|"]
    for task in TASKS:
        for s in sorted({0.4, *SWEEP[task]}):
            lines.append(row(task, f"{s:g}", summaries(root, task, f"learned-s{s:g}")))
    return lines


def gate_table(root: Path) -> list[str]:
    lines = [
        "| task | learned S=0.4 | edges | success rate | episode length | communication open | "
        "open in training | runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for task in TASKS:
        configs = [("no gate", "learned-s0.4")]
        configs += [(f"gate, penalty {cost:g}", gate_name(cost)) for cost in GATE_COSTS[task]]
        for label, config in configs:
            runs = summaries(root, task, config)
            fractions = (
                mean_std(stats(runs, "gate_open_fraction"), 3),
                mean_std(stats(runs, "gate_open_fraction", "training"), 3),
            )
            lines.append(row(task, label, runs, fractions))
    return lines


def search_table(root: Path) -> list[str]:
    task, seed = SEARCH["task"], SEARCH["seed"]
    lines = [
        f"| method | graphs | steps each | steps in all | best graph's {SEARCH['objective']} (short run) "
        f"| its success (short run) | retrained {TASKS[task]['steps'] / 1e6:g}M steps: success | episode length |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    learned = root / task / "learned-s0.4" / f"seed{seed}" / "summary.json"
    if learned.exists():
        s = json.loads(learned.read_text())
        lines.append(
            f"| learned S=0.4 (seed {seed}) | 1 | {s['steps']} | {s['steps']} | - | - | "
            f"{s['evaluation']['success_rate']:.2f} | {s['evaluation']['mean_episode_length']:.1f} |"
        )
    for searcher in SEARCH_RUNS:
        best_file = root / "search" / searcher / "best.json"
        if not best_file.exists():
            lines.append(f"| {searcher} | - | - | - | - | - | - | - |")
            continue
        best = json.loads(best_file.read_text())
        retrained = root / "search" / f"{searcher}-retrained" / f"seed{seed}" / "summary.json"
        r = json.loads(retrained.read_text()) if retrained.exists() else None
        success = "-" if r is None else f"{r['evaluation']['success_rate']:.2f}"
        length = "-" if r is None else f"{r['evaluation']['mean_episode_length']:.1f}"
        lines.append(
            f"| {searcher} | {best['evaluations']} | {SEARCH['steps_each']} | {best['env_steps']} | "
            f"{best['best_objective']:.2f} | {best['best_metrics']['success_rate']:.2f} | {success} | {length} |"
        )
    return lines


def report(root: Path) -> str:
    tasks = "\n".join(f"- {t}: {task_label(t)}" for t in TASKS)
    parts = [
        f"Tasks (vision 1; seeds {', '.join(map(str, SEEDS))}):\n\n{tasks}",
        "## Headline: success rate / episode length of the deployed policy, means over seeds\n\n"
        + "\n".join(headline_table(root)),
        "## Main table: the deployed policy's success rate and episode length, mean ± std over seeds\n\n"
        + "\n".join(main_table(root)),
        "## The same runs' training episodes (last tenth of the updates; a learned graph is Gumbel-sampled)\n\n"
        + "\n".join(main_table(root, "training")),
        "## Sparsity sweep (learned graph)\n\n" + "\n".join(sweep_table(root)),
        "## Temporal gate\n\n" + "\n".join(gate_table(root)),
        f"## Discrete search of the graph on {SEARCH['task']}, S = {SEARCH['sparsity']:g}\n\n"
        + "\n".join(search_table(root)),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", type=Path, help="the suite's --results (or --out) directory")
    p.add_argument("--out", type=Path, help="also write the tables to this file")
    args = p.parse_args(argv)
    text = report(args.root)
    print(text, end="")
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
