"""``qgnas search gnn``: one GNN architecture search with real training
(:func:`qgnas.graph.pipeline.search_gnn`)."""

from __future__ import annotations

import argparse
import json

from .common import (
    Parser,
    UsageError,
    add_autognn_space_options,
    add_data_root,
    autognn_space_choices,
    check_out_dir,
    latent_options,
    positive_float,
    positive_int,
)
from .gnn import gnn_errors


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from qgnas.graph.pipeline import GNN_SEARCHERS

    search = sub.add_parser("search", help="one search with real training; writes a JSONL log and best.json")
    search_sub = search.add_subparsers(dest="world", required=True, parser_class=Parser)
    sg = search_sub.add_parser("gnn", help="GNN architecture search (Auto-GNN space) with real PyG training")
    sg.add_argument("--dataset", default="cora", help="cora, citeseer or pubmed (Planetoid, standard split)")
    sg.add_argument(
        "--searcher",
        default="autognn",
        help=f"one of {', '.join(GNN_SEARCHERS)} (graphnas and reinforce: GraphNAS's REINFORCE LSTM "
        "controller; gae-bo and gae-rl: latent-space BO and REINFORCE, with --encoder)",
    )
    sg.add_argument(
        "--budget", type=positive_int("--budget"), default=50, help="distinct architectures trained"
    )
    sg.add_argument("--seed", type=int, default=0, help="root seed of the search")
    sg.add_argument("--out", required=True, help="run directory")
    sg.add_argument("--resume", action="store_true", help="continue the search logged in --out")
    add_data_root(sg)
    sg.add_argument(
        "--epochs", type=positive_int("--epochs"), default=300, help="training epochs per architecture"
    )
    sg.add_argument("--sharing", action="store_true", help="Auto-GNN constrained parameter sharing")
    sg.add_argument("--layers", type=positive_int("--layers"), default=2, help="GNN layers")
    sg.add_argument("--device", default="cpu", help="cpu or cuda")
    sg.add_argument("--seconds", type=positive_float("--seconds"), default=None, help="wall-clock budget")
    sg.add_argument(
        "--workers",
        type=positive_int("--workers"),
        default=1,
        help="architectures trained at once, one process and core each (not with --sharing; a resumed "
        "search keeps its number)",
    )
    sg.add_argument(
        "--encoder",
        default=None,
        metavar="DIR",
        help="gae-bo, gae-rl: encoder of the searched space (qgnas encode train --space autognn, with the "
        "same --heads, --hidden and --output-activation); default: train one into OUT/encoder first "
        "(seed 0), or reuse the one there",
    )
    _add_space_options(sg)
    _add_protocol_options(sg)


def _add_space_options(sg: argparse.ArgumentParser) -> None:
    add_autognn_space_options(sg)
    sg.add_argument(
        "--init",
        type=positive_int("--init"),
        default=1,
        help="autognn: architectures sampled from scratch before exploring from the best of them",
    )
    sg.add_argument(
        "--start",
        action="append",
        default=[],
        metavar="FILE",
        help="train this architecture file first (repeatable; e.g. experiments/configs/gnn/gat_8x8.json): "
        "autognn explores from the best of the given ones instead of a random draw",
    )


def _add_protocol_options(sg: argparse.ArgumentParser) -> None:
    sg.add_argument(
        "--repeats",
        type=positive_int("--repeats"),
        default=1,
        help="train each architecture with this many seeds and score their mean validation accuracy",
    )
    sg.add_argument(
        "--selection",
        default="selected",
        help="epoch selection of every training: selected (ours, the default) or gat (GAT's code)",
    )
    sg.add_argument(
        "--value-dropout",
        type=float,
        default=0.0,
        help="dropout on each layer's transformed features before aggregation (GAT's code: 0.6)",
    )


def cmd_search(args: argparse.Namespace) -> int:
    from qgnas.graph.pipeline import GNN_SEARCHERS, search_gnn, search_log_name

    if args.searcher.strip().lower() not in GNN_SEARCHERS:
        raise UsageError(f"unknown searcher {args.searcher!r}; allowed: {', '.join(GNN_SEARCHERS)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    out = check_out_dir(args.out)
    choices = autognn_space_choices(args)
    encoder = _encoder(args, choices, out)
    try:
        report = search_gnn(
            args.dataset,
            args.searcher,
            args.budget,
            args.seed,
            args.out,
            resume=args.resume,
            data_root=args.data_root,
            epochs=args.epochs,
            sharing=args.sharing,
            layers=args.layers,
            device=args.device,
            seconds=args.seconds,
            choices=choices,
            repeats=args.repeats,
            init=args.init,
            selection=args.selection,
            value_dropout=args.value_dropout,
            start=args.start,
            workers=args.workers,
            output_activation=args.output_activation,
            encoder=encoder,
        )
    except FileExistsError:  # the Runner refuses to overwrite a logged search
        log = search_log_name(args.searcher, args.seed) + ".jsonl"
        raise UsageError(
            f"--out {args.out!r} already holds this search ({log}); add --resume to continue it, "
            "or pick a new --out"
        ) from None
    except gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(json.dumps(report, indent=2))
    return 0


def _encoder(args: argparse.Namespace, choices: dict, out) -> str | None:
    """``--encoder``, or for a latent searcher without one the encoder trained into ``OUT/encoder`` (as
    ``qgnas bench`` does); None for the other searchers."""
    from qgnas.graph.autognn_space import AutoGNNSpace
    from qgnas.graph.pipeline import resolve_gnn_searcher

    try:
        # the search's own space: an encoder of another restriction would be refused by the search
        space = AutoGNNSpace(args.layers, choices, args.output_activation)
        searcher = resolve_gnn_searcher(args.searcher)
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    options = latent_options([searcher], args.encoder, space, out, quiet=False)
    return options.get(searcher, {}).get("encoder")
