"""The work behind ``qgnas search gnn`` and ``qgnas train gnn``: a CLI leaf (the CLI parses, these run).

    search_gnn("cora", "autognn", budget=50, seed=0, out="runs/cora")  # -> runs/cora/best.json
    select_gnn("runs/cora", top=5, seeds=3)                            # -> runs/cora/selected.json
    tune_gnn("runs/cora", trials=20, seeds=2)                          # -> runs/cora/tuned.json
    train_gnn("runs/cora/tuned.json", seeds=10)                        # retrain, test mean and std

A search runs through the core ``Runner``, so its log is the per-evaluation JSONL the rest of qgnas
reads, and ``resume=True`` continues an interrupted search without repeating an evaluation.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import InvalidArchitecture, Runner, Searcher, SearchSpace, search_seconds

# CLI names -> registered searcher names. "graphnas" is the REINFORCE LSTM controller (GraphNAS's).
GNN_SEARCHERS: dict[str, str] = {"autognn": "autognn", "graphnas": "reinforce", "random": "random"}


def _searcher_factory(name: str, evaluator: Any, sharing: bool, init: int = 1):
    key = name.strip().lower().replace("_", "-")
    if key == "autognn":
        from qgnas.searchers.autognn import AutoGNNSearcher

        def make(space: SearchSpace, rng: np.random.Generator) -> Searcher:
            lineage = evaluator.hint_parent if sharing else None
            return AutoGNNSearcher(space, rng, n_init=init, lineage=lineage)

        return make
    if init != 1:
        raise ValueError(f"init (starting architectures) applies to the autognn searcher only, not {name!r}")
    from qgnas.searchers import make_searcher, resolve_searcher

    registered = GNN_SEARCHERS.get(key) or resolve_searcher(key)  # ValueError names the allowed ones

    def make_registered(space: SearchSpace, rng: np.random.Generator) -> Searcher:
        return make_searcher(registered, space, rng)

    return make_registered


def _warm_started(factory: Any, starts: list[Any]) -> Any:
    """``factory``'s searcher behind a ``WarmStart`` that proposes ``starts`` first."""
    from qgnas.core import WarmStart

    def make(space: SearchSpace, rng: np.random.Generator) -> Searcher:
        return WarmStart(factory(space, rng), starts)

    return make


def _best(records: list[Any]) -> Any:
    """The record with the best validation accuracy (the earliest on ties)."""
    return max(records, key=lambda r: (r.result.objective, -r.index))


