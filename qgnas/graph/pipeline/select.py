"""``select_gnn``: re-train a search's top architectures with fresh seeds and keep the best mean
validation accuracy, because the best of many single-seed scores is partly the luckiest draw."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core.io import append_jsonl, atomic_write_json, read_jsonl

from .protocol import Training, fresh_seeds, run_trainings, sample_std, search_log, training_protocol


def _selection_source(run_dir: Path, top: int) -> dict[str, Any]:
    """One search directory's part of a selection: its dataset, protocol, seeds and top candidates."""
    from qgnas.core import read_log

    if not run_dir.is_dir():
        raise FileNotFoundError(f"search directory {run_dir} does not exist")
    log, meta = search_log(run_dir)
    config = meta.get("config", {})
    task = str(config.get("task", ""))
    if not task.startswith("autognn/"):
        raise ValueError(f"{log} is not a `qgnas search gnn` log (task {task!r})")
    ok = [r for r in read_log(log) if r.result.ok]
    if not ok:
        raise ValueError(f"{log} has no successful evaluation to select from")
    return {
        "dir": run_dir,
        "log": log,
        "meta": meta,
        "dataset": task.split("/", 1)[1],
        "layers": int(config.get("layers", 2)),
        "protocol": training_protocol(config),
        "evaluations": len(ok),
        "ranked": sorted(ok, key=lambda r: (-r.result.objective, r.index))[:top],
    }


def _agreed(sources: list[dict[str, Any]], field: str) -> Any:
    """The value of ``field`` that every search shares; an error naming each search's value if not."""
    values = [s[field] for s in sources]
    if any(v != values[0] for v in values[1:]):
        found = ", ".join(f"{s['dir']}: {s[field]}" for s in sources)
        raise ValueError(f"searches selected together must share their {field}; found {found}")
    return values[0]


def _candidates_by_key(sources: list[dict[str, Any]]) -> dict[str, Any]:
    """Each search's top records by key; an architecture found twice keeps its better search score."""
    ranked: dict[str, Any] = {}
    for source in sources:
        for r in source["ranked"]:
            if r.key not in ranked or r.result.objective > ranked[r.key].result.objective:
                ranked[r.key] = r
    return ranked


