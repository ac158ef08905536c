"""The ``qgnas`` command line: each module parses one group of commands and calls the library.

    qgnas bench nas-bench-graph --dataset cora --searchers random,evolution,reinforce,bo \\
        --budget 100 --seeds 5 --out DIR [--resume] [--jobs N]
    qgnas bench quantum --molecule H2 --qubits 2 [--noise none|depolarizing|fake_mumbai|FILE] \\
        [--max-gates 20] [--optimizer cobyla] --searchers random,evolution,bo,reinforce --budget 200 \\
        --seeds 3 --out DIR [--crlqas-runs RUN_DIR ...] [--resume] [--jobs N]
    qgnas bench quantum --problem ghz|maxcut --qubits 4 --searchers gae-bo,random --encoder ENC --out DIR
    qgnas search gnn --dataset cora --searcher autognn|graphnas|reinforce|random --budget N --seed S \\
        --out DIR [--resume]
    qgnas select gnn DIR [--top 5] [--seeds 3]      # re-train the top 5 with 3 fresh seeds -> DIR/selected.json
    qgnas select gnn DIR1 DIR2 --out OUT            # the top 5 of each of several searches -> OUT/selected.json
    qgnas tune gnn DIR [--trials 20] [--seeds 2]    # lr, weight decay, dropout on validation -> DIR/tuned.json
    qgnas train gnn --arch DIR/best.json --dataset cora --seeds 10   # or DIR/selected.json, DIR/tuned.json
    qgnas report DIR [DIR ...] [--budget N] [--mean]  # compare searches in one table
    qgnas encode train --space nas-bench-graph|circuit|autognn [--qubits 4 --max-gates 20] [--samples N] \\
        [--epochs E] --seed S --out ENC      # graph VAE for the latent searchers gae-bo, gae-rl
    qgnas summarize DIR
    qgnas list

Bad input exits with code 2 and one line naming the bad value and the allowed ones.
"""

from __future__ import annotations

import argparse
import sys

from qgnas.core.threads import use_default_threads

from . import bench, encode, gnn, listing, report, search
from .common import Parser, UsageError

COMMANDS = {
    "bench": bench.cmd_bench,
    "search": search.cmd_search,
    "select": gnn.cmd_select,
    "train": gnn.cmd_train,
    "tune": gnn.cmd_tune,
    "summarize": bench.cmd_summarize,
    "report": report.cmd_report,
    "encode": encode.cmd_encode,
    "list": listing.cmd_list,
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="qgnas", description="Quantum and graph neural architecture search.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (bench, search, gnn, report, encode, listing):
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        use_default_threads()  # one torch thread per process unless QGNAS_THREADS says otherwise
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


__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