def search_gnn(
    dataset: str,
    searcher: str,
    budget: int,
    seed: int,
    out: str | os.PathLike,
    resume: bool = False,
    data_root: str | os.PathLike | None = None,
    *,
    epochs: int = 300,
    patience: int | None = 100,
    sharing: bool = False,
    layers: int = 2,
    device: str = "cpu",
    seconds: float | None = None,
    progress: bool = True,
    choices: dict[str, Any] | None = None,
    repeats: int = 1,
    init: int = 1,
    selection: str = "selected",
    value_dropout: float = 0.0,
    start: Sequence[str | os.PathLike] = (),
    workers: int = 1,
    output_activation: str | None = None,
) -> dict[str, Any]:
    """Search the Auto-GNN space on ``dataset`` with real training; write ``out/best.json``.

    Args:
        searcher: ``autognn``, ``graphnas`` (REINFORCE LSTM controller) or ``random`` (or any
            registered searcher name).
        budget: distinct architectures trained.
        seed: run seed (searcher stream and the training seed of every architecture).
        out: run directory: ``<searcher>_seed<seed>.jsonl`` (one line per evaluation), its
            ``.meta.json``, ``weights/`` with sharing, and ``best.json``.
        sharing: Auto-GNN's constrained parameter sharing (children inherit and train briefly).
        seconds: optional wall-clock budget.
        choices: restrict fields of the space, e.g. ``{"heads": (1, 2, 4, 8)}`` (see ``AutoGNNSpace``).
        repeats: train every architecture with seeds ``seed .. seed + repeats - 1`` and score the mean
            validation accuracy (see ``GNNTrainingEvaluator``); ``select_gnn`` and ``tune_gnn`` then
            draw their fresh seeds after these.
        init: Auto-GNN only: architectures its controllers sample from scratch before the conservative
            explorer starts from the best of them (1, the paper's single start, by default). The
            explorer stays near where it starts, so a poor first draw can hold a whole search (README,
            Auto-GNN round 3); a few starts cost a few trainings.
        selection, value_dropout: the epoch-selection rule and the dropout on transformed features of
            every training (``train_node_classifier``); with ``epochs=1000``, ``"gat"`` and 0.6 every
            architecture is trained under GAT's protocol.
        start: architecture files (``best.json`` or a bare architecture, e.g.
            ``experiments/configs/gnn/gat_8x8.json``) trained first, in order (``WarmStart``); Auto-GNN
            then explores from the best of them instead of from random draws (with ``init`` > the
            number of files, the remaining starts are drawn). Recorded in the config by key.
        workers: architectures trained at once, each in its own process (``Runner``), so that a search
            uses every core (two workers on the 2-core development VM: 1.4 times the trainings of one;
            README). Not with ``sharing``: a child inherits weights that the process which trained
            its parent holds.
        output_activation: fix the last layer's activation (e.g. ``"linear"``: no activation on the
            logits) instead of searching it; a departure from the published space (``AutoGNNSpace``).

    Returns:
        The content of ``best.json``: the architecture with the best validation accuracy, its
        validation and test accuracy (%), and the search's size and time.
    """
    from qgnas.graph.autognn_space import AutoGNNSpace
    from qgnas.graph.datasets import load_planetoid, resolve_dataset
    from qgnas.graph.trainer import GNNTrainingEvaluator

    name = resolve_dataset(dataset).lower()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    load_planetoid(name, data_root)  # a missing dataset fails here, before any log is written
    evaluator = GNNTrainingEvaluator(
        name, layers=layers, epochs=epochs, patience=patience, seed=seed, device=device,
        data_root=data_root, sharing=sharing, store_dir=out / "weights" if sharing else None,
        repeats=repeats, selection=selection, value_dropout=value_dropout,
    )  # fmt: skip
    space = AutoGNNSpace(layers, choices, output_activation)  # a bad restriction fails here, before any log
    if init < 1:
        raise ValueError(f"init must be a positive integer, got {init}")
    if sharing and workers != 1:
        raise ValueError(
            f"parameter sharing needs workers=1, got workers={workers}: a child inherits the weights that "
            "the process which trained its parent keeps"
        )
    starts = []
    for path in start:  # checked here, before anything is trained, so that the error names the file
        try:
            starts.append(space.validate(load_arch_file(path)[0]))
        except InvalidArchitecture as exc:
            raise InvalidArchitecture(f"starting architecture {path}: {exc}") from None
    factory = _searcher_factory(searcher, evaluator, sharing, init)
    if starts:
        factory = _warm_started(factory, starts)
    run_name = f"{searcher.strip().lower()}_seed{seed}"
    runner = Runner(
        space, evaluator, factory, budget=budget, seed=seed, run_dir=out, name=run_name, seconds=seconds,
        config={"task": f"autognn/{name}", "searcher": searcher, "epochs": epochs, "patience": patience,
                "sharing": sharing, "layers": layers, "device": device, "space": space.name,
                "repeats": repeats, "init": init, "selection": selection, "value_dropout": value_dropout,
                "start": [space.key(arch) for arch in starts]},
        progress=progress, workers=workers,
    )  # fmt: skip
    outcome = runner.run(resume=resume)
    ok = [r for r in outcome.records if r.result.ok]
    if not ok:
        raise RuntimeError(f"no architecture trained successfully; see {outcome.log_path}")
    best = _best(ok)
    report = {
        "dataset": name,
        "space": space.name,
        "searcher": searcher,
        "seed": seed,
        "sharing": sharing,
        "arch": best.arch,
        "key": best.key,
        "valid": best.result.objective,
        "test": best.result.metrics.get("test"),
        "evaluations": len(outcome.records),
        "search_seconds": search_seconds(outcome.records),
        "protocol": _protocol(runner.config),
        "status": outcome.status,
        "log": str(outcome.log_path),
    }
    tmp = out / "best.json.tmp"
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, out / "best.json")
    return report


