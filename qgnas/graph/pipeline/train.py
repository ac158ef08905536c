"""``train_gnn``: retrain a found architecture with seeds ``0..N-1`` and report validation and test
accuracy as mean and sample standard deviation."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .protocol import Training, load_arch_file, run_trainings, sample_std, training_protocol


def _training_options(
    meta: dict[str, Any],
    epochs: int | None,
    selection: str | None,
    value_dropout: float | None,
    patience: int | None,
) -> dict[str, Any]:
    """The protocol of a retraining: each option given, else the file's recorded one, else the default."""
    from qgnas.graph.trainer import EpochSelector

    recorded = training_protocol(meta.get("protocol", {}))
    options = {
        "epochs": int(recorded["epochs"] if epochs is None else epochs),
        "selection": recorded["selection"] if selection is None else selection,
        "value_dropout": float(recorded["value_dropout"] if value_dropout is None else value_dropout),
    }
    EpochSelector(patience, options["selection"])  # a bad rule fails before the data loads
    if not 0.0 <= options["value_dropout"] < 1.0:
        raise ValueError(f"value_dropout={options['value_dropout']} must be in [0, 1)")
    return options


def train_gnn(
    arch_path: str | os.PathLike,
    dataset: str | None = None,
    seeds: int = 10,
    data_root: str | os.PathLike | None = None,
    *,
    epochs: int | None = None,
    patience: int | None = 100,
    device: str = "cpu",
    plot: str | os.PathLike | None = None,
    selection: str | None = None,
    value_dropout: float | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Retrain the architecture in ``arch_path`` with seeds ``0..seeds-1``; test accuracy mean and std.

    ``dataset`` defaults to the one recorded in the file. The training schedule is the file's
    ``training`` entry when it has one (``tuned.json``), else the default (lr 0.005, weight decay 5e-4,
    dropout 0.6). Standard deviations are sample ones (ddof=1) over seeds. With ``plot``, the
    learning curves of every seed are drawn to that image (PNG, or any format matplotlib writes).
    ``selection`` is the epoch-selection rule (``qgnas.graph.trainer.EpochSelector``) and
    ``value_dropout`` the dropout on each layer's transformed features (``SearchConv``): ``"gat"``,
    ``epochs`` well above 300 and ``value_dropout`` equal to the dropout make GAT's own protocol.
    ``epochs``, ``selection`` and ``value_dropout`` left at ``None`` are the file's ``protocol`` (the
    search's, recorded by ``search_gnn``, ``select_gnn`` and ``tune_gnn``), else 300, ``"selected"``, 0.
    ``workers`` seeds train at once, each in its own process; the results do not depend on it.
    """
    from qgnas.graph.datasets import load_planetoid, resolve_dataset
    from qgnas.graph.tuning import check_training

    arch, meta = load_arch_file(arch_path)
    training = check_training(meta.get("training", {}))
    if dataset is None:
        if "dataset" not in meta:
            raise ValueError(f"{arch_path} records no dataset; pass one (cora, citeseer, pubmed)")
        dataset = meta["dataset"]
    name = resolve_dataset(dataset).lower()
    if seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds}")
    protocol = _training_options(meta, epochs, selection, value_dropout, patience)
    load_planetoid(name, data_root)  # a missing dataset fails here
    start = time.perf_counter()
    options = dict(patience=patience, device=device, keep_curves=plot is not None, **protocol, **training)
    runs: list[Any] = [None] * seeds
    job = Training(name, None if data_root is None else str(data_root), options)
    for i, res in run_trainings(job, [(arch, s) for s in range(seeds)], workers):
        runs[i] = res
    seconds = time.perf_counter() - start
    test = np.array([100.0 * r.test_acc for r in runs])
    val = np.array([100.0 * r.val_acc for r in runs])
    if plot is not None:
        plot_curves(Path(plot), runs, f"{name}: {arch} ({seeds} seeds)")
    return {
        "dataset": name,
        "arch": arch.to_json(),
        "training": training,
        "epochs": protocol["epochs"],
        "patience": patience,
        "selection": protocol["selection"],
        "value_dropout": protocol["value_dropout"],
        "seeds": seeds,
        "test_mean": float(test.mean()),
        "test_std": sample_std(test),
        "valid_mean": float(val.mean()),
        "valid_std": sample_std(val),
        "test": test.tolist(),
        "valid": val.tolist(),
        "epochs_run": [r.epochs for r in runs],
        "params": runs[0].params,
        "seconds": seconds,
        "plot": None if plot is None else str(plot),
    }


def plot_curves(path: Path, runs: list[Any], title: str) -> None:
    """Accuracy (validation, test) and loss (train, validation) per epoch: one thin line per seed, the
    selected epochs marked. Seeds that stop early simply end earlier."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (acc, loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    panels = {
        "val_acc": ("C0", "validation", acc, 100),
        "test_acc": ("C1", "test", acc, 100),
        "train_loss": ("C2", "train", loss, 1),
        "val_loss": ("C0", "validation", loss, 1),
    }
    for i, run in enumerate(runs):
        epochs = np.arange(1, len(run.curves["val_acc"]) + 1)
        for key, (color, label, ax, scale) in panels.items():
            values = scale * np.asarray(run.curves[key])
            ax.plot(epochs, values, color=color, lw=0.8, alpha=0.6, label=label if i == 0 else None)
        acc.axvline(run.best_epoch, color="0.5", lw=0.6, ls=":", label="selected epoch" if i == 0 else None)
    acc.set_ylabel("accuracy (%)")
    loss.set_ylabel("cross-entropy")
    loss.set_yscale("log")
    for ax in (acc, loss):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _cap_note(report: dict[str, Any]) -> str:
    """Say so when trainings ran into the epoch cap before patience stopped them (then more epochs
    might still have helped)."""
    if report.get("patience") is None:  # no early stopping: every training runs to the cap by design
        return ""
    capped = sum(n >= report["epochs"] for n in report.get("epochs_run", []))
    if not capped:
        return ""
    return f"; {capped} of {report['seeds']} trainings reached the {report['epochs']}-epoch cap"


def format_train_report(report: dict[str, Any]) -> str:
    """One line for ``qgnas train gnn``."""

    def fmt(x: float | None) -> str:
        return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"

    return (
        f"{report['dataset']}: test {fmt(report['test_mean'])} ± {fmt(report['test_std'])} "
        f"(valid {fmt(report['valid_mean'])} ± {fmt(report['valid_std'])}) over {report['seeds']} seeds, "
        f"{report['params']} parameters, {report['seconds']:.1f} s; "
        + ", ".join(f"{k} {v:g}" for k, v in report["training"].items())
        + (f", up to {report['epochs']} epochs" if report.get("epochs", 300) != 300 else "")
        + (f", {report['selection']} selection" if report.get("selection", "selected") != "selected" else "")
        + (f", value dropout {report['value_dropout']:g}" if report.get("value_dropout") else "")
        + _cap_note(report)
        + (f"; curves in {report['plot']}" if report.get("plot") else "")
    )
