"""What every step of the GNN pipeline shares: a search directory's log, its training protocol, fresh
seeds, architecture files, and the parallel trainings that ``select`` and ``train`` run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import InvalidArchitecture

# What a search fixes for every architecture besides the tunable schedule (lr, weight decay, dropout).
# select and tune repeat it from the search's config, and every file they write records it, so that
# `train gnn` retrains a found architecture the way it was found unless told otherwise.
PROTOCOL_DEFAULTS: dict[str, Any] = {
    "epochs": 300,
    "patience": 100,
    "selection": "selected",
    "value_dropout": 0.0,
}


def training_protocol(config: dict[str, Any]) -> dict[str, Any]:
    """The training protocol recorded in a search's config (``PROTOCOL_DEFAULTS`` for what an older
    log leaves out)."""
    return {name: config.get(name, default) for name, default in PROTOCOL_DEFAULTS.items()}


def best_record(records: list[Any]) -> Any:
    """The record with the best validation accuracy (the earliest on ties)."""
    return max(records, key=lambda r: (r.result.objective, -r.index))


def sample_std(a: np.ndarray) -> float:
    """Sample standard deviation over seeds (ddof=1); 0 for a single seed."""
    from qgnas.core.bench import mean_std

    return mean_std(a)[1]


def search_log(run_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The one ``<searcher>_seed<k>.jsonl`` log of a ``search_gnn`` directory and its meta config."""
    logs = sorted(Path(run_dir).glob("*_seed*.jsonl"))
    if len(logs) != 1:
        raise ValueError(
            f"{run_dir} should hold exactly one <searcher>_seed<k>.jsonl search log, found {len(logs)}"
        )
    meta_path = logs[0].with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return logs[0], meta


def fresh_seeds(meta: dict[str, Any], count: int) -> list[int]:
    """``count`` training seeds a search did not use: it trained every architecture with seeds
    ``seed .. seed + repeats - 1``, so these start at ``seed + repeats``."""
    first = int(meta.get("seed", 0)) + int(meta.get("config", {}).get("repeats", 1))
    return list(range(first, first + count))


def load_arch_file(path: str | os.PathLike) -> tuple[Any, dict[str, Any]]:
    """An architecture from ``best.json`` (or a bare architecture JSON) and the file's other fields."""
    from qgnas.graph.autognn_space import AutoGNNSpace

    path = Path(path)
    try:
        obj = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"architecture file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise InvalidArchitecture(f"{path} is not valid JSON: {exc}") from None
    arch_obj = obj.get("arch", obj) if isinstance(obj, dict) else obj
    layers = arch_obj.get("layers") if isinstance(arch_obj, dict) else arch_obj
    n = len(layers) if isinstance(layers, list) else 2
    return AutoGNNSpace(n).from_json(arch_obj), (obj if isinstance(obj, dict) else {})


@dataclass(frozen=True)
class Training:
    """Trains one ``(architecture, seed)`` job on a named Planetoid dataset: the unit that ``select``
    and ``train`` hand to ``EvaluationPool`` workers (a module-level class, so that it pickles; each
    worker loads the dataset once, through ``load_planetoid``'s cache)."""

    dataset: str
    data_root: str | None
    options: dict[str, Any]  # train_node_classifier's keywords besides the seed

    def __call__(self, job: tuple[Any, int]) -> Any:
        from qgnas.graph.datasets import load_planetoid
        from qgnas.graph.trainer import train_node_classifier

        arch, seed = job
        return train_node_classifier(
            arch, load_planetoid(self.dataset, self.data_root), seed=seed, **self.options
        )


def run_trainings(training: Training, jobs: list[tuple[Any, int]], workers: int) -> Iterator[tuple[int, Any]]:
    """``(position in jobs, train_node_classifier's result)`` for every job, each as soon as it is done,
    with ``workers`` processes. Seeded trainings give the same results whatever ``workers`` is, given
    the same torch thread count in every process (``OMP_NUM_THREADS``)."""
    from qgnas.core.parallel import EvaluationPool

    with EvaluationPool(training, workers) as pool:
        yield from pool.map(jobs)
