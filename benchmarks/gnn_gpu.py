"""GNN training on CUDA against the CPU, and where reference architectures land under our trainer.

For each architecture it prints, measured in the same run on the same host:

- CPU seconds per epoch (``--cpu-threads`` threads, ``--cpu-epochs`` epochs without early stopping) and
  CUDA seconds per epoch (from the full trainings), and their ratio;
- test and validation accuracy, mean ± std over seeds 0..N-1, trained on CUDA with the standard
  schedule (lr 0.005, weight decay 5e-4, dropout 0.6, up to 300 epochs, patience 100), or with
  ``--epochs 1000 --selection gat --value-dropout 0.6`` under GAT's own protocol.

The architectures are GAT 8x8 (the GAT paper's), the two GraphNAS published for the semi-supervised
split (GraphNAS's ``eval_scripts/semi/eval_found_gnn.py``: Cora and CiteSeer), and the ones our
Auto-GNN rounds selected (README, "Auto-GNN with real training"). It answers two questions: how much a
GPU buys per training, and whether the published architectures reach the papers' numbers when they
are trained the way our searches train.

    python benchmarks/gnn_gpu.py --data-root DIR [--seeds 10] [--datasets cora citeseer]
        [--epochs 1000 --selection gat --value-dropout 0.6]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from qgnas.graph.autognn_space import GNNArch, LayerSpec
from qgnas.graph.datasets import load_planetoid
from qgnas.graph.trainer import train_node_classifier

# (dataset, source, architecture): one layer per "->", fields attention,aggregation,activation,heads,
# hidden ("c": the class count, last layer),skip
ARCHS: list[tuple[str, str, str]] = [
    ("cora", "GAT 8x8", "gat,sum,elu,8,8,0 -> gat,sum,linear,1,c,0"),
    ("cora", "GraphNAS (published)", "const,sum,relu6,2,128,0 -> gat,sum,linear,2,c,0"),
    ("cora", "ours, round 1", "gat,sum,leaky_relu,2,16,1 -> const,sum,softplus,4,c,0"),
    ("cora", "ours, round 3", "gat,sum,relu,8,8,0 -> const,sum,tanh,2,c,0"),
    ("citeseer", "GAT 8x8", "gat,sum,elu,8,8,0 -> gat,sum,linear,1,c,0"),
    ("citeseer", "GraphNAS (published)", "gat,sum,linear,4,128,0 -> linear,sum,elu,8,c,0"),
    ("citeseer", "ours, round 2", "gcn,sum,elu,2,32,0 -> const,mean,sigmoid,1,c,1"),
    ("citeseer", "ours, round 3", "gcn,sum,leaky_relu,4,8,0 -> generalized-linear,max,elu,4,c,1"),
]


def parse_arch(text: str) -> GNNArch:
    """``"gat,sum,elu,8,8,0 -> gat,sum,linear,1,c,0"`` as a :class:`GNNArch`."""
    layers = []
    for part in text.split("->"):
        att, agg, act, heads, hidden, skip = (f.strip() for f in part.split(","))
        layers.append(
            LayerSpec(att, agg, act, int(heads), None if hidden == "c" else int(hidden), skip == "1")
        )
    return GNNArch(tuple(layers))


def mean_std(values: list[float]) -> str:
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values) if len(values) > 1 else 0.0:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA)")
    ap.add_argument("--datasets", nargs="+", default=["cora", "citeseer"])
    ap.add_argument("--seeds", type=int, default=10, help="CUDA trainings per architecture (seeds 0..N-1)")
    ap.add_argument("--cpu-epochs", type=int, default=30, help="epochs timed on the CPU (0: skip the CPU)")
    ap.add_argument("--cpu-threads", type=int, default=2, help="torch threads for the CPU timing")
    ap.add_argument("--epochs", type=int, default=300, help="most epochs of a CUDA training")
    ap.add_argument("--selection", default="selected", help="epoch selection rule: selected or gat")
    ap.add_argument("--value-dropout", type=float, default=0.0, help="dropout on transformed features")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("gnn_gpu.py needs a CUDA device (torch.cuda.is_available() is False)")
    torch.set_num_threads(args.cpu_threads)
    print(
        f"# {torch.cuda.get_device_name(0)}, torch {torch.__version__}; CPU timing on {args.cpu_threads} threads;"
        f" CUDA trainings up to {args.epochs} epochs, {args.selection} selection,"
        f" value dropout {args.value_dropout:g}"
    )
    print(
        "| dataset | architecture | source | params | CPU s/epoch | CUDA s/epoch | CPU/CUDA "
        f"| CUDA s/training | test, seeds 0-{args.seeds - 1} | valid |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for dataset in args.datasets:
        data = load_planetoid(dataset, args.data_root, download=False)
        for name, source, text in (a for a in ARCHS if a[0] == dataset):
            arch = parse_arch(text)
            cpu_epoch = float("nan")
            if args.cpu_epochs > 0:
                cpu = train_node_classifier(arch, data, epochs=args.cpu_epochs, patience=None, device="cpu")
                cpu_epoch = cpu.seconds / cpu.epochs
            train_node_classifier(arch, data, epochs=5, device="cuda")  # warm-up: kernels, allocator
            runs = []
            for seed in range(args.seeds):
                torch.cuda.synchronize()
                runs.append(
                    train_node_classifier(
                        arch,
                        data,
                        seed=seed,
                        device="cuda",
                        epochs=args.epochs,
                        selection=args.selection,
                        value_dropout=args.value_dropout,
                    )
                )
            cuda_epoch = sum(r.seconds for r in runs) / sum(r.epochs for r in runs)
            print(
                f"| {name} | `{text}` | {source} | {runs[0].params} | {cpu_epoch:.4f} | {cuda_epoch:.4f} "
                f"| {cpu_epoch / cuda_epoch:.1f}x | {statistics.mean(r.seconds for r in runs):.2f} "
                f"| {mean_std([100 * r.test_acc for r in runs])} | {mean_std([100 * r.val_acc for r in runs])} |",
                flush=True,
            )
    print(f"# total {time.process_time():.0f} s of process CPU time")


if __name__ == "__main__":
    main()
