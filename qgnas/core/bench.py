"""Benchmarks: many searchers x seeds on one task -> logs, a summary table and an anytime plot.

Layout of a benchmark directory::

    DIR/bench.json                 what was run (task, searchers, budget, seeds)
    DIR/<searcher>/seed<k>.jsonl   one line per distinct evaluation (see Runner)
    DIR/<searcher>/seed<k>.meta.json
    DIR/summary.csv, summary.md    one row per searcher (mean and std over seeds)
    DIR/curves.csv                 anytime curves (incumbent's test metric per evaluation)
    DIR/anytime.png                the same as a plot, mean and spread over seeds

Statistics: the *incumbent* after t evaluations is the architecture with the best objective among the
first t (the earliest one on ties); a run's result is its incumbent at the budget, and we report its
objective and its test metric. Standard deviations are sample deviations (ddof=1) over seeds.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .parallel import EvaluationPool
from .runner import Record, Runner, read_log, search_seconds
from .task import Task

SUMMARY_COLUMNS = [
    "searcher",
    "budget",
    "seeds",
    "valid_mean",
    "valid_std",
    "test_mean",
    "test_std",
    "evaluations_mean",
    "failed",
    "seconds_mean",
]


def run_path(out_dir: str | os.PathLike, searcher: str, seed: int) -> Path:
    return Path(out_dir) / searcher / f"seed{seed}.jsonl"


def _run_args(args: tuple) -> tuple[str, int, str, int]:
    """``_run_one`` on one argument tuple: the picklable callable the pool maps over the runs."""
    return _run_one(*args)


def _run_one(
    task_factory: Callable[[], Task],
    searcher: str,
    searcher_factory: Callable,
    budget: int,
    seed: int,
    out_dir: str,
    resume: bool,
    seconds: float | None,
) -> tuple[str, int, str, int]:
    if resume:
        # A finished run has nothing to continue: skip its replay (re-asking a BO searcher for every
        # logged point refits its model each time: minutes for a run that is already complete).
        done = read_log(run_path(out_dir, searcher, seed))
        if len(done) >= budget:
            return searcher, seed, "complete", len(done)
    try:  # one thread per run: runs go in parallel as processes, and results do not depend on it
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    task = task_factory()
    runner = Runner(
        task.space,
        task.evaluator,
        searcher_factory,
        budget=budget,
        seed=seed,
        run_dir=Path(out_dir) / searcher,
        name=f"seed{seed}",
        seconds=seconds,
        config={"task": task.name, "searcher": searcher},
        progress=False,
    )
    outcome = runner.run(resume=resume)
    return searcher, seed, outcome.status, len(outcome.records)


def existing_runs(out_dir: str | os.PathLike) -> list[Path]:
    return sorted(p for p in Path(out_dir).glob("*/seed*.jsonl") if p.stat().st_size > 0)


def run_benchmark(
    task_factory: Callable[[], Task],
    searchers: dict[str, Callable],
    budget: int,
    seeds: Sequence[int],
    out_dir: str | os.PathLike,
    resume: bool = False,
    jobs: int = 1,
    seconds: float | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every searcher on every seed (``jobs`` processes in parallel), then summarise.

    ``task_factory`` and the searcher factories must be picklable when ``jobs > 1`` (top-level
    functions or ``functools.partial`` of them). Returns the summary (see ``summarize``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not resume and existing_runs(out):
        raise FileExistsError(
            f"{out} already holds runs; pass resume to continue them or choose another directory"
        )
    task = task_factory()
    (out / "bench.json").write_text(
        json.dumps(
            {
                "task": task.name,
                "searchers": list(searchers),
                "budget": budget,
                "seeds": list(seeds),
                "seconds": seconds,
                "reference": task.reference,
                "test_metric": task.test_metric,
            },
            indent=2,
        )
    )
    jobs_list = [(name, seed) for name in searchers for seed in seeds]
    args = [(task_factory, n, searchers[n], budget, s, str(out), resume, seconds) for n, s in jobs_list]

    import sys

    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(args), desc=f"bench {task.name}", unit="run", disable=not (progress and sys.stderr.isatty())
    )
    # One shared pool (spawned workers that end with a killed benchmark); jobs=1 runs in this process.
    with bar, EvaluationPool(_run_args, jobs) as pool:
        for _ in pool.map(args):
            bar.update(1)
    return summarize(out, task=task, budget=budget)


@dataclass
class RunCurve:
    searcher: str
    seed: int
    objective: np.ndarray  # incumbent objective after each evaluation
    test: np.ndarray  # incumbent test metric after each evaluation (nan when absent)
    failed: int
    seconds: float


def incumbent_curve(records: Sequence[Record], test_metric: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Best objective so far, and the test metric of that incumbent, after each evaluation."""
    obj = np.full(len(records), -np.inf)
    test = np.full(len(records), np.nan)
    best, best_test = -math.inf, math.nan
    for i, r in enumerate(records):
        if r.result.ok and r.result.objective > best:  # strict: the earliest wins ties
            best = r.result.objective
            value = r.result.metrics.get(test_metric) if test_metric else None
            best_test = math.nan if value is None else float(value)
        obj[i], test[i] = best, best_test
    return obj, test