def _train_missing(
    path: Path,
    ranked: dict[str, Any],
    fresh: list[int],
    training: Training,
    space: Any,
    workers: int,
    progress: bool,
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every ``(key, seed)`` row of ``selection.jsonl``, training and appending the missing ones."""
    from tqdm.auto import tqdm

    # a torn last line from a kill is cut off (that training is redone) before appending
    done = {(row["key"], int(row["seed"])): row for row in read_jsonl(path, repair=True)}
    todo = [(r, s) for r in ranked.values() for s in fresh if (r.key, s) not in done]
    bar = tqdm(total=len(todo), desc="select", unit="run", disable=not (progress and sys.stderr.isatty()))
    jobs = [(space.from_json(record.arch), seed) for record, seed in todo]
    with path.open("a") as fh, bar:
        for i, res in run_trainings(training, jobs, workers):
            record, seed = todo[i]
            row = {
                "key": record.key,
                "seed": seed,
                "valid": 100.0 * res.val_acc,
                "test": 100.0 * res.test_acc,
                "seconds": res.seconds,
            }
            append_jsonl(fh, row)
            done[(record.key, seed)] = row
            bar.update(1)
    return done


def _candidate(record: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    val, test = np.array([r["valid"] for r in rows]), np.array([r["test"] for r in rows])
    return {
        "key": record.key,
        "arch": record.arch,
        "search_valid": record.result.objective,
        "valid_mean": float(val.mean()),
        "valid_std": sample_std(val),
        "test_mean": float(test.mean()),
        "test_std": sample_std(test),
        "seconds": float(sum(r["seconds"] for r in rows)),
    }


def _selection_report(
    sources: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    fresh: list[int],
    top: int,
    protocol: dict[str, Any],
    dataset: str,
) -> dict[str, Any]:
    chosen = max(candidates, key=lambda c: c["valid_mean"])  # max keeps the earlier (better-ranked) on ties
    config = sources[0]["meta"].get("config", {})
    evaluations = sum(s["evaluations"] for s in sources)
    listed = (
        f"the top {len(candidates)} of {evaluations} searched architectures"
        if len(sources) == 1
        else f"the top {top} of each of {len(sources)} searches ({len(candidates)} candidates, "
        f"{evaluations} searched architectures)"
    )
    report = {
        "dataset": dataset,
        "space": config.get("space"),
        "searcher": config.get("searcher"),
        "seed": int(sources[0]["meta"].get("seed", 0)),
        "sharing": bool(config.get("sharing", False)),
        "arch": chosen["arch"],
        "key": chosen["key"],
        "valid": chosen["valid_mean"],
        "test": chosen["test_mean"],
        "selected_by": f"mean validation accuracy over seeds {fresh[0]}..{fresh[-1]} of {listed}",
        "candidates": candidates,
        "evaluations": evaluations,
        "selection_seconds": float(sum(c["seconds"] for c in candidates)),
        "protocol": protocol,
        "log": str(sources[0]["log"]),
    }
    if len(sources) > 1:
        report["searches"] = [
            {"log": str(s["log"]), "seed": int(s["meta"].get("seed", 0)), "evaluations": s["evaluations"]}
            for s in sources
        ]
    return report


def select_gnn(
    run_dir: str | os.PathLike | Sequence[str | os.PathLike],
    top: int = 5,
    seeds: int = 3,
    data_root: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
    out: str | os.PathLike | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Re-train a search's ``top`` architectures (by validation) with ``seeds`` fresh seeds; keep the
    best *mean* validation accuracy; write ``selected.json``.

    Why: a search trains each architecture once, and the maximum of many single-seed validation
    accuracies (500 nodes on Planetoid) is biased upwards: the winner is partly the luckiest draw.
    Averaging fresh seeds over a short list removes most of that luck. The search's own evaluation is
    not in the average (it is the draw that put the candidate on the list), and test accuracy is
    recorded but never used to choose. The fresh seeds are the ``seeds`` after the search's own ones,
    with the search's training protocol (epochs, patience, selection rule, value dropout). Every
    training is appended to ``selection.jsonl``, so a killed selection resumes where it stopped.

    ``run_dir`` may also be several search directories (independent searches of one dataset under one
    protocol, e.g. with different search seeds): the list is then the ``top`` of *each* search (an
    architecture found twice counts once), the fresh seeds come after every search's own, and the
    files go to ``out``, which is then required (with one directory, ``out`` defaults to it).

    ``workers`` trainings run at once, each in its own process; the results do not depend on it.

    Returns:
        The content of ``selected.json``: the chosen architecture, its mean and std of validation and
        test accuracy (%) over the fresh seeds, every candidate's figures, and the selection's time
        (``selection_seconds``: the trainings' seconds summed, to add to the search's for the total
        search cost; with several workers the wall time is shorter).
    """
    from qgnas.graph.autognn_space import AutoGNNSpace
    from qgnas.graph.datasets import load_planetoid

    if top < 1 or seeds < 1:
        raise ValueError(f"top and seeds must be positive integers, got top={top}, seeds={seeds}")
    dirs = [Path(run_dir)] if isinstance(run_dir, str | os.PathLike) else [Path(d) for d in run_dir]
    if not dirs or len(set(dirs)) != len(dirs):
        raise ValueError(f"give one or more distinct search directories, got {[str(d) for d in dirs]}")
    if out is None and len(dirs) > 1:
        raise ValueError("selecting across several searches needs an output directory (out=, --out)")
    out_dir = Path(out) if out is not None else dirs[0]
    sources = [_selection_source(d, top) for d in dirs]
    dataset, protocol = _agreed(sources, "dataset"), _agreed(sources, "protocol")
    space = AutoGNNSpace(_agreed(sources, "layers"))
    ranked = _candidates_by_key(sources)
    load_planetoid(dataset, data_root)  # a missing dataset fails here, before anything is written

    out_dir.mkdir(parents=True, exist_ok=True)
    fresh = max((fresh_seeds(s["meta"], seeds) for s in sources), key=lambda f: f[0])
    training = Training(
        dataset, None if data_root is None else str(data_root), dict(device=device, **protocol)
    )
    done = _train_missing(out_dir / "selection.jsonl", ranked, fresh, training, space, workers, progress)
    candidates = [_candidate(r, [done[(r.key, s)] for s in fresh]) for r in ranked.values()]
    report = _selection_report(sources, candidates, fresh, top, protocol, dataset)
    atomic_write_json(out_dir / "selected.json", report)
    return report


def format_selection(report: dict[str, Any]) -> str:
    """Markdown table of a ``select_gnn`` report, the chosen row marked."""
    lines = [
        f"{report['dataset']}: {report['selected_by']}",
        "",
        "| candidate | search valid | valid (mean ± std) | test (mean ± std) | s |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in report["candidates"]:
        mark = " **(selected)**" if c["key"] == report["key"] else ""
        lines.append(
            f"| `{c['key'].replace('|', ' -> ')}`{mark} | {c['search_valid']:.2f} "
            f"| {c['valid_mean']:.2f} ± {c['valid_std']:.2f} | {c['test_mean']:.2f} ± {c['test_std']:.2f} "
            f"| {c['seconds']:.0f} |"
        )
    lines.append(
        f"\nselection time {report['selection_seconds']:.0f} s of training (summed over the trainings); "
        "written to selected.json"
    )
    return "\n".join(lines) + "\n"