# What a search fixes for every architecture besides the tunable schedule (lr, weight decay, dropout).
# select and tune repeat it from the search's config, and every file they write records it, so that
# `train gnn` retrains a found architecture the way it was found unless told otherwise.
PROTOCOL_DEFAULTS: dict[str, Any] = {
    "epochs": 300,
    "patience": 100,
    "selection": "selected",
    "value_dropout": 0.0,
}


def _protocol(config: dict[str, Any]) -> dict[str, Any]:
    """The training protocol recorded in a search's config (older logs: the defaults)."""
    return {name: config.get(name, default) for name, default in PROTOCOL_DEFAULTS.items()}


def _sample_std(a: np.ndarray) -> float:
    """Sample standard deviation over seeds (ddof=1); 0 for a single seed."""
    from qgnas.core.bench import mean_std

    return mean_std(a)[1]


def _search_log(run_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The one ``<searcher>_seed<k>.jsonl`` log of a ``search_gnn`` directory and its meta config."""
    logs = sorted(run_dir.glob("*_seed*.jsonl"))
    if len(logs) != 1:
        raise ValueError(
            f"{run_dir} should hold exactly one <searcher>_seed<k>.jsonl search log, found {len(logs)}"
        )
    meta_path = logs[0].with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return logs[0], meta


def _fresh_seeds(meta: dict[str, Any], count: int) -> list[int]:
    """``count`` training seeds a search did not use: it trained every architecture with seeds
    ``seed .. seed + repeats - 1``, so these start at ``seed + repeats``."""
    first = int(meta.get("seed", 0)) + int(meta.get("config", {}).get("repeats", 1))
    return list(range(first, first + count))


def _selection_source(run_dir: Path, top: int) -> dict[str, Any]:
    """One search directory's part of a selection: its dataset, protocol, seeds and top candidates."""
    from qgnas.core.runner import read_log

    if not run_dir.is_dir():
        raise FileNotFoundError(f"search directory {run_dir} does not exist")
    log, meta = _search_log(run_dir)
    config = meta.get("config", {})
    task = str(config.get("task", ""))
    if not task.startswith("autognn/"):
        raise ValueError(f"{log} is not a `qgnas search gnn` log (task {task!r})")
    ok = [r for r in read_log(log) if r.result.ok]
    if not ok:
        raise ValueError(f"{log} has no successful evaluation to select from")
    return {
        "dir": run_dir, "log": log, "meta": meta, "dataset": task.split("/", 1)[1],
        "layers": int(config.get("layers", 2)), "protocol": _protocol(config), "evaluations": len(ok),
        "ranked": sorted(ok, key=lambda r: (-r.result.objective, r.index))[:top],
    }  # fmt: skip


def _agreed(sources: list[dict[str, Any]], field: str) -> Any:
    """The value of ``field`` that every search shares; an error naming each search's value if not."""
    values = [s[field] for s in sources]
    if any(v != values[0] for v in values[1:]):
        found = ", ".join(f"{s['dir']}: {s[field]}" for s in sources)
        raise ValueError(f"searches selected together must share their {field}; found {found}")
    return values[0]


@dataclass(frozen=True)
class _Training:
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


def _trainings(training: _Training, jobs: list[tuple[Any, int]], workers: int) -> Iterator[tuple[int, Any]]:
    """``(position in jobs, train_node_classifier's result)`` for every job, each as soon as it is done,
    with ``workers`` processes. Seeded trainings give the same results whatever ``workers`` is, given
    the same torch thread count in every process (``OMP_NUM_THREADS``)."""
    from qgnas.core.parallel import EvaluationPool

    with EvaluationPool(training, workers) as pool:
        yield from pool.map(jobs)


def select_gnn(
    run_dir: str | os.PathLike | Sequence[str | os.PathLike],
    top: int = 5,
    seeds: int = 3,
    data_root: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
    out: str | os.PathLike | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Re-train a search's ``top`` architectures (by validation) with ``seeds`` fresh seeds; keep the
    best *mean* validation accuracy; write ``selected.json``.

    Why: a search trains each architecture once, and the maximum of many single-seed validation
    accuracies (500 nodes on Planetoid) is biased upwards: the winner is partly the luckiest draw.
    Averaging fresh seeds over a short list removes most of that luck. The search's own evaluation is
    not in the average (it is the draw that put the candidate on the list), and test accuracy is
    recorded but never used to choose. The fresh seeds are the ``seeds`` after the search's own ones,
    with the search's training protocol (epochs, patience, selection rule, value dropout). Every
    training is appended to ``selection.jsonl``, so a killed selection resumes where it stopped.

    ``run_dir`` may also be several search directories (independent searches of one dataset under one
    protocol, e.g. with different search seeds): the list is then the ``top`` of *each* search (an
    architecture found twice counts once), the fresh seeds come after every search's own, and the
    files go to ``out``, which is then required (with one directory, ``out`` defaults to it).

    ``workers`` trainings run at once, each in its own process; the results do not depend on it.

    Returns:
        The content of ``selected.json``: the chosen architecture, its mean and std of validation and
        test accuracy (%) over the fresh seeds, every candidate's figures, and the selection's time
        (``selection_seconds``: the trainings' seconds summed, to add to the search's for the total
        search cost; with several workers the wall time is shorter).
    """
    from qgnas.core.runner import read_jsonl
    from qgnas.graph.autognn_space import AutoGNNSpace
    from qgnas.graph.datasets import load_planetoid

    if top < 1 or seeds < 1:
        raise ValueError(f"top and seeds must be positive integers, got top={top}, seeds={seeds}")
    dirs = [Path(run_dir)] if isinstance(run_dir, str | os.PathLike) else [Path(d) for d in run_dir]
    if not dirs or len(set(dirs)) != len(dirs):
        raise ValueError(f"give one or more distinct search directories, got {[str(d) for d in dirs]}")
    if out is None and len(dirs) > 1:
        raise ValueError("selecting across several searches needs an output directory (out=, --out)")
    out_dir = Path(out) if out is not None else dirs[0]
    sources = [_selection_source(d, top) for d in dirs]
    dataset, protocol = _agreed(sources, "dataset"), _agreed(sources, "protocol")
    space = AutoGNNSpace(_agreed(sources, "layers"))
    ranked: dict[str, Any] = {}  # key -> record; each search's top, the better search score kept
    for source in sources:
        for r in source["ranked"]:
            if r.key not in ranked or r.result.objective > ranked[r.key].result.objective:
                ranked[r.key] = r
    load_planetoid(dataset, data_root)  # a missing dataset fails here, before anything is written

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "selection.jsonl"
    # a torn last line from a kill is cut off (that training is redone) before appending
    done = {(row["key"], int(row["seed"])): row for row in read_jsonl(path, repair=True)}
    fresh = max((_fresh_seeds(s["meta"], seeds) for s in sources), key=lambda f: f[0])
    todo = [(r, s) for r in ranked.values() for s in fresh if (r.key, s) not in done]
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), desc="select", unit="run", disable=not (progress and sys.stderr.isatty()))
    training = _Training(
        dataset, None if data_root is None else str(data_root), dict(device=device, **protocol)
    )
    jobs = [(space.from_json(record.arch), seed) for record, seed in todo]
    with path.open("a") as fh, bar:
        for i, res in _trainings(training, jobs, workers):
            record, seed = todo[i]
            row = {"key": record.key, "seed": seed, "valid": 100.0 * res.val_acc, "test": 100.0 * res.test_acc,
                   "seconds": res.seconds}  # fmt: skip
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            done[(record.key, seed)] = row
            bar.update(1)

    candidates = []
    for record in ranked.values():
        rows = [done[(record.key, s)] for s in fresh]
        val, test = np.array([r["valid"] for r in rows]), np.array([r["test"] for r in rows])
        candidates.append({
            "key": record.key, "arch": record.arch, "search_valid": record.result.objective,
            "valid_mean": float(val.mean()), "valid_std": _sample_std(val),
            "test_mean": float(test.mean()), "test_std": _sample_std(test),
            "seconds": float(sum(r["seconds"] for r in rows)),
        })  # fmt: skip
    chosen = max(candidates, key=lambda c: c["valid_mean"])  # max keeps the earlier (better-ranked) on ties
    config = sources[0]["meta"].get("config", {})
    evaluations = sum(s["evaluations"] for s in sources)
    listed = (
        f"the top {len(ranked)} of {evaluations} searched architectures"
        if len(sources) == 1
        else f"the top {top} of each of {len(sources)} searches ({len(ranked)} candidates, "
        f"{evaluations} searched architectures)"
    )
    report = {
        "dataset": dataset,
        "space": config.get("space"),
        "searcher": config.get("searcher"),
        "seed": int(sources[0]["meta"].get("seed", 0)),
        "sharing": bool(config.get("sharing", False)),
        "arch": chosen["arch"],
        "key": chosen["key"],
        "valid": chosen["valid_mean"],
        "test": chosen["test_mean"],
        "selected_by": f"mean validation accuracy over seeds {fresh[0]}..{fresh[-1]} of {listed}",
        "candidates": candidates,
        "evaluations": evaluations,
        "selection_seconds": float(sum(c["seconds"] for c in candidates)),
        "protocol": protocol,
        "log": str(sources[0]["log"]),
    }
    if len(sources) > 1:
        report["searches"] = [
            {"log": str(s["log"]), "seed": int(s["meta"].get("seed", 0)), "evaluations": s["evaluations"]}
            for s in sources
        ]
    tmp = out_dir / "selected.json.tmp"
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, out_dir / "selected.json")
    return report


def tune_gnn(
    run_dir: str | os.PathLike,
    trials: int = 20,
    seeds: int = 2,
    data_root: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Tune the training schedule (lr, weight decay, dropout) of a search's chosen architecture on
    mean validation accuracy (see ``qgnas.graph.tuning``); write ``run_dir/tuned.json``.

    The architecture is ``selected.json``'s when ``select_gnn`` ran, else ``best.json``'s. Training
    seeds are the ``seeds`` after the search's own (fresh, as in ``select_gnn``), the training protocol
    the search's; trials go to ``run_dir/tuning.jsonl``, so a killed tuning resumes. The
    written file is an architecture file that ``train_gnn`` reads, schedule included.
    """
    from qgnas.graph.datasets import load_planetoid
    from qgnas.graph.tuning import tune_training

    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    run_dir = Path(run_dir)
    source = run_dir / "selected.json" if (run_dir / "selected.json").exists() else run_dir / "best.json"
    if not source.exists():
        raise FileNotFoundError(
            f"{run_dir} has neither selected.json nor best.json: run `qgnas search gnn` first"
        )
    arch, meta = load_arch_file(source)
    _, search_meta = _search_log(run_dir)
    config = search_meta.get("config", {})
    search_seed = int(search_meta.get("seed", meta.get("seed", 0)))
    data = load_planetoid(meta["dataset"], data_root)
    out = tune_training(
        arch, data, run_dir / "tuning.jsonl", trials=trials,
        seeds=_fresh_seeds(search_meta, seeds), seed=search_seed,
        device=device, progress=progress, **_protocol(config),
    )  # fmt: skip
    report = {
        "dataset": meta["dataset"],
        "space": meta.get("space"),
        "searcher": meta.get("searcher"),
        "seed": search_seed,
        "arch": arch.to_json(),
        "key": meta.get("key"),
        "training": out["training"],
        "chosen_trial": out["trial"],
        "valid": out["valid_mean"],
        "valid_std": out["valid_std"],
        "test": out["test_mean"],
        "test_std": out["test_std"],
        "default": out["default"],
        "tuned_by": f"mean validation accuracy over seeds {out['seeds'][0]}..{out['seeds'][-1]}, "
        f"{len(out['trials'])} trials (trial 0 = the search's schedule)",
        "architecture_from": str(source),
        "tuning_seconds": out["seconds"],
        "protocol": _protocol(config),
        "trials": out["trials"],
    }
    tmp = run_dir / "tuned.json.tmp"
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, run_dir / "tuned.json")
    return report


def format_tuning(report: dict[str, Any]) -> str:
    """Markdown table of a ``tune_gnn`` report's trials, the chosen one marked."""
    lines = [
        f"{report['dataset']}: `{(report['key'] or '').replace('|', ' -> ')}`, {report['tuned_by']}",
        "",
        "| trial | lr | weight decay | dropout | valid (mean) | test (mean) | s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["trials"]:
        t = row["training"]
        mark = " **(chosen)**" if row["trial"] == report["chosen_trial"] else ""
        ok = row["status"] == "ok"
        lines.append(
            f"| {row['trial']}{mark} | {t['lr']:.2g} | {t['weight_decay']:.2g} | {t['dropout']:.2f} "
            f"| {row['valid_mean'] if ok else float('nan'):.2f} | {row['test_mean'] if ok else float('nan'):.2f} "
            f"| {row['seconds']:.0f} |"
        )
    lines.append(
        f"\nchosen: valid {report['valid']:.2f} ± {report['valid_std']:.2f}, test {report['test']:.2f} ± "
        f"{report['test_std']:.2f}; tuning time {report['tuning_seconds']:.0f} s; written to tuned.json"
    )
    return "\n".join(lines) + "\n"


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
    from qgnas.graph.trainer import EpochSelector
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
    recorded = _protocol(meta.get("protocol", {}))
    epochs = int(recorded["epochs"] if epochs is None else epochs)
    selection = recorded["selection"] if selection is None else selection
    value_dropout = float(recorded["value_dropout"] if value_dropout is None else value_dropout)
    EpochSelector(patience, selection)  # a bad rule fails before the data loads
    if not 0.0 <= value_dropout < 1.0:
        raise ValueError(f"value_dropout={value_dropout} must be in [0, 1)")
    load_planetoid(name, data_root)  # a missing dataset fails here
    start = time.perf_counter()
    options = dict(epochs=epochs, patience=patience, device=device, keep_curves=plot is not None,
                   selection=selection, value_dropout=value_dropout, **training)  # fmt: skip
    jobs = [(arch, s) for s in range(seeds)]
    runs: list[Any] = [None] * seeds
    for i, res in _trainings(
        _Training(name, None if data_root is None else str(data_root), options), jobs, workers
    ):
        runs[i] = res
    seconds = time.perf_counter() - start
    test = np.array([100.0 * r.test_acc for r in runs])
    val = np.array([100.0 * r.val_acc for r in runs])
    if plot is not None:
        _plot_curves(Path(plot), runs, f"{name}: {arch} ({seeds} seeds)")

    return {
        "dataset": name,
        "arch": arch.to_json(),
        "training": training,
        "epochs": epochs,
        "patience": patience,
        "selection": selection,
        "value_dropout": value_dropout,
        "seeds": seeds,
        "test_mean": float(test.mean()),
        "test_std": _sample_std(test),
        "valid_mean": float(val.mean()),
        "valid_std": _sample_std(val),
        "test": test.tolist(),
        "valid": val.tolist(),
        "epochs_run": [r.epochs for r in runs],
        "params": runs[0].params,
        "seconds": seconds,
        "plot": None if plot is None else str(plot),
    }


def _plot_curves(path: Path, runs: list[Any], title: str) -> None:
    """Accuracy (validation, test) and loss (train, validation) per epoch: one thin line per seed, the
    selected epochs marked. Seeds that stop early simply end earlier."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (acc, loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"val_acc": ("C0", "validation"), "test_acc": ("C1", "test"),
              "train_loss": ("C2", "train"), "val_loss": ("C0", "validation")}  # fmt: skip
    for i, run in enumerate(runs):
        epochs = np.arange(1, len(run.curves["val_acc"]) + 1)
        for key, ax, scale in (("val_acc", acc, 100), ("test_acc", acc, 100),
                               ("train_loss", loss, 1), ("val_loss", loss, 1)):  # fmt: skip
            color, label = styles[key]
            ax.plot(epochs, scale * np.asarray(run.curves[key]), color=color, lw=0.8, alpha=0.6,
                    label=label if i == 0 else None)  # fmt: skip
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


def search_report(run_dir: str | os.PathLike, budget: int | None = None) -> dict[str, Any]:
    """Summary of one ``search_gnn`` directory, cut at the first ``budget`` evaluations if given.

    Cutting is exact: a searcher's proposals depend only on the results before them, so the first N
    evaluations of a longer run are the run a budget of N would have made with the same seed.
    """
    from qgnas.core.runner import read_log

    run_dir = Path(run_dir)
    log, meta = _search_log(run_dir)
    config = meta.get("config", {})
    records = read_log(log)[: budget or None]
    ok = [r for r in records if r.result.ok]
    best = _best(ok) if ok else None
    seconds = [r.result.seconds for r in records if r.result.seconds is not None]
    return {
        "run": str(run_dir),
        "dataset": str(config.get("task", "")).rsplit("/", 1)[-1] or None,
        "seed": meta.get("seed"),
        "searcher": config.get("searcher", log.stem.rsplit("_seed", 1)[0]),
        "sharing": bool(config.get("sharing", False)),
        "epochs": config.get("epochs"),
        "evaluations": len(records),
        "failed": len(records) - len(ok),
        "valid": best.result.objective if best else float("nan"),
        "test": best.result.metrics.get("test", float("nan")) if best else float("nan"),
        "best_index": best.index if best else None,
        "arch": best.key if best else None,
        "seconds_per_arch": float(np.mean(seconds)) if seconds else float("nan"),
        "search_seconds": search_seconds(records),
    }


def format_search_table(reports: list[dict[str, Any]]) -> str:
    """Markdown table of ``search_report`` rows."""
    head = (
        "| run | searcher | sharing | epochs | archs | valid | test | s/arch | search s | best architecture |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = [
        f"| {r['run']} | {r['searcher']} | {'on' if r['sharing'] else 'off'} | {r['epochs']} | {r['evaluations']} "
        f"| {r['valid']:.2f} | {r['test']:.2f} | {r['seconds_per_arch']:.1f} | {r['search_seconds']:.0f} "
        f"| `{(r['arch'] or '').replace('|', ' -> ')}` |"
        for r in reports
    ]
    return head + "\n".join(rows) + "\n"


def format_search_summary(reports: list[dict[str, Any]]) -> str:
    """Markdown table of ``search_report`` rows grouped by dataset, searcher, sharing and epochs:
    mean +- sample std over the group's runs (seeds) of the best-by-validation architecture's
    validation and test accuracy, and the mean seconds per architecture."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in reports:
        groups.setdefault((r.get("dataset"), r["searcher"], r["sharing"], r["epochs"]), []).append(r)
    head = (
        "| dataset | searcher | sharing | epochs | seeds | archs | valid | test | s/arch |\n"
        "|---|---|---|---:|---|---:|---:|---:|---:|\n"
    )
    rows = []
    for (dataset, searcher, sharing, epochs), rs in groups.items():
        val = np.array([r["valid"] for r in rs])
        test = np.array([r["test"] for r in rs])
        seeds = ",".join(str(r.get("seed")) for r in rs)
        archs = "/".join(sorted({str(r["evaluations"]) for r in rs}))
        rows.append(
            f"| {dataset} | {searcher} | {'on' if sharing else 'off'} | {epochs} | {seeds} | {archs} "
            f"| {val.mean():.2f} ± {_sample_std(val):.2f} | {test.mean():.2f} ± {_sample_std(test):.2f} "
            f"| {np.mean([r['seconds_per_arch'] for r in rs]):.1f} |"
        )
    return head + "\n".join(rows) + "\n"


def format_selection(report: dict[str, Any]) -> str:
    """Markdown table of a ``select_gnn`` report, the chosen row marked."""
    seeds = report["selected_by"]
    lines = [
        f"{report['dataset']}: {seeds}",
        "",
        "| candidate | search valid | valid (mean ± std) | test (mean ± std) | s |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in report["candidates"]:
        mark = " **(selected)**" if c["key"] == report["key"] else ""
        lines.append(
            f"| `{c['key'].replace('|', ' -> ')}`{mark} | {c['search_valid']:.2f} "
            f"| {c['valid_mean']:.2f} ± {c['valid_std']:.2f} | {c['test_mean']:.2f} ± {c['test_std']:.2f} "
            f"| {c['seconds']:.0f} |"
        )
    lines.append(
        f"\nselection time {report['selection_seconds']:.0f} s of training (summed over the trainings); "
        "written to selected.json"
    )
    return "\n".join(lines) + "\n"


def _cap_note(report: dict[str, Any]) -> str:
    """Say so when trainings ran into the epoch cap before patience stopped them (then more epochs
    might still have helped)."""
    if report.get("patience") is None:  # no early stopping: every training runs to the cap by design
        return ""
    capped = sum(n >= report["epochs"] for n in report.get("epochs_run", []))
    return (
        f"; {capped} of {report['seeds']} trainings reached the {report['epochs']}-epoch cap"
        if capped
        else ""
    )


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


__all__ = [
    "GNN_SEARCHERS",
    "format_search_table",
    "format_selection",
    "format_train_report",
    "format_tuning",
    "load_arch_file",
    "search_gnn",
    "search_report",
    "select_gnn",
    "train_gnn",
    "tune_gnn",
]
