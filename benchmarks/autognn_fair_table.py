"""The table of the Auto-GNN fair protocol (``benchmarks/autognn_fair.py``), read from its run directory.

    python benchmarks/autognn_fair_table.py runs/autognn-fair

Per dataset: each searcher's mean ± std over its search seeds (not the best seed) of the validation
and test accuracy its selected architecture retrains to on the final seeds; the baselines and the
oracle of the visited architectures (the best retrained test among the visited architectures with the
best search-time test), each mean ± std over the final seeds; then every search seed's row, the seeds
that every training used, checked disjoint from the run's own files, and the goal: a searcher whose
mean validation is at least the better baseline's on both datasets, with its mean test at most 0.3
below that baseline's. Steps not yet run show as pending; the table can be printed at any time.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

NAMES = {"gat_8x8": "GAT 8x8", "gcn_1x16": "GCN 1x16"}


def _read(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _mean_std(values: list[float]) -> str:
    if not values:
        return "pending"
    if len(values) == 1:
        return f"{values[0]:.2f} (1 seed)"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def search_runs(run: Path, plan: dict[str, Any], dataset: str, searcher: str) -> list[dict[str, Any]]:
    """One row per search seed: what its search, selection and final retraining wrote (None: pending)."""
    rows = []
    for seed in plan["seeds"]["search"]:
        run_dir = run / dataset / searcher / f"seed{seed}"
        rows.append(
            {
                "seed": seed,
                "dir": run_dir,
                "best": _read(run_dir / "best.json"),
                "selected": _read(run_dir / "selected.json"),
                "final": _read(run_dir / "selected.final.json"),
            }
        )
    return rows


def oracle(run: Path, dataset: str) -> dict[str, Any] | None:
    """The oracle candidate with the best retrained test accuracy, with its architecture file's fields."""
    finals = []
    for path in sorted((run / dataset / "oracle").glob("rank*.final.json")):
        report = json.loads(path.read_text())
        entry = json.loads(path.with_name(path.name.replace(".final", "")).read_text())
        finals.append(dict(report, key=entry["key"], search_test=entry["search_test"]))
    return max(finals, key=lambda r: r["test_mean"]) if finals else None


def dataset_table(run: Path, plan: dict[str, Any], dataset: str) -> tuple[list[str], dict[str, Any]]:
    """Markdown lines of one dataset and the figures the goal needs (None where a step is pending)."""
    lines = [
        f"## {dataset}",
        "",
        "| | runs | architectures searched (mean) | valid | test |",
        "|---|---:|---:|---:|---:|",
    ]
    figures: dict[str, Any] = {"searchers": {}, "baselines": {}}
    for searcher in plan["searchers"]:
        rows = search_runs(run, plan, dataset, searcher)
        done = [r for r in rows if r["final"] is not None]
        valid = [r["final"]["valid_mean"] for r in done]
        test = [r["final"]["test_mean"] for r in done]
        searched = [r["best"]["evaluations"] for r in rows if r["best"] is not None]
        size = f"{statistics.mean(searched):.0f}" if searched else "-"
        lines.append(
            f"| {searcher}, mean ± std over search seeds | {len(done)} of {len(rows)} | {size} "
            f"| {_mean_std(valid)} | {_mean_std(test)} |"
        )
        complete = len(done) == len(rows)
        figures["searchers"][searcher] = (statistics.mean(valid), statistics.mean(test)) if complete else None
    for name in plan["baselines"]:
        report = _read(run / dataset / "baselines" / f"{name}.final.json")
        figures["baselines"][name] = None if report is None else (report["valid_mean"], report["test_mean"])
        lines.append(f"| {NAMES.get(name, name)}, mean ± std over final seeds | | | {_fmt(report)} |")
    best = oracle(run, dataset)
    label = f"oracle of the visited (top {plan['oracle_top']} by search test, best retrained)"
    if best is not None:
        label += f": `{best['key'].replace('|', ' -> ')}`"
    lines.append(f"| {label} | | | {_fmt(best)} |")
    return lines, figures


def _fmt(report: dict[str, Any] | None) -> str:
    if report is None:
        return "pending | pending"
    return f"{report['valid_mean']:.2f} ± {report['valid_std']:.2f} | {report['test_mean']:.2f} ± {report['test_std']:.2f}"


