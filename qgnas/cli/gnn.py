"""``qgnas select gnn``, ``qgnas tune gnn`` and ``qgnas train gnn``: the steps after a search
(:mod:`qgnas.graph.pipeline`)."""

from __future__ import annotations

import argparse

from .common import Parser, UsageError, add_data_root, positive_int


def gnn_errors() -> tuple[type[Exception], ...]:
    """Input errors of the GNN commands, reported as one-line usage errors."""
    from qgnas.core import InvalidArchitecture, ResumeMismatch
    from qgnas.graph.datasets import DatasetNotFound

    return (DatasetNotFound, InvalidArchitecture, ValueError, FileNotFoundError, ResumeMismatch)


def _call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the GNN commands' input errors turned into one-line usage errors."""
    try:
        return fn(*args, **kwargs)
    except gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None


def _gnn_subparser(sub: argparse._SubParsersAction, command: str, help: str, gnn_help: str):
    parser = sub.add_parser(command, help=help)
    world = parser.add_subparsers(dest="world", required=True, parser_class=Parser)
    return world.add_parser("gnn", help=gnn_help)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    _add_train(sub)
    _add_select(sub)
    _add_tune(sub)


def _add_train(sub: argparse._SubParsersAction) -> None:
    tg = _gnn_subparser(
        sub,
        "train",
        "retrain a found architecture with several seeds",
        "retrain DIR/best.json and print test accuracy mean and std",
    )
    tg.add_argument("--arch", required=True, help="best.json of a search (or an architecture JSON)")
    tg.add_argument("--dataset", default=None, help="default: the dataset recorded in the file")
    tg.add_argument("--seeds", type=positive_int("--seeds"), default=10, help="training seeds 0..N-1")
    add_data_root(tg)
    tg.add_argument(
        "--epochs",
        type=positive_int("--epochs"),
        default=None,
        help="most training epochs (default: the search's, recorded in the file, else 300)",
    )
    tg.add_argument("--device", default="cpu", help="cpu or cuda")
    tg.add_argument(
        "--selection",
        default=None,
        help="epoch selection: selected (ours) or gat (GAT's code); default: the search's, else selected",
    )
    tg.add_argument(
        "--value-dropout",
        type=float,
        default=None,
        help="dropout on each layer's transformed features before aggregation (GAT's code: 0.6); default: "
        "the search's, else 0. GAT's protocol: --epochs 1000 --selection gat --value-dropout 0.6",
    )
    tg.add_argument(
        "--plot", default=None, help="draw every seed's learning curves to this image (e.g. curves.png)"
    )
    tg.add_argument(
        "--workers",
        type=positive_int("--workers"),
        default=1,
        help="seeds trained at once, one process each (the results do not depend on it)",
    )


def _add_select(sub: argparse._SubParsersAction) -> None:
    sel = _gnn_subparser(
        sub,
        "select",
        "re-train a search's top architectures with fresh seeds; keep the best mean validation",
        "DIR of `qgnas search gnn` -> DIR/selected.json (several DIRs with --out OUT)",
    )
    sel.add_argument(
        "dir", nargs="+", help="search directory (holds one <searcher>_seed<k>.jsonl); several: one list"
    )
    sel.add_argument(
        "--out", default=None, help="where selected.json goes (default: DIR; needed with several DIRs)"
    )
    sel.add_argument(
        "--top", type=positive_int("--top"), default=5, help="candidates by search validation, per search"
    )
    sel.add_argument("--seeds", type=positive_int("--seeds"), default=3, help="fresh training seeds each")
    add_data_root(sel)
    sel.add_argument("--device", default="cpu", help="cpu or cuda")
    sel.add_argument(
        "--workers",
        type=positive_int("--workers"),
        default=1,
        help="trainings at once, one process each (the results do not depend on it)",
    )


def _add_tune(sub: argparse._SubParsersAction) -> None:
    tu = _gnn_subparser(
        sub,
        "tune",
        "tune the training schedule of a search's chosen architecture on validation accuracy",
        "DIR of `qgnas search gnn` (after `select`, if run) -> DIR/tuned.json",
    )
    tu.add_argument("dir", help="search directory (holds one <searcher>_seed<k>.jsonl)")
    tu.add_argument(
        "--trials",
        type=positive_int("--trials"),
        default=20,
        help="trials (lr, weight decay, dropout), the search's schedule first",
    )
    tu.add_argument("--seeds", type=positive_int("--seeds"), default=2, help="fresh training seeds per trial")
    add_data_root(tu)
    tu.add_argument("--device", default="cpu", help="cpu or cuda")


def cmd_train(args: argparse.Namespace) -> int:
    from qgnas.graph.pipeline import format_train_report, train_gnn

    report = _call(
        train_gnn,
        args.arch,
        args.dataset,
        args.seeds,
        args.data_root,
        epochs=args.epochs,
        device=args.device,
        plot=args.plot,
        selection=args.selection,
        value_dropout=args.value_dropout,
        workers=args.workers,
    )
    print(format_train_report(report))
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    from qgnas.graph.pipeline import format_selection, select_gnn

    report = _call(
        select_gnn,
        args.dir,
        args.top,
        args.seeds,
        args.data_root,
        device=args.device,
        out=args.out,
        workers=args.workers,
    )
    print(format_selection(report), end="")
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from qgnas.graph.pipeline import format_tuning, tune_gnn

    report = _call(tune_gnn, args.dir, args.trials, args.seeds, args.data_root, device=args.device)
    print(format_tuning(report), end="")
    return 0
