"""The ``qgnas`` command line.

    qgnas bench nas-bench-graph --dataset cora --searchers random,evolution,reinforce,bo \\
        --budget 100 --seeds 5 --out DIR [--resume] [--jobs N]
    qgnas search gnn --dataset cora --searcher autognn|graphnas|random --budget N --seed S --out DIR [--resume]
    qgnas train gnn --arch DIR/best.json --dataset cora --seeds 10
    qgnas summarize DIR
    qgnas list

Bad input exits with code 2 and one line naming the bad value and the allowed ones.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

BENCH_TASKS = ("nas-bench-graph",)


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(message)


def _positive(name: str, kind: type = int):
    """argparse type: a positive ``kind`` (int or float), with a message naming the option and value."""
    noun = "integer" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {value}")
        return value

    return parse


def _positive_int(name: str):
    return _positive(name, int)


def _positive_float(name: str):
    return _positive(name, float)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qgnas", description="Quantum and graph neural architecture search.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    bench = sub.add_parser("bench", help="benchmark searchers x seeds on a task; writes tables and a plot")
    bench.add_argument("task", help=f"benchmark task; allowed: {', '.join(BENCH_TASKS)}")
    bench.add_argument("--dataset", default="cora", help="dataset of the task (nas-bench-graph: cora, ...)")
    bench.add_argument(
        "--searchers", default="random,evolution,reinforce,bo", help="comma-separated searcher names"
    )
    bench.add_argument("--budget", type=_positive_int("--budget"), default=100,
                       help="distinct architectures evaluated per run")  # fmt: skip
    bench.add_argument(
        "--seeds", type=_positive_int("--seeds"), default=5, help="runs per searcher (seeds 0..N-1)"
    )
    bench.add_argument("--seconds", type=_positive_float("--seconds"), default=None,
                       help="optional wall-clock budget per run")  # fmt: skip
    bench.add_argument(
        "--out", required=True, help="benchmark directory (logs, summary.csv, summary.md, PNG)"
    )
    bench.add_argument("--resume", action="store_true", help="continue the runs logged in --out")
    bench.add_argument("--jobs", type=_positive_int("--jobs"), default=None,
                       help="runs in parallel (processes); default: number of CPU cores")  # fmt: skip
    bench.add_argument("--quiet", action="store_true", help="no progress bar")

    search = sub.add_parser("search", help="one search with real training; writes a JSONL log and best.json")
    search_sub = search.add_subparsers(dest="world", required=True, parser_class=_Parser)
    sg = search_sub.add_parser("gnn", help="GNN architecture search (Auto-GNN space) with real PyG training")
    sg.add_argument("--dataset", default="cora", help="cora, citeseer or pubmed (Planetoid, standard split)")
    sg.add_argument("--searcher", default="autognn", help="autognn, graphnas (REINFORCE LSTM) or random")
    sg.add_argument(
        "--budget", type=_positive_int("--budget"), default=50, help="distinct architectures trained"
    )
    sg.add_argument("--seed", type=int, default=0, help="root seed of the search")
    sg.add_argument("--out", required=True, help="run directory")
    sg.add_argument("--resume", action="store_true", help="continue the search logged in --out")
    sg.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    sg.add_argument(
        "--epochs", type=_positive_int("--epochs"), default=300, help="training epochs per architecture"
    )
    sg.add_argument("--sharing", action="store_true", help="Auto-GNN constrained parameter sharing")
    sg.add_argument("--layers", type=_positive_int("--layers"), default=2, help="GNN layers")
    sg.add_argument("--device", default="cpu", help="cpu or cuda")
    sg.add_argument("--seconds", type=_positive_float("--seconds"), default=None, help="wall-clock budget")

    train = sub.add_parser("train", help="retrain a found architecture with several seeds")
    train_sub = train.add_subparsers(dest="world", required=True, parser_class=_Parser)
    tg = train_sub.add_parser("gnn", help="retrain DIR/best.json and print test accuracy mean and std")
    tg.add_argument("--arch", required=True, help="best.json of a search (or an architecture JSON)")
    tg.add_argument("--dataset", default=None, help="default: the dataset recorded in the file")
    tg.add_argument("--seeds", type=_positive_int("--seeds"), default=10, help="training seeds 0..N-1")
    tg.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    tg.add_argument("--epochs", type=_positive_int("--epochs"), default=300, help="training epochs")
    tg.add_argument("--device", default="cpu", help="cpu or cuda")

    summ = sub.add_parser("summarize", help="recompute the tables and plot of a benchmark directory")
    summ.add_argument("dir")

    sub.add_parser("list", help="list tasks, datasets and searchers")
    return parser


def _check_out_dir(path: str) -> Path:
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".qgnas-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"--out {path!r} is not a writable directory ({exc.strerror or exc})") from None
    return out


def _parse_searchers(text: str) -> list[str]:
    from qgnas.searchers import resolve_searcher

    names = [s for s in (t.strip() for t in text.split(",")) if s]
    if not names:
        raise UsageError("--searchers is empty; allowed: random, evolution, reinforce, bo")
    try:
        resolved = [resolve_searcher(n) for n in names]
    except ValueError as exc:
        raise UsageError(f"--searchers: {exc}") from None
    if len(set(resolved)) != len(resolved):
        raise UsageError(f"--searchers lists a searcher twice: {text!r}")
    return resolved


def cmd_bench(args: argparse.Namespace) -> int:
    from qgnas.core.bench import existing_runs, run_benchmark
    from qgnas.searchers import make_searcher

    task_name = args.task.strip().lower()
    if task_name not in BENCH_TASKS:
        raise UsageError(f"unknown benchmark task {args.task!r}; allowed: {', '.join(BENCH_TASKS)}")
    from qgnas.graph.nas_bench_graph import check_dataset, nas_bench_graph_task

    try:
        dataset = check_dataset(args.dataset)
    except ValueError as exc:
        raise UsageError(f"--dataset: {exc}") from None
    searchers = _parse_searchers(args.searchers)
    out = _check_out_dir(args.out)
    if not args.resume and existing_runs(out):
        raise UsageError(
            f"--out {args.out!r} already holds runs; add --resume to continue them, or pick a new --out"
        )

    task_factory = functools.partial(nas_bench_graph_task, dataset)
    factories = {name: functools.partial(make_searcher, name) for name in searchers}
    seeds = list(range(args.seeds))
    jobs = args.jobs or os.cpu_count() or 1
    jobs = min(jobs, len(searchers) * len(seeds))
    summary = run_benchmark(
        task_factory,
        factories,
        budget=args.budget,
        seeds=seeds,
        out_dir=out,
        resume=args.resume,
        jobs=jobs,
        seconds=args.seconds,
        progress=not args.quiet,
    )
    print((out / "summary.md").read_text(), end="")
    print(f"\nwrote {out / 'summary.csv'}, {out / 'summary.md'}, {out / 'anytime.png'} "
          f"and {len(summary['curves'])} run logs under {out}/")  # fmt: skip
    return 0


def _gnn_errors():
    """Input errors of the GNN commands, reported as one-line usage errors."""
    from qgnas.core import InvalidArchitecture
    from qgnas.graph.datasets import DatasetNotFound

    return (DatasetNotFound, InvalidArchitecture, ValueError, FileNotFoundError)


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from qgnas.gnn_commands import GNN_SEARCHERS, search_gnn

    if args.searcher.strip().lower() not in GNN_SEARCHERS:
        raise UsageError(f"unknown searcher {args.searcher!r}; allowed: {', '.join(GNN_SEARCHERS)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    _check_out_dir(args.out)
    try:
        report = search_gnn(
            args.dataset, args.searcher, args.budget, args.seed, args.out, resume=args.resume,
            data_root=args.data_root, epochs=args.epochs, sharing=args.sharing, layers=args.layers,
            device=args.device, seconds=args.seconds,
        )  # fmt: skip
    except FileExistsError as exc:
        raise UsageError(f"{exc}; add --resume to continue it") from None
    except _gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(json.dumps(report, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from qgnas.gnn_commands import format_train_report, train_gnn

    try:
        report = train_gnn(args.arch, args.dataset, args.seeds, args.data_root, epochs=args.epochs,
                           device=args.device)  # fmt: skip
    except _gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(format_train_report(report))
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from qgnas.core.bench import existing_runs, summarize

    out = Path(args.dir)
    if not out.is_dir() or not existing_runs(out):
        raise UsageError(f"{args.dir!r} holds no benchmark runs (expected <searcher>/seed<k>.jsonl files)")
    summarize(out)
    print((out / "summary.md").read_text(), end="")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from qgnas.graph.nas_bench_graph import DATASETS
    from qgnas.searchers import SEARCHERS

    print("benchmark tasks:", ", ".join(BENCH_TASKS))
    print("nas-bench-graph datasets:", ", ".join(DATASETS))
    print("searchers:", ", ".join(SEARCHERS))
    return 0


COMMANDS = {"bench": cmd_bench, "search": cmd_search, "train": cmd_train, "summarize": cmd_summarize,
            "list": cmd_list}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"qgnas: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("qgnas: interrupted; rerun with --resume to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
