"""``qgnas encode train``: a graph VAE over a space's architectures, for the latent searchers gae-bo and
gae-rl (:func:`qgnas.encoders.train_encoder`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .common import (
    Parser,
    UsageError,
    add_autognn_space_options,
    autognn_space_choices,
    check_out_dir,
    positive_float,
    positive_int,
)

ENCODE_SPACES = ("nas-bench-graph", "circuit", "autognn")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    encode = sub.add_parser("encode", help="architecture autoencoders (graph VAE) for the latent searchers")
    encode_sub = encode.add_subparsers(dest="action", required=True, parser_class=Parser)
    et = encode_sub.add_parser(
        "train",
        help="train an encoder on a space's architectures -> DIR/{model.pt,config.json,metrics.json,latent.png}",
    )
    et.add_argument("--space", required=True, help=f"space to embed; allowed: {', '.join(ENCODE_SPACES)}")
    et.add_argument(
        "--dataset",
        default="cora",
        help="nas-bench-graph: the table that colours the plot (proteins: its 5-op space)",
    )
    et.add_argument("--qubits", type=positive_int("--qubits"), default=4, help="circuit: register size")
    et.add_argument("--max-gates", type=positive_int("--max-gates"), default=20, help="circuit: most gates")
    et.add_argument("--layers", type=positive_int("--layers"), default=2, help="autognn: GNN layers")
    # autognn: the search's --heads/--hidden/--output-activation, so that the search accepts the encoder
    add_autognn_space_options(et, prefix="space-")
    et.add_argument(
        "--samples",
        type=positive_int("--samples"),
        default=None,
        help="random architectures to train on (default: the whole space when it has at most 200,000, "
        "else 100,000)",
    )
    et.add_argument("--epochs", type=positive_int("--epochs"), default=16, help="training epochs")
    et.add_argument("--latent", type=positive_int("--latent"), default=16, help="latent dimension")
    et.add_argument("--beta", type=float, default=None, help="weight of the KL term (default 0.01)")
    et.add_argument("--batch-size", type=positive_int("--batch-size"), default=32, help="batch size")
    et.add_argument("--hidden", type=positive_int("--hidden"), default=128, help="width of the GIN layers")
    et.add_argument("--lr", type=positive_float("--lr"), default=1e-3, help="Adam learning rate")
    et.add_argument("--seed", type=int, default=0, help="seed of the sample, split and training")
    et.add_argument("--out", required=True, help="checkpoint directory")
    et.add_argument("--quiet", action="store_true", help="no progress bar")


def _space(args: argparse.Namespace, name: str) -> tuple[Any, Any, str]:
    """(space, objective that colours the latent plot or None, the objective's label)."""
    if name == "nas-bench-graph":
        from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator, NASBenchGraphSpace, check_dataset

        dataset = check_dataset(args.dataset)
        evaluator = NASBenchGraphEvaluator(dataset)

        def objective(archs: list[Any]) -> list[float]:
            return [evaluator(a).objective for a in archs]

        return NASBenchGraphSpace.for_dataset(dataset), objective, f"{dataset} validation accuracy (%)"
    if name == "circuit":
        from qgnas.quantum.circuit_space import CircuitSpace

        return CircuitSpace(args.qubits, args.max_gates), None, "objective"
    from qgnas.graph.autognn_space import AutoGNNSpace

    space = AutoGNNSpace(args.layers, autognn_space_choices(args, "space-"), args.output_activation)
    return space, None, "objective"


def cmd_encode(args: argparse.Namespace) -> int:
    from qgnas.encoders import train_encoder

    name = args.space.strip().lower()
    if name not in ENCODE_SPACES:
        raise UsageError(f"unknown --space {args.space!r}; allowed: {', '.join(ENCODE_SPACES)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.beta is not None and not args.beta >= 0:
        raise UsageError(f"--beta must be a number >= 0, got {args.beta}")
    restricted = [
        f for f in ("space_heads", "space_hidden", "output_activation") if getattr(args, f) is not None
    ]
    if restricted and name != "autognn":
        flags = ", ".join("--" + f.replace("_", "-") for f in restricted)
        raise UsageError(f"{flags} restrict the autognn space only, not --space {args.space!r}")
    out = check_out_dir(args.out)
    try:
        space, objective, label = _space(args, name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = {} if args.beta is None else {"beta": args.beta}
    try:
        encoder = train_encoder(
            space,
            samples=args.samples,
            epochs=args.epochs,
            latent=args.latent,
            batch_size=args.batch_size,
            hidden=args.hidden,
            lr=args.lr,
            seed=args.seed,
            out=out,
            objective=objective,
            objective_name=label,
            progress=not args.quiet,
            **options,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(encoder.metrics, indent=2))
    print(f"wrote {out / 'model.pt'}, {out / 'config.json'}, {out / 'metrics.json'} and {out / 'latent.png'}")
    return 0
