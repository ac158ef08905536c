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

import json
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

from .autognn_space import GNNArch

DEFAULT_TRAINING: dict[str, float] = {"lr": 0.005, "weight_decay": 5e-4, "dropout": 0.6}


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
    unknown = sorted(set(training) - set(DEFAULT_TRAINING))
    if unknown:
        raise ValueError(f"unknown training setting(s) {unknown}; allowed: lr, weight_decay, dropout")
    out = {**DEFAULT_TRAINING}
    for name, value in training.items():
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
    from qgnas.core.bench import mean_std
    from qgnas.core.runner import ResumeMismatch, read_jsonl

    from .trainer import train_node_classifier

    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive integer, got {trials!r}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one training seed")
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    done = read_jsonl(log_path, repair=True)
    opt = _optimizer(seed, n_initial)
    worst: float | None = None

    def objective(row: dict[str, Any]) -> float:
        """skopt minimises: minus the mean validation accuracy; failures get the worst seen."""
        nonlocal worst
        if row["status"] == "ok":
            worst = row["valid_mean"] if worst is None else min(worst, row["valid_mean"])
            return -row["valid_mean"]
        return -(worst if worst is not None else 0.0)

    def propose(i: int) -> list[float]:
        if i == 0:
            return _as_point(DEFAULT_TRAINING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skopt notes when a proposal repeats an earlier point
            return [float(v) for v in opt.ask()]

    for i, row in enumerate(done):  # replay: same asks, same tells
        if row.get("seeds") != seeds or row.get("tuning_seed") != seed:
            raise ResumeMismatch(
                f"{log_path} was written with seeds {row.get('seeds')} and tuning seed "
                f"{row.get('tuning_seed')}, not {seeds} and {seed}; use another log or the same settings"
            )
        point = propose(i)
        if not np.allclose(point, _as_point(row["training"]), rtol=1e-12, atol=0):
            raise ResumeMismatch(
                f"{log_path}: trial {i} was {row['training']}, replay proposes {_as_training(point)}"
            )
        opt.tell(point, objective(row))

    from tqdm.auto import tqdm

    todo = range(len(done), trials)
    bar = tqdm(todo, desc="tune", unit="trial", disable=not (progress and sys.stderr.isatty()))
    with log_path.open("a") as fh:
        for i in bar:
            point = propose(i)
            training = _as_training(point)
            row: dict[str, Any] = {"trial": i, "training": training, "seeds": seeds, "tuning_seed": seed}
            start = time.perf_counter()
            try:
                runs = [
                    train_node_classifier(
                        arch,
                        data,
                        epochs=epochs,
                        patience=patience,
                        seed=s,
                        device=device,
                        selection=selection,
                        value_dropout=value_dropout,
                        **training,
                    )
                    for s in seeds
                ]
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
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            opt.tell(point, objective(row))
            done.append(row)
            if row["status"] == "ok":
                bar.set_postfix(valid=f"{row['valid_mean']:.2f}")

    ok = [r for r in done[:trials] if r["status"] == "ok"]
    if not ok:
        raise RuntimeError(f"every tuning trial failed; see {log_path}")
    best = max(ok, key=lambda r: (r["valid_mean"], -r["trial"]))  # the earlier trial on ties

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        (vm, vs), (tm, ts) = mean_std(row["valid"]), mean_std(row["test"])
        return {
            "training": row["training"],
            "trial": row["trial"],
            "valid_mean": vm,
            "valid_std": vs,
            "test_mean": tm,
            "test_std": ts,
        }

    default = done[0] if done and done[0]["status"] == "ok" else None
    return {
        **figures(best),
        "default": figures(default) if default else None,
        "seeds": seeds,
        "trials": done[:trials],
        "seconds": float(sum(r["seconds"] for r in done[:trials])),
    }


__all__ = ["DEFAULT_TRAINING", "HYPER_RANGES", "HyperRange", "check_training", "tune_training"]
