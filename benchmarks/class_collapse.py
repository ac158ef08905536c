"""Why a candidate's fresh-seed accuracy collapses: the classes it never predicts, and dead logits.

GraphNAS applies each layer's activation to the last layer too, so an architecture ending in a ReLU
(or ReLU6) can end training with a class logit that is zero for every node: that class is never
predicted. This script retrains the candidates of a ``selected.json`` (written by ``qgnas select
gnn``) on the given seeds under the selection's training protocol (as ``select`` trained them), and
prints per training the validation and test accuracy, the test nodes predicted per class, and the
classes whose logit is <= 0 on every node. With ``--output-activation linear`` it retrains the same
candidates with that activation on the last layer instead (the opt-in ``search gnn
--output-activation``), to tell whether the activation on the logits is what collapses them.

    python benchmarks/class_collapse.py runs/gnn14/citeseer/selected.json --seeds 11 12 13 --top 6 \
        [--output-activation linear] [--data-root DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch

from qgnas.graph.autognn_space import AutoGNNSpace
from qgnas.graph.datasets import load_planetoid
from qgnas.graph.model import build_model
from qgnas.graph.trainer import train_node_classifier


def inspect(arch, data, seed: int, protocol: dict) -> dict:
    """Train ``arch`` with ``seed`` under ``protocol`` (``train_node_classifier`` options); its
    accuracies, test predictions per class and dead class logits."""
    n_classes = int(data.y.max()) + 1
    result = train_node_classifier(arch, data, seed=seed, keep_state=True, **protocol)
    model = build_model(arch, data.num_features, n_classes)
    model.load_state_dict(result.state)
    model.eval()
    with torch.no_grad():
        logits = model(data.x, data.edge_index)
    predicted = torch.bincount(logits.argmax(1)[data.test_mask], minlength=n_classes)
    return {
        "valid": 100 * result.val_acc,
        "test": 100 * result.test_acc,
        "predicted": predicted.tolist(),
        "dead": [c for c in range(n_classes) if bool((logits[:, c] <= 0).all())],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("selected", help="a selected.json written by qgnas select gnn")
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--top", type=int, default=None, help="only the first N candidates")
    parser.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="retrain the candidates with this activation on the last layer (e.g. linear)",
    )
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args()

    selected = json.loads(Path(args.selected).read_text())
    candidates = selected["candidates"][: args.top]
    data = load_planetoid(selected["dataset"], args.data_root)[0]
    changed = "" if args.output_activation is None else f", last activation -> {args.output_activation}"
    print(
        f"{selected['dataset']}: the first {len(candidates)} candidates of {args.selected}, "
        f"seeds {args.seeds}{changed}"
    )
    print("| candidate | seed | valid | test | test nodes predicted per class | dead class logits |")
    print("|---|---:|---:|---:|---|---|")
    done = set()
    for candidate in candidates:
        space = AutoGNNSpace(len(candidate["arch"]["layers"]))
        arch = space.from_json(candidate["arch"])
        if args.output_activation is not None:
            last = dataclasses.replace(arch.layers[-1], activation=args.output_activation)
            arch = space.validate(dataclasses.replace(arch, layers=(*arch.layers[:-1], last)))
        key = space.key(arch)
        if key in done:  # candidates that differed only in the replaced activation
            continue
        done.add(key)
        for seed in args.seeds:
            r = inspect(arch, data, seed, selected.get("protocol", {}))
            dead = ", ".join(map(str, r["dead"])) or "none"
            print(
                f"| `{key.replace('|', ' -> ')}` | {seed} | {r['valid']:.1f} | {r['test']:.1f} | "
                f"{r['predicted']} | {dead} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
