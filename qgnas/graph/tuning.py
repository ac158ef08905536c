"""Tuning the training hyper-parameters of one found architecture, on validation accuracy only.

Why a separate stage: a search trains every child with one fixed schedule (GraphNAS's lr 0.005, weight
decay 5e-4, dropout 0.6), which suits GAT-like models but not necessarily the architecture that wins;
GNN-NAS work after GraphNAS and Auto-GNN (SANE, SNAG, NAS-Bench-Graph's protocol) fine-tunes the found
architecture's learning rate, weight decay and dropout before the final evaluation. Those three are
continuous and cheap to try, so this is Bayesian optimisation with scikit-optimize's GP over
``Real`` dimensions (the core's categorical BO searcher would throw their order away).

Protocol:

* the objective is the *mean validation accuracy* over ``seeds`` training seeds; test accuracy is
  recorded but never read when choosing;
* trial 0 is the schedule the search used (``DEFAULT_TRAINING``), so the tuned choice is never worse
  on the tuning objective than not tuning;
* every trial is appended to a JSONL log; a killed tuning resumes from it exactly (the optimiser
  replays its asks and tells, so the next proposals are those of an uninterrupted run);
* a training that raises is logged as failed and told the worst mean validation accuracy seen so
  far (0 before any), not fatal.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core.io import append_jsonl, read_jsonl
from qgnas.core.registry import Registry

from .autognn_space import GNNArch

#: GraphNAS's schedule: the trainer's defaults, and the first trial of every tuning
DEFAULT_TRAINING: dict[str, float] = {"lr": 0.005, "weight_decay": 5e-4, "dropout": 0.6}
#: the training settings a schedule may set, each with its default
TRAINING_SETTINGS: Registry[float] = Registry("training setting", DEFAULT_TRAINING)


@dataclass(frozen=True)
class HyperRange:
    """One tuned training hyper-parameter: bounds and whether it is searched on a log scale."""

    name: str
    low: float
    high: float
    log: bool


# Ranges around the published schedules (GCN: lr 0.01, wd 5e-4, dropout 0.5; GAT: 0.005, 5e-4, 0.6).
HYPER_RANGES: tuple[HyperRange, ...] = (
    HyperRange("lr", 1e-3, 5e-2, log=True),
    HyperRange("weight_decay", 1e-5, 1e-2, log=True),
    HyperRange("dropout", 0.0, 0.9, log=False),
)


def check_training(training: Any) -> dict[str, float]:
    """A training schedule ``{"lr", "weight_decay", "dropout"}`` checked, as floats; a clear error
    naming the bad entry otherwise (lr > 0, weight decay >= 0, dropout in [0, 1))."""
    if not isinstance(training, dict):
        raise ValueError(f"training must be a mapping with keys lr, weight_decay, dropout; got {training!r}")
    names = [TRAINING_SETTINGS.resolve(key) for key in training]  # every name checked before any value
    out = {**DEFAULT_TRAINING}
    for name, value in zip(names, training.values(), strict=True):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"training {name}={value!r} is not a finite number")
        out[name] = float(value)
    if out["lr"] <= 0:
        raise ValueError(f"training lr={out['lr']} must be > 0")
    if out["weight_decay"] < 0:
        raise ValueError(f"training weight_decay={out['weight_decay']} must be >= 0")
    if not 0.0 <= out["dropout"] < 1.0:
        raise ValueError(f"training dropout={out['dropout']} must be in [0, 1)")
    return out


def _dimensions() -> list[Any]:
    from skopt.space import Real

    return [
        Real(r.low, r.high, prior="log-uniform" if r.log else "uniform", name=r.name) for r in HYPER_RANGES
    ]


def _optimizer(seed: int, n_initial: int) -> Any:
    from skopt import Optimizer

    # EI on a GP (skopt's default Matern kernel on the normalised box); the initial random design is
    # the first n_initial asks, the default schedule being told before them.
    return Optimizer(
        _dimensions(),
        base_estimator="GP",
        n_initial_points=n_initial,
        acq_func="EI",
        acq_optimizer="lbfgs",
        random_state=int(seed),
    )


def _as_training(point: Sequence[float]) -> dict[str, float]:
    return {r.name: float(v) for r, v in zip(HYPER_RANGES, point, strict=True)}


def _as_point(training: dict[str, float]) -> list[float]:
    return [float(training[r.name]) for r in HYPER_RANGES]


class _Proposals:
    """The optimiser's asks and tells: trial 0 is the default schedule, later trials skopt's proposals.

    skopt minimises, so a trial is told minus its mean validation accuracy; a failed trial is told the
    worst mean validation accuracy seen so far (0 before any), which steers away without being fatal.
    """

    def __init__(self, seed: int, n_initial: int):
        self.opt = _optimizer(seed, n_initial)
        self.worst: float | None = None

    def propose(self, i: int) -> list[float]:
        if i == 0:
            return _as_point(DEFAULT_TRAINING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skopt notes when a proposal repeats an earlier point
            return [float(v) for v in self.opt.ask()]

    def tell(self, point: list[float], row: dict[str, Any]) -> None:
        if row["status"] == "ok":
            self.worst = row["valid_mean"] if self.worst is None else min(self.worst, row["valid_mean"])
            value = -row["valid_mean"]
        else:
            value = -(self.worst if self.worst is not None else 0.0)
        self.opt.tell(point, value)


def tune_training(
    arch: GNNArch,
    data: Any,
    log_path: str | os.PathLike,
    *,
    trials: int = 20,
    seeds: Sequence[int] = (1, 2),
    seed: int = 0,
    n_initial: int = 5,
    epochs: int = 300,
    patience: int | None = 100,
    device: str = "cpu",
    progress: bool = False,
    selection: str = "selected",
    value_dropout: float = 0.0,
) -> dict[str, Any]:
    """Tune lr, weight decay and dropout of ``arch`` on ``data`` by mean validation accuracy.

    Args:
        log_path: JSONL log, one line per trial; an existing log is resumed (its trials are not
            retrained) and must come from the same ``seeds`` and ``seed``.
        trials: trials in all, the default schedule (trial 0) included.
        seeds: training seeds of every trial (the objective is their mean validation accuracy).
        seed: seeds the optimiser.
        n_initial: random trials after the default one, before the GP proposes.
        epochs, patience, device, selection, value_dropout: fixed for every trial, as the search had
            them (see ``train_node_classifier``).

    Returns:
        ``training`` (the chosen hyper-parameters), its ``valid_mean``/``valid_std``/``test_mean``/
        ``test_std`` (%), ``default`` (trial 0's figures), ``trials`` (every logged row) and
        ``seconds`` (training time of all trials).
    """
    from tqdm.auto import tqdm

    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive integer, got {trials!r}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one training seed")
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    done = read_jsonl(log_path, repair=True)
    proposals = _Proposals(seed, n_initial)
    _replay(proposals, done, log_path, seeds, seed)
    fixed = dict(
        epochs=epochs, patience=patience, device=device, selection=selection, value_dropout=value_dropout
    )
    todo = range(len(done), trials)
    bar = tqdm(todo, desc="tune", unit="trial", disable=not (progress and sys.stderr.isatty()))
    with log_path.open("a", encoding="utf-8") as fh:
        for i in bar:
            point = proposals.propose(i)
            row = _trial(arch, data, i, _as_training(point), seeds, seed, fixed)
            append_jsonl(fh, row)
            proposals.tell(point, row)
            done.append(row)
            if row["status"] == "ok":
                bar.set_postfix(valid=f"{row['valid_mean']:.2f}")
    return _summary(done[:trials], seeds, log_path)


def _replay(
    proposals: _Proposals, done: list[dict[str, Any]], log_path: Path, seeds: list[int], seed: int
) -> None:
    """Tell the optimiser the logged trials, checking that it proposes them again (same asks, same tells),
    so that the next proposals are those of an uninterrupted run."""
    from qgnas.core.runner import ResumeMismatch

    for i, row in enumerate(done):
        if row.get("seeds") != seeds or row.get("tuning_seed") != seed:
            raise ResumeMismatch(
                f"{log_path} was written with seeds {row.get('seeds')} and tuning seed "
                f"{row.get('tuning_seed')}, not {seeds} and {seed}; use another log or the same settings"
            )
        point = proposals.propose(i)
        if not np.allclose(point, _as_point(row["training"]), rtol=1e-12, atol=0):
            raise ResumeMismatch(
                f"{log_path}: trial {i} was {row['training']}, replay proposes {_as_training(point)}"
            )
        proposals.tell(point, row)


def _trial(
    arch: GNNArch,
    data: Any,
    i: int,
    training: dict[str, float],
    seeds: list[int],
    seed: int,
    fixed: dict[str, Any],
) -> dict[str, Any]:
    """Train ``arch`` with ``training`` once per seed: the trial's log row (accuracies in %), with
    ``status`` "failed" and the error's message when a training raises."""
    from .trainer import train_node_classifier

    row: dict[str, Any] = {"trial": i, "training": training, "seeds": seeds, "tuning_seed": seed}
    start = time.perf_counter()
    try:
        runs = [train_node_classifier(arch, data, seed=s, **fixed, **training) for s in seeds]
        val = np.array([100.0 * r.val_acc for r in runs])
        test = np.array([100.0 * r.test_acc for r in runs])
        row.update(
            status="ok",
            valid=val.tolist(),
            test=test.tolist(),
            valid_mean=float(val.mean()),
            test_mean=float(test.mean()),
        )
    except Exception as exc:  # a failed training is recorded, not fatal
        row.update(status="failed", message=f"{type(exc).__name__}: {exc}")
    row["seconds"] = time.perf_counter() - start
    return row


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    from qgnas.core.bench import mean_std

    (vm, vs), (tm, ts) = mean_std(row["valid"]), mean_std(row["test"])
    return {
        "training": row["training"],
        "trial": row["trial"],
        "valid_mean": vm,
        "valid_std": vs,
        "test_mean": tm,
        "test_std": ts,
    }


def _summary(rows: list[dict[str, Any]], seeds: list[int], log_path: Path) -> dict[str, Any]:
    """What :func:`tune_training` returns for its trials ``rows``: the best by mean validation accuracy
    (the earlier trial on ties) and the default schedule's figures."""
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        raise RuntimeError(f"every tuning trial failed; see {log_path}")
    best = max(ok, key=lambda r: (r["valid_mean"], -r["trial"]))
    default = rows[0] if rows and rows[0]["status"] == "ok" else None
    return {
        **_figures(best),
        "default": _figures(default) if default else None,
        "seeds": seeds,
        "trials": rows,
        "seconds": float(sum(r["seconds"] for r in rows)),
    }


__all__ = [
    "DEFAULT_TRAINING",
    "HYPER_RANGES",
    "TRAINING_SETTINGS",
    "HyperRange",
    "check_training",
    "tune_training",
]
