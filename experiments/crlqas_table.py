"""One Markdown table of CRLQAS runs (``experiments/crlqas.py`` output directories), for the README.

    python experiments/crlqas_table.py runs/crlqas/*/seed*

One row per run: the configuration, the seed, the lowest noiseless error found (Ha, against the exact
ground energy), whether it is within chemical accuracy (1.6e-3 Ha), the best circuit's gates, depth,
CNOTs, rotations and parameters, the episode of the first chemically accurate circuit and the agent's
exploration rate at that episode (1.00: still acting at random, before its first update), the episodes
run and the wall time. A run still in progress (no ``summary.json`` yet) is read from its episode log and
best circuit so far, and marked ``running``; one stopped by ``--seconds`` is ``stopped (time budget)``.
``--by-config`` prints one row per configuration instead (the README's headline).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from qgnas.quantum import experiment_log
from qgnas.quantum.evaluation import CHEMICAL_ACCURACY


def run_row(run_dir: Path) -> dict[str, Any]:
    """The table row of one run directory (raises FileNotFoundError if it holds no episode log)."""
    episodes = experiment_log.read_episodes(run_dir)
    config = experiment_log.crlqas_config(run_dir)
    summary = experiment_log.read_summary(run_dir)
    circuit = experiment_log.read_best_circuit(run_dir)
    best = min(episodes, key=lambda e: e["error_noiseless"]) if episodes else None
    error = best["error_noiseless"] if best else float("nan")
    counts = {k: best[k] if best else None for k in ("gates", "depth", "cnots", "rotations")}
    if circuit and circuit.get("error_noiseless", float("inf")) < error:
        # the best circuit can come from a greedy test episode, which the episode rows do not detail
        error, counts = circuit["error_noiseless"], _circuit_counts(circuit["circuit"])
    first_hit = next((e for e in episodes if e.get("chemical_accuracy")), None)
    done = bool(summary) and summary.get("episodes") == len(episodes)
    return {
        "config": config.get("config", {}).get("name", run_dir.parent.name),
        "seed": config.get("seed", summary.get("seed")),
        "error": error,
        "chemical_accuracy": error < CHEMICAL_ACCURACY,
        **counts,
        "parameters": len(circuit.get("params", [])) if circuit else summary.get("parameters"),
        "first_success": first_hit["episode"] if first_hit else None,
        # exploration rate then: 1.0 means the agent had not started learning (a random policy found it)
        "epsilon_at_first_success": first_hit.get("epsilon") if first_hit else None,
        "episodes": len(episodes),
        "seconds": summary.get("wall_seconds") if done else sum(e.get("seconds") or 0.0 for e in episodes),
        "status": _status(done, len(episodes), config),
    }


def _circuit_counts(circuit: dict[str, Any]) -> dict[str, int]:
    from qgnas.quantum import Circuit

    c = Circuit.from_dict(circuit)
    return {"gates": c.n_gates, "depth": c.depth, "cnots": c.n_cnots, "rotations": c.n_rotations}


def _status(done: bool, episodes: int, config: dict[str, Any]) -> str:
    """``running`` without a summary of every logged episode; else complete or stopped by ``--seconds``."""
    if not done:
        return "running"
    return "complete" if episodes >= int(config.get("episodes") or 0) else "stopped (time budget)"


def _eps(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| config | seed | noiseless error (Ha) | chem. acc. | gates | depth | CNOTs | rotations | params "
        "| first success (episode) | epsilon then | episodes | wall s | status |\n"
        "|---|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = [
        f"| {r['config']} | {r['seed']} | {r['error']:.2e} | {'yes' if r['chemical_accuracy'] else 'no'} "
        f"| {r['gates']} | {r['depth']} | {r['cnots']} | {r['rotations']} | {r['parameters']} "
        f"| {r['first_success'] if r['first_success'] is not None else '-'} "
        f"| {_eps(r['epsilon_at_first_success'])} | {r['episodes']} "
        f"| {r['seconds']:.0f} | {r['status']} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def by_config(rows: list[dict[str, Any]]) -> str:
    """One row per configuration: seeds that reached chemical accuracy within their budget, the median
    and range of the best noiseless errors, the first-success episodes and the exploration rate then."""
    head = (
        "| config | episodes | chemically accurate | best noiseless error (Ha): median (min-max) "
        "| first success (episode) | epsilon then | gates (median) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for config in dict.fromkeys(r["config"] for r in rows):
        group = [r for r in rows if r["config"] == config]
        errors = sorted(r["error"] for r in group)
        hits = [r for r in group if r["chemical_accuracy"]]
        firsts = ", ".join(str(r["first_success"]) for r in group if r["first_success"] is not None) or "-"
        eps = [r["epsilon_at_first_success"] for r in hits if r["epsilon_at_first_success"] is not None]
        eps_text = (
            "-" if not eps else f"{min(eps):.2f}-{max(eps):.2f}" if min(eps) != max(eps) else _eps(eps[0])
        )
        budget = "/".join(sorted({str(r["episodes"]) for r in group}))
        lines.append(
            f"| {config} | {budget} | {len(hits)}/{len(group)} | {statistics.median(errors):.2e} "
            f"({errors[0]:.1e}-{errors[-1]:.1e}) | {firsts} | {eps_text} "
            f"| {statistics.median(r['gates'] for r in group):g} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="run directories written by experiments/crlqas.py")
    ap.add_argument("--by-config", action="store_true", help="one row per configuration instead of per run")
    args = ap.parse_args(argv)
    try:
        rows = [run_row(Path(d)) for d in args.runs]
    except FileNotFoundError as exc:
        ap.error(str(exc))
    print(by_config(rows) if args.by_config else markdown(rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
