"""``qgnas report``: compare ``qgnas search gnn`` directories in one table
(:func:`qgnas.graph.pipeline.search_report`)."""

from __future__ import annotations

import argparse

from .common import UsageError, positive_int


def add_parsers(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="compare `qgnas search gnn` directories in one table")
    rep.add_argument("dirs", nargs="+", help="search directories (each holds one <searcher>_seed<k>.jsonl)")
    rep.add_argument(
        "--budget",
        type=positive_int("--budget"),
        default=None,
        help="cut every search at its first N evaluations (exact: equals a run with budget N)",
    )
    rep.add_argument(
        "--mean",
        action="store_true",
        help="also print mean +- std over seeds per dataset and searcher (give each seed's directory)",
    )


def cmd_report(args: argparse.Namespace) -> int:
    from qgnas.graph.pipeline import format_search_summary, format_search_table, search_report

    try:
        reports = [search_report(d, args.budget) for d in args.dirs]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(format_search_table(reports), end="")
    if args.mean:
        print()
        print(format_search_summary(reports), end="")
    return 0
