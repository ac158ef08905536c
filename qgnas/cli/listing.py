"""``qgnas list``: the tasks, datasets and searcher names the commands accept."""

from __future__ import annotations

import argparse

from .bench import BENCH_TASKS


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("list", help="list tasks, datasets and searchers")


def cmd_list(args: argparse.Namespace) -> int:
    from qgnas.graph.nas_bench_graph import DATASETS
    from qgnas.graph.pipeline import GNN_SEARCHERS
    from qgnas.searchers import SEARCHERS, resolve_searcher

    # The registry keeps no spelling of its aliases, only what each resolves to; the aliases worth
    # showing are the other names `search gnn` offers (graphnas), each shown beside its searcher.
    aliases = {
        target: [n for n in GNN_SEARCHERS if n != target and resolve_searcher(n) == target]
        for target in SEARCHERS
    }
    named = [name + (f" (or {', '.join(aliases[name])})" if aliases[name] else "") for name in SEARCHERS]
    print("benchmark tasks:", ", ".join(BENCH_TASKS))
    print("nas-bench-graph datasets:", ", ".join(DATASETS))
    print("searchers (bench):", ", ".join(named))
    print("searchers (search gnn):", ", ".join(GNN_SEARCHERS))
    return 0
