"""How far the learned graphs' edge logits moved, and whether their gradients agreed from step to step.

    python benchmarks/commformer_edges.py runs/commformer-suite [--out FILE]

Reads the final checkpoint of every learned-graph run of benchmarks/commformer_suite.py (checkpoints
stay under ``runs/``; the printed table is what gets committed). Per run: how much of its budget it has
trained, the edge optimiser's steps and learning rate, the largest ``|logit|`` reached (logits start at
0), the most that many Adam steps could move one logit (``lr x steps``, reached only when every step's
gradient has the same sign), and the size of Adam's last step on each off-diagonal logit in units of
lr, ``|m^| / sqrt(v^)`` (bias-corrected moments): near 1 when the recent gradients of a logit agree in
sign, near 0 when they are noise that cancels. A diagnostic of why a learned graph ends where it does,
not a result of its own.

A second table follows the temporal gate of every gated run: the fraction of (agent, step) pairs with
communication open in training, read from ``curves.csv`` at a few updates, to compare how fast the gate
closes under different penalty weights.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

import torch


def edge_stats(checkpoint: Path) -> dict[str, float | str] | None:
    """The table's numbers for one run, or None when the run has no learned edges."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    edges = state["optimizers"].get("edges")
    if not edges or not edges["state"]:
        return None
    adam = edges["state"][0]
    logits = state["policy"]["actor.graph.edge_logits"]
    off = ~torch.eye(logits.shape[0], dtype=torch.bool)
    steps, group = int(adam["step"]), edges["param_groups"][0]
    lr, (beta1, beta2) = float(group["lr"]), group["betas"]
    m_hat = adam["exp_avg"] / (1 - beta1**steps)
    v_hat = adam["exp_avg_sq"] / (1 - beta2**steps)
    agreement = (m_hat.abs() / (v_hat.sqrt() + 1e-12))[off]
    return {
        "trained": f"{state['env_steps'] / state['config']['steps']:.0%}",
        "steps": steps,
        "lr": lr,
        "max_logit": float(logits[off].abs().max()),
        "reach": lr * steps,
        "agreement_median": statistics.median(agreement.tolist()),
        "agreement_max": float(agreement.max()),
    }


def table(root: Path) -> str:
    lines = [
        "| run | trained | edge steps | lr | max abs logit | lr x steps | last step / lr, median | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for checkpoint in sorted(root.glob("*/learned-*/seed*/checkpoint.pt")):
        s = edge_stats(checkpoint)
        if s is None:
            continue
        name = checkpoint.parent.relative_to(root)
        lines.append(
            f"| {name} | {s['trained']} | {s['steps']} | {s['lr']:g} | {s['max_logit']:.4f} | {s['reach']:.4f} | "
            f"{s['agreement_median']:.3f} | {s['agreement_max']:.3f} |"
        )
    return "\n".join(lines) + "\n"


GATE_UPDATES = (1, 10, 25, 50, 100, 250)


def read_curves(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def gate_table(root: Path) -> str:
    """Open fraction of each gated run in training, at ``GATE_UPDATES`` and at its last update."""
    head = " | ".join(f"update {u}" for u in GATE_UPDATES)
    lines = [f"| run | {head} | last (update) |", "|---|" + "---:|" * (len(GATE_UPDATES) + 1)]
    for curves in sorted(root.glob("*/learned-*gate*/seed*/curves.csv")):
        opened = {int(r["update"]): float(r["gate_open_fraction"]) for r in read_curves(curves)}
        if not opened:
            continue
        cells = [f"{opened[u]:.3f}" if u in opened else "-" for u in GATE_UPDATES]
        last = max(opened)
        lines.append(
            f"| {curves.parent.relative_to(root)} | {' | '.join(cells)} | {opened[last]:.3f} ({last}) |"
        )
    return "\n".join(lines) + "\n"


def gate_plot(root: Path, out: Path) -> None:
    """Open fraction and training success against environment steps, one line per gated run, one
    column per task; no-gate runs of the same task (``learned-s0.4``) drawn grey for reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({c.parents[2].name for c in root.glob("*/learned-*gate*/seed*/curves.csv")})
    if not tasks:
        raise SystemExit(f"no gated run under {root}: expected <task>/learned-*gate*/seed*/curves.csv")
    fig, axes = plt.subplots(2, len(tasks), figsize=(5 * len(tasks), 6), squeeze=False, sharex="col")
    for col, task in enumerate(tasks):
        runs = sorted((root / task).glob("learned-*gate*/seed*/curves.csv"))
        reference = sorted((root / task).glob("learned-s0.4/seed*/curves.csv"))
        names = sorted({c.parents[1].name for c in runs})
        for curves in reference + runs:
            rows = read_curves(curves)
            steps = [int(r["env_steps"]) for r in rows]
            name = curves.parents[1].name
            style = {"color": "0.7", "lw": 0.8} if curves in reference else {"color": f"C{names.index(name)}"}
            label = name if curves.parent.name == "seed0" else None
            axes[0, col].plot(steps, [float(r["gate_open_fraction"]) for r in rows], label=label, **style)
            axes[1, col].plot(steps, [float(r["success_rate"]) for r in rows], **style)
        axes[0, col].set_title(task)
        axes[0, col].set_ylabel("communication open (training)")
        axes[1, col].set_ylabel("success rate (training)")
        axes[1, col].set_xlabel("environment steps")
        axes[0, col].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", type=Path, help="the suite's run directories (its --out)")
    p.add_argument("--out", type=Path, help="also write the table here")
    p.add_argument("--gate-plot", type=Path, help="also plot the gated runs' open fraction and success here")
    args = p.parse_args(argv)
    if not args.root.is_dir():
        raise SystemExit(
            f"{args.root} is not a directory: expected the suite's --out (runs/commformer-suite)"
        )
    text = (
        table(args.root)
        + "\nThe temporal gate in training: fraction of (agent, step) pairs open\n\n"
        + gate_table(args.root)
    )
    print(text, end="")
    if args.out:
        args.out.write_text(text)
    if args.gate_plot:
        gate_plot(args.root, args.gate_plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