def load_curves(out_dir: str | os.PathLike, budget: int, test_metric: str | None = "test") -> list[RunCurve]:
    curves = []
    for path in existing_runs(out_dir):
        records = read_log(path)[:budget]
        if not records:
            continue
        obj, test = incumbent_curve(records, test_metric)
        curves.append(
            RunCurve(
                searcher=path.parent.name,
                seed=int(path.stem.removeprefix("seed")),
                objective=obj,
                test=test,
                failed=sum(not r.result.ok for r in records),
                seconds=search_seconds(records),
            )
        )
    return curves


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) over seeds; std 0 for one value, both nan for none."""
    a = np.asarray(values, dtype=float)
    if len(a) == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def summarize(
    out_dir: str | os.PathLike, task: Task | None = None, budget: int | None = None
) -> dict[str, Any]:
    """Recompute the summary of a benchmark directory from its logs alone and write the tables and
    the plot. Searchers keep the order in which ``bench.json`` lists them."""
    out = Path(out_dir)
    info = json.loads((out / "bench.json").read_text()) if (out / "bench.json").exists() else {}
    budget = int(budget or info.get("budget") or 0) or None
    test_metric = task.test_metric if task is not None else info.get("test_metric", "test")
    reference = task.reference if task is not None else info.get("reference", {})
    curves = load_curves(out, budget or 10**12, test_metric)
    order = list(info.get("searchers", [])) + sorted(
        {c.searcher for c in curves} - set(info.get("searchers", []))
    )
    rows = []
    for name in order:
        runs = sorted((c for c in curves if c.searcher == name), key=lambda c: c.seed)
        if not runs:
            continue
        v_mean, v_std = mean_std([c.objective[-1] for c in runs])
        t_mean, t_std = mean_std([c.test[-1] for c in runs])
        rows.append(
            {
                "searcher": name,
                "budget": budget if budget is not None else max(len(c.objective) for c in runs),
                "seeds": len(runs),
                "valid_mean": v_mean,
                "valid_std": v_std,
                "test_mean": t_mean,
                "test_std": t_std,
                "evaluations_mean": float(np.mean([len(c.objective) for c in runs])),
                "failed": int(sum(c.failed for c in runs)),
                "seconds_mean": float(np.mean([c.seconds for c in runs])),
            }
        )
    _write_csv(out / "summary.csv", rows)
    (out / "summary.md").write_text(markdown_table(rows, task_name=info.get("task", ""), reference=reference))
    _write_curves(out / "curves.csv", order, curves)
    plot_anytime(out / "anytime.png", order, curves, title=info.get("task", ""), reference=reference)
    return {"rows": rows, "curves": curves}


def _fmt(x: float, digits: int = 2) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in r.items()})


def markdown_table(
    rows: list[dict[str, Any]], task_name: str = "", reference: dict[str, float] | None = None
) -> str:
    lines = []
    if task_name:
        lines.append(f"**{task_name}**\n")
    lines.append("| searcher | budget | seeds | valid (mean ± std) | test (mean ± std) | failed | s/run |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lines.append(
            f"| {r['searcher']} | {r['budget']} | {r['seeds']} | {_fmt(r['valid_mean'])} ± {_fmt(r['valid_std'])} "
            f"| {_fmt(r['test_mean'])} ± {_fmt(r['test_std'])} | {r['failed']} | {_fmt(r['seconds_mean'], 1)} |"
        )
    if reference:
        lines.append("")
        lines.append("Reference: " + ", ".join(f"{k} {_fmt(float(v))}" for k, v in reference.items()))
    return "\n".join(lines) + "\n"


def _stacked(curves: list[RunCurve], name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The searcher's runs as (test, objective) arrays of shape (runs, evaluations), cut to the shortest
    run; None when it has no runs."""
    runs = [c for c in curves if c.searcher == name]
    if not runs:
        return None
    n = min(len(c.test) for c in runs)
    return np.stack([c.test[:n] for c in runs]), np.stack([c.objective[:n] for c in runs])


def _write_curves(path: Path, order: list[str], curves: list[RunCurve]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["searcher", "evaluations", "test_mean", "test_std", "valid_mean", "valid_std", "runs"])
        for name in order:
            stacked = _stacked(curves, name)
            if stacked is None:
                continue
            test, obj = stacked
            runs, n = test.shape
            for t in range(n):
                tm, ts = mean_std(test[:, t])
                vm, vs = mean_std(obj[:, t])
                w.writerow([name, t + 1, f"{tm:.6f}", f"{ts:.6f}", f"{vm:.6f}", f"{vs:.6f}", runs])


def plot_anytime(
    path: Path,
    order: list[str],
    curves: list[RunCurve],
    title: str = "",
    reference: dict[str, float] | None = None,
) -> None:
    """Incumbent's test metric vs evaluations: mean over seeds, shaded +- one std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in order:
        stacked = _stacked(curves, name)
        if stacked is None:
            continue
        test = stacked[0]
        n = test.shape[1]
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(test, axis=0) if np.isfinite(test).any() else np.full(n, np.nan)
            std = np.nanstd(test, axis=0)
        x = np.arange(1, n + 1)
        (line,) = ax.plot(x, mean, label=f"{name} ({test.shape[0]} seeds)")
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15)
    if reference and "test_of_best_valid" in reference:
        ax.axhline(reference["test_of_best_valid"], color="k", ls="--", lw=1, label="oracle (best valid)")
    if ax.has_data():  # (a log axis over no data at all cannot be laid out)
        ax.set_xscale("log")
    ax.set_xlabel("architectures evaluated")
    ax.set_ylabel("test metric of the incumbent (selected on validation)")
    ax.set_title(title or "anytime performance")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
