"""Summaries of ``search_gnn`` directories: one row per search, or mean ± std over seeds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import read_log, search_seconds

from .protocol import best_record, sample_std, search_log


def search_report(run_dir: str | os.PathLike, budget: int | None = None) -> dict[str, Any]:
    """Summary of one ``search_gnn`` directory, cut at the first ``budget`` evaluations if given.

    Cutting is exact: a searcher's proposals depend only on the results before them, so the first N
    evaluations of a longer run are the run a budget of N would have made with the same seed.
    """
    run_dir = Path(run_dir)
    log, meta = search_log(run_dir)
    config = meta.get("config", {})
    records = read_log(log)[: budget or None]
    ok = [r for r in records if r.result.ok]
    best = best_record(ok) if ok else None
    seconds = [r.result.seconds for r in records if r.result.seconds is not None]
    return {
        "run": str(run_dir),
        "dataset": str(config.get("task", "")).rsplit("/", 1)[-1] or None,
        "seed": meta.get("seed"),
        "searcher": config.get("searcher", log.stem.rsplit("_seed", 1)[0]),
        "sharing": bool(config.get("sharing", False)),
        "epochs": config.get("epochs"),
        "evaluations": len(records),
        "failed": len(records) - len(ok),
        "valid": best.result.objective if best else float("nan"),
        "test": best.result.metrics.get("test", float("nan")) if best else float("nan"),
        "best_index": best.index if best else None,
        "arch": best.key if best else None,
        "seconds_per_arch": float(np.mean(seconds)) if seconds else float("nan"),
        "search_seconds": search_seconds(records),
    }


def format_search_table(reports: list[dict[str, Any]]) -> str:
    """Markdown table of ``search_report`` rows."""
    head = (
        "| run | searcher | sharing | epochs | archs | valid | test | s/arch | search s | best architecture |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = [
        f"| {r['run']} | {r['searcher']} | {'on' if r['sharing'] else 'off'} | {r['epochs']} | {r['evaluations']} "
        f"| {r['valid']:.2f} | {r['test']:.2f} | {r['seconds_per_arch']:.1f} | {r['search_seconds']:.0f} "
        f"| `{(r['arch'] or '').replace('|', ' -> ')}` |"
        for r in reports
    ]
    return head + "\n".join(rows) + "\n"


def format_search_summary(reports: list[dict[str, Any]]) -> str:
    """Markdown table of ``search_report`` rows grouped by dataset, searcher, sharing and epochs:
    mean +- sample std over the group's runs (seeds) of the best-by-validation architecture's
    validation and test accuracy, and the mean seconds per architecture."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in reports:
        groups.setdefault((r.get("dataset"), r["searcher"], r["sharing"], r["epochs"]), []).append(r)
    head = (
        "| dataset | searcher | sharing | epochs | seeds | archs | valid | test | s/arch |\n"
        "|---|---|---|---:|---|---:|---:|---:|---:|\n"
    )
    rows = []
    for (dataset, searcher, sharing, epochs), rs in groups.items():
        val = np.array([r["valid"] for r in rs])
        test = np.array([r["test"] for r in rs])
        seeds = ",".join(str(r.get("seed")) for r in rs)
        archs = "/".join(sorted({str(r["evaluations"]) for r in rs}))
        rows.append(
            f"| {dataset} | {searcher} | {'on' if sharing else 'off'} | {epochs} | {seeds} | {archs} "
            f"| {val.mean():.2f} ± {sample_std(val):.2f} | {test.mean():.2f} ± {sample_std(test):.2f} "
            f"| {np.mean([r['seconds_per_arch'] for r in rs]):.1f} |"
        )
    return head + "\n".join(rows) + "\n"