def seed_rows(run: Path, plan: dict[str, Any], dataset: str) -> list[str]:
    lines = [
        "| searcher | search seed | architectures | search s | selected (its selection valid) | valid | test |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for searcher in plan["searchers"]:
        for r in search_runs(run, plan, dataset, searcher):
            best, sel, final = r["best"], r["selected"], r["final"]
            size = "pending | -" if best is None else f"{best['evaluations']} | {best['search_seconds']:.0f}"
            chosen = "pending" if sel is None else f"`{sel['key'].replace('|', ' -> ')}` ({sel['valid']:.2f})"
            lines.append(f"| {searcher} | {r['seed']} | {size} | {chosen} | {_fmt(final)} |")
    return lines


def used_seeds(run: Path) -> dict[str, set[int]]:
    """The training seeds of every step, read from the run's files (not from the plan)."""
    search: set[int] = set()
    selection: set[int] = set()
    final: set[int] = set()
    for meta_path in run.glob("*/*/seed*/*_seed*.meta.json"):
        meta = json.loads(meta_path.read_text())
        first, repeats = int(meta["seed"]), int(meta.get("config", {}).get("repeats", 1))
        search.update(range(first, first + repeats))
    for path in run.glob("*/*/seed*/selection.jsonl"):
        selection.update(
            int(json.loads(line)["seed"]) for line in path.read_text().splitlines() if line.strip()
        )
    for path in run.glob("*/*/*.final.json"):
        final.update(range(json.loads(path.read_text())["seeds"]))  # train_gnn: seeds 0..N-1
    for path in run.glob("*/*/seed*/*.final.json"):
        final.update(range(json.loads(path.read_text())["seeds"]))
    return {"search": search, "selection": selection, "final": final}


def seed_check(run: Path) -> tuple[str, bool]:
    seeds = used_seeds(run)
    shared = {
        "final and search": seeds["final"] & seeds["search"],
        "final and selection": seeds["final"] & seeds["selection"],
        "search and selection": seeds["search"] & seeds["selection"],
    }
    listed = "; ".join(f"{k} {_ranges(sorted(v))}" for k, v in seeds.items())
    bad = {k: sorted(v) for k, v in shared.items() if v}
    if bad:
        return f"training seeds used ({listed}): NOT DISJOINT, shared {bad}", False
    return f"training seeds used ({listed}): disjoint, checked from the run files", True


def _ranges(values: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    if not values:
        return "none yet"
    runs = [[values[0], values[0]]]
    for v in values[1:]:
        if v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def goal_lines(plan: dict[str, Any], figures: dict[str, dict[str, Any]]) -> list[str]:
    """Per searcher: met or missed, and by how much against the better baseline (by validation)."""
    margin = plan["goal_test_margin"]
    lines = [
        f"Goal: mean validation >= the better baseline's on every dataset, mean test >= its test - {margin}.",
        "",
    ]
    for searcher in plan["searchers"]:
        parts, verdicts = [], []
        for dataset, fig in figures.items():
            ours = fig["searchers"][searcher]
            baselines = fig["baselines"]
            if ours is None or None in baselines.values():
                parts.append(f"{dataset}: pending")
                verdicts.append(None)
                continue
            name, (b_valid, b_test) = max(baselines.items(), key=lambda kv: kv[1][0])
            d_valid, d_test = ours[0] - b_valid, ours[1] - b_test
            verdicts.append(d_valid >= 0 and d_test >= -margin)
            parts.append(
                f"{dataset}: valid {d_valid:+.2f}, test {d_test:+.2f} against {NAMES.get(name, name)}"
                f" ({'met' if verdicts[-1] else 'missed'})"
            )
        verdict = "goal MISSED" if False in verdicts else "pending" if None in verdicts else "goal MET"
        lines.append(f"- {searcher}: {verdict}; " + "; ".join(parts))
    return lines


def render(run: Path) -> tuple[str, bool]:
    """The whole report, and whether the seeds are disjoint."""
    plan = json.loads((run / "plan.json").read_text())
    p = plan["protocol"]
    head = [
        f"# Auto-GNN fair protocol: {run}",
        "",
        f"Searchers {', '.join(plan['searchers'])}; search seeds {_ranges(plan['seeds']['search'])}, each at "
        f"most {plan['search_seconds']:.0f} s of search with {plan['workers']} worker(s); selection: top "
        f"{plan['select_top']} of each search on {len(next(iter(plan['seeds']['selection'].values())))} fresh "
        "seeds; final retraining on seeds "
        f"{_ranges(plan['seeds']['final'])}. Every training: at most {p['epochs']} epochs, patience "
        f"{p['patience']}, {p['selection']} epoch selection, value dropout {p['value_dropout']}. Accuracy in %.",
        "",
    ]
    figures, body, per_seed = {}, [], []
    for dataset in plan["datasets"]:
        lines, figures[dataset] = dataset_table(run, plan, dataset)
        body += lines + [""]
        per_seed += [f"### {dataset}, every search seed", "", *seed_rows(run, plan, dataset), ""]
    seeds, ok = seed_check(run)
    text = "\n".join(head + body + per_seed + [seeds, ""] + goal_lines(plan, figures))
    return text + "\n", ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, nargs="?", default=Path("runs/autognn-fair"), help="run directory")
    args = parser.parse_args()
    if not (args.run / "plan.json").exists():
        raise SystemExit(f"{args.run} holds no plan.json (start benchmarks/autognn_fair.py first)")
    text, ok = render(args.run)
    print(text, end="")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
