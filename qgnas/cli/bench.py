"""``qgnas bench`` (searchers x seeds on a task -> tables and a plot) and ``qgnas summarize``."""

from __future__ import annotations

import argparse
import functools
import os
from pathlib import Path

from . import quantum
from .common import (
    UsageError,
    check_out_dir,
    latent_options,
    parse_searchers,
    positive_float,
    positive_int,
    refuse_existing_runs,
)

BENCH_TASKS = ("nas-bench-graph", "quantum")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="benchmark searchers x seeds on a task; writes tables and a plot")
    bench.add_argument("task", help=f"benchmark task; allowed: {', '.join(BENCH_TASKS)}")
    bench.add_argument("--dataset", default="cora", help="dataset of the task (nas-bench-graph: cora, ...)")
    bench.add_argument(
        "--searchers", default="random,evolution,reinforce,bo", help="comma-separated searcher names"
    )
    bench.add_argument(
        "--budget",
        type=positive_int("--budget"),
        default=100,
        help="distinct architectures evaluated per run",
    )
    bench.add_argument(
        "--seeds", type=positive_int("--seeds"), default=5, help="runs per searcher (seeds 0..N-1)"
    )
    bench.add_argument(
        "--seconds", type=positive_float("--seconds"), default=None, help="optional wall-clock budget per run"
    )
    bench.add_argument(
        "--out", required=True, help="benchmark directory (logs, summary.csv, summary.md, PNG)"
    )
    bench.add_argument("--resume", action="store_true", help="continue the runs logged in --out")
    bench.add_argument(
        "--jobs",
        type=positive_int("--jobs"),
        default=None,
        help="runs in parallel (processes); default: number of CPU cores",
    )
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.add_argument(
        "--encoder",
        default=None,
        metavar="DIR",
        help="encoder checkpoint of the task's space for gae-bo and gae-rl (qgnas encode train); default: "
        "train one into OUT/encoder first (seed 0), or reuse the one there",
    )
    quantum.add_options(bench)

    summ = sub.add_parser("summarize", help="recompute the tables and plot of a benchmark directory")
    summ.add_argument("dir", help="a directory written by `qgnas bench`")


def cmd_bench(args: argparse.Namespace) -> int:
    task_name = args.task.strip().lower()
    if task_name not in BENCH_TASKS:
        raise UsageError(f"unknown benchmark task {args.task!r}; allowed: {', '.join(BENCH_TASKS)}")
    if task_name == "quantum":
        return quantum.cmd_bench_quantum(args)
    quantum.refuse_quantum_options(args)
    from qgnas.core.bench import run_benchmark
    from qgnas.graph.nas_bench_graph import NASBenchGraphSpace, check_dataset, nas_bench_graph_task
    from qgnas.searchers import make_searcher

    try:
        dataset = check_dataset(args.dataset)
    except ValueError as exc:
        raise UsageError(f"--dataset: {exc}") from None
    searchers = parse_searchers(args.searchers)
    out = check_out_dir(args.out)
    refuse_existing_runs(out, args.out, args.resume)
    space = NASBenchGraphSpace.for_dataset(dataset)
    options = latent_options(searchers, args.encoder, space, out, args.quiet)
    factories = {name: functools.partial(make_searcher, name, **options.get(name, {})) for name in searchers}
    seeds = list(range(args.seeds))
    summary = run_benchmark(
        functools.partial(nas_bench_graph_task, dataset),
        factories,
        budget=args.budget,
        seeds=seeds,
        out_dir=out,
        resume=args.resume,
        jobs=min(args.jobs or os.cpu_count() or 1, len(searchers) * len(seeds)),
        seconds=args.seconds,
        progress=not args.quiet,
    )
    print((out / "summary.md").read_text(), end="")
    print(
        f"\nwrote {out / 'summary.csv'}, {out / 'summary.md'}, {out / 'anytime.png'} "
        f"and {len(summary['curves'])} run logs under {out}/"
    )
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from qgnas.core.bench import existing_runs, summarize

    out = Path(args.dir)
    if not out.is_dir() or not existing_runs(out):
        raise UsageError(f"{args.dir!r} holds no benchmark runs (expected <searcher>/seed<k>.jsonl files)")
    summarize(out)
    print((out / "summary.md").read_text(), end="")
    if (out / "quantum.json").exists():  # a `qgnas bench quantum` directory: its error table too
        from qgnas.quantum.benchmark_tables import quantum_summary

        quantum_summary(out)
        print((out / "quantum.md").read_text(), end="")
    return 0
