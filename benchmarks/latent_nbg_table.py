"""Sample-efficiency table of the latent searchers on NAS-Bench-Graph, from `qgnas bench` directories.

    python benchmarks/latent_nbg_table.py runs/latent-nbg/cora runs/latent-nbg/citeseer ... \\
        --budgets 50,100,200,500 --target evolution@500 --within 150 --out benchmarks/results/DIR

For each dataset (one or several `qgnas bench nas-bench-graph` directories of it) it prints, per searcher, the mean
and standard deviation over seeds of the test accuracy of the incumbent chosen on validation after
each budget, and the first number of evaluations at which gae-bo's mean incumbent test accuracy reaches
the target (regularized evolution's mean at budget 500 by default). Everything is recomputed from
the run logs (`qgnas.core.bench.load_curves`); it writes `latent_nbg.md` and `latent_nbg.csv` and copies
each dataset's `summary.md`, `curves.csv` and `anytime.png` beside them.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import numpy as np

from qgnas.core.bench import load_curves, mean_std


def dataset_rows(directories: list[Path], budgets: list[int]) -> tuple[dict[str, dict], list[str]]:
    """Per searcher: seeds, evaluations, mean incumbent test curve and (mean, std) at each budget, from
    one or several bench directories of the same dataset (searchers in the order they list them)."""
    rows: dict[str, dict] = {}
    order: list[str] = []
    for directory in directories:
        info = json.loads((directory / "bench.json").read_text())
        curves = load_curves(directory, max(budgets))
        for name in info["searchers"]:
            runs = [c for c in curves if c.searcher == name]
            if not runs or name in rows:
                continue
            n = min(len(c.test) for c in runs)
            test = np.stack([c.test[:n] for c in runs])
            valid = np.stack([c.objective[:n] for c in runs])
            row = {
                "seeds": len(runs),
                "evaluations": n,
                "mean_curve": test.mean(axis=0),
                "valid_curve": valid.mean(axis=0),
            }
            for b in budgets:
                row[b] = mean_std(test[:, b - 1]) if b <= n else (float("nan"), float("nan"))
            rows[name] = row
            order.append(name)
    return rows, order


def group_by_dataset(directories: list[Path]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for directory in directories:
        task = json.loads((directory / "bench.json").read_text())["task"]
        groups.setdefault(task.split("/")[-1], []).append(directory)
    return groups


def first_reach(curve: np.ndarray, target: float) -> int | None:
    hits = np.flatnonzero(curve >= target - 1e-9)
    return int(hits[0]) + 1 if len(hits) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--budgets", default="50,100,200,500")
    parser.add_argument(
        "--target", default="evolution@500", help="SEARCHER@BUDGET whose mean test is the target"
    )
    parser.add_argument("--searcher", default="gae-bo", help="the searcher whose evaluations to target count")
    parser.add_argument("--within", type=int, default=150)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    target_name, target_budget = args.target.split("@")
    target_budget = int(target_budget)

    lines = []
    records = []
    reached = 0
    header = "| dataset | searcher | seeds | " + " | ".join(f"test @ {b}" for b in budgets) + " |"
    lines += [header, "|---|---|---:|" + "---:|" * len(budgets)]
    summary = [
        f"| dataset | {target_name} @ {target_budget} (target) | {args.searcher}: evaluations to the target | within {args.within}? | same on validation: target, evaluations |",
        "|---|---:|---:|:---:|---:|",
    ]
    groups = group_by_dataset(args.dirs)
    for dataset, directories in groups.items():
        rows, order = dataset_rows(directories, budgets)
        for name in order:
            if name not in rows:
                continue
            r = rows[name]
            cells = " | ".join(f"{r[b][0]:.2f} ± {r[b][1]:.2f}" for b in budgets)
            lines.append(f"| {dataset} | {name} | {r['seeds']} | {cells} |")
            records.append(
                {
                    "dataset": dataset,
                    "searcher": name,
                    "seeds": r["seeds"],
                    **{f"test_mean@{b}": r[b][0] for b in budgets},
                    **{f"test_std@{b}": r[b][1] for b in budgets},
                }
            )
        if target_name in rows and args.searcher in rows:
            target = rows[target_name][target_budget][0]
            hit = first_reach(rows[args.searcher]["mean_curve"], target)
            ok = hit is not None and hit <= args.within
            reached += ok
            valid_target = float(rows[target_name]["valid_curve"][target_budget - 1])
            valid_hit = first_reach(rows[args.searcher]["valid_curve"], valid_target)
            summary.append(
                f"| {dataset} | {target:.2f} | {hit if hit is not None else 'not reached'} | {'yes' if ok else 'no'} "
                f"| {valid_target:.2f}, {valid_hit if valid_hit is not None else 'not reached'} |"
            )
    summary.append(
        f"\n{args.searcher} reaches the target within {args.within} evaluations on {reached} of "
        f"{len(groups)} datasets."
    )
    text = "\n".join(lines) + "\n\n" + "\n".join(summary) + "\n"
    print(text, end="")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "latent_nbg.md").write_text(text)
        with open(args.out / "latent_nbg.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(records[0]))
            w.writeheader()
            w.writerows(records)
        for directory in args.dirs:
            dataset = json.loads((directory / "bench.json").read_text())["task"].split("/")[-1]
            for name in ("summary.md", "curves.csv", "anytime.png"):
                if (directory / name).exists():
                    shutil.copy(directory / name, args.out / f"{dataset}_{name}")


if __name__ == "__main__":
    main()
