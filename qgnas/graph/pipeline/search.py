"""``search_gnn``: one search of the Auto-GNN space with real training, through the core ``Runner``.

Its log is the per-evaluation JSONL the rest of qgnas reads, and ``resume=True`` continues an
interrupted search without repeating an evaluation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import InvalidArchitecture, Runner, Searcher, SearchSpace, search_seconds
from qgnas.core.io import atomic_write_json
from qgnas.searchers import LATENT_SEARCHERS

from .protocol import best_record, load_arch_file, training_protocol

#: The searchers ``qgnas search gnn`` offers (any registered searcher works from Python). ``graphnas``
#: is the registry's alias of ``reinforce`` (GraphNAS's controller is that REINFORCE LSTM searcher); it
#: stays listed because the log file is named as the searcher was given, and logs named so resume.
GNN_SEARCHERS: tuple[str, ...] = ("autognn", "graphnas", "reinforce", "random", "gae-bo", "gae-rl")


def resolve_gnn_searcher(name: str) -> str:
    """The registered searcher behind ``name`` (aliases such as ``graphnas`` included); ValueError
    names the allowed."""
    from qgnas.searchers import resolve_searcher

    return resolve_searcher(name.strip())


def search_log_name(searcher: str, seed: int) -> str:
    """The run name (log file stem) of a search: ``<searcher>_seed<seed>`` with the name as given."""
    return f"{searcher.strip().lower()}_seed{seed}"


def _searcher_factory(name: str, evaluator: Any, sharing: bool, init: int = 1, encoder: Any = None):
    key = resolve_gnn_searcher(name)
    if key == "autognn":
        from qgnas.searchers.autognn import AutoGNNSearcher

        def make(space: SearchSpace, rng: np.random.Generator) -> Searcher:
            lineage = evaluator.hint_parent if sharing else None
            return AutoGNNSearcher(space, rng, n_init=init, lineage=lineage)

        return make
    if init != 1:
        raise ValueError(f"init (starting architectures) applies to the autognn searcher only, not {name!r}")
    from qgnas.searchers import make_searcher

    options = {} if key not in LATENT_SEARCHERS else {"encoder": encoder}

    def make_registered(space: SearchSpace, rng: np.random.Generator) -> Searcher:
        return make_searcher(key, space, rng, **options)

    return make_registered


def _checked_encoder(searcher: str, encoder: Any, space: SearchSpace) -> Any:
    """The latent searchers' encoder loaded and checked against ``space`` (None for the others), so
    that a missing or mismatched checkpoint fails before a log is written, not at the first ask."""
    if resolve_gnn_searcher(searcher) not in LATENT_SEARCHERS:
        if encoder is not None:
            raise ValueError(
                f"encoder applies to the latent searchers ({', '.join(LATENT_SEARCHERS)}), not {searcher!r}"
            )
        return None
    from qgnas.searchers.latent import resolve_encoder

    return resolve_encoder(encoder, space)


def _warm_started(factory: Any, starts: list[Any]) -> Any:
    """``factory``'s searcher behind a ``WarmStart`` that proposes ``starts`` first."""
    from qgnas.core import WarmStart

    def make(space: SearchSpace, rng: np.random.Generator) -> Searcher:
        return WarmStart(factory(space, rng), starts)

    return make


def _starting_archs(space: Any, start: Sequence[str | os.PathLike]) -> list[Any]:
    """The architectures of the ``start`` files, checked before anything trains so the error names
    the file."""
    starts = []
    for path in start:
        try:
            starts.append(space.validate(load_arch_file(path)[0]))
        except InvalidArchitecture as exc:
            raise InvalidArchitecture(f"starting architecture {path}: {exc}") from None
    return starts


def _check_options(init: int, sharing: bool, workers: int) -> None:
    if init < 1:
        raise ValueError(f"init must be a positive integer, got {init}")
    if sharing and workers != 1:
        raise ValueError(
            f"parameter sharing needs workers=1, got workers={workers}: a child inherits the weights that "
            "the process which trained its parent keeps"
        )


def _best_report(
    outcome: Any, config: dict[str, Any], dataset: str, space: str, searcher: str, seed: int, sharing: bool
) -> dict[str, Any]:
    """``best.json``: the best architecture by validation accuracy, and the search's size and time."""
    ok = [r for r in outcome.records if r.result.ok]
    if not ok:
        raise RuntimeError(f"no architecture trained successfully; see {outcome.log_path}")
    best = best_record(ok)
    return {
        "dataset": dataset,
        "space": space,
        "searcher": searcher,
        "seed": seed,
        "sharing": sharing,
        "arch": best.arch,
        "key": best.key,
        "valid": best.result.objective,
        "test": best.result.metrics.get("test"),
        "evaluations": len(outcome.records),
        "search_seconds": search_seconds(outcome.records),
        "protocol": training_protocol(config),
        "status": outcome.status,
        "log": str(outcome.log_path),
    }


def search_gnn(  # long: one keyword per `qgnas search gnn` option, each documented here
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
    encoder: Any = None,
) -> dict[str, Any]:
    """Search the Auto-GNN space on ``dataset`` with real training; write ``out/best.json``.

    Args:
        searcher: ``autognn``, ``graphnas`` or ``reinforce`` (GraphNAS's REINFORCE LSTM controller),
            ``random``, ``gae-bo`` or ``gae-rl`` (latent-space BO and REINFORCE; they need
            ``encoder``), or any registered searcher name.
        budget: distinct architectures trained.
        seed: run seed (searcher stream and the training seed of every architecture).
        out: run directory: ``<searcher>_seed<seed>.jsonl`` (one line per evaluation), its
            ``.meta.json``, ``weights/`` with sharing, and ``best.json``.
        resume: continue the search logged in ``out``; without it a logged search raises
            FileExistsError.
        sharing: Auto-GNN's constrained parameter sharing (children inherit and train briefly).
        seconds: optional wall-clock budget.
        choices: restrict fields of the space, e.g. ``{"heads": (1, 2, 4, 8)}`` (see ``AutoGNNSpace``).
        repeats: train every architecture with seeds ``seed .. seed + repeats - 1`` and score the mean
            validation accuracy (see ``GNNTrainingEvaluator``); ``select_gnn`` and ``tune_gnn`` then
            draw their fresh seeds after these.
        init: Auto-GNN only: architectures its controllers sample from scratch before the conservative
            explorer starts from the best of them (1, the paper's single start, by default). The
            explorer stays near where it starts, so a poor first draw can hold a whole search; a few
            starts cost a few trainings.
        selection, value_dropout: the epoch-selection rule and the dropout on transformed features of
            every training (``train_node_classifier``); with ``epochs=1000``, ``"gat"`` and 0.6 every
            architecture is trained under GAT's protocol.
        start: architecture files (``best.json`` or a bare architecture, e.g.
            ``experiments/configs/gnn/gat_8x8.json``) trained first, in order (``WarmStart``); Auto-GNN
            then explores from the best of them instead of from random draws (with ``init`` > the
            number of files, the remaining starts are drawn). Recorded in the config by key.
        workers: architectures trained at once, each in its own process (``Runner``), so that a search
            uses every core. Not with ``sharing``: a child inherits weights that the process which
            trained its parent holds.
        output_activation: fix the last layer's activation (e.g. ``"linear"``: no activation on the
            logits) instead of searching it; a departure from the published space (``AutoGNNSpace``).
        encoder: the latent searchers' encoder, a checkpoint directory (``qgnas encode train --space
            autognn``) or an :class:`~qgnas.encoders.Encoder`, trained on this very space (the same
            ``choices`` and ``output_activation``); checked before anything trains. Recorded in the
            config by its path.

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
        name,
        layers=layers,
        epochs=epochs,
        patience=patience,
        seed=seed,
        device=device,
        data_root=data_root,
        sharing=sharing,
        store_dir=out / "weights" if sharing else None,
        repeats=repeats,
        selection=selection,
        value_dropout=value_dropout,
    )
    space = AutoGNNSpace(layers, choices, output_activation)  # a bad restriction fails before any log
    _check_options(init, sharing, workers)
    starts = _starting_archs(space, start)
    factory = _searcher_factory(
        searcher, evaluator, sharing, init, _checked_encoder(searcher, encoder, space)
    )
    if starts:
        factory = _warm_started(factory, starts)
    config = {
        "task": f"autognn/{name}",
        "searcher": searcher,
        "epochs": epochs,
        "patience": patience,
        "sharing": sharing,
        "layers": layers,
        "device": device,
        "space": space.name,
        "repeats": repeats,
        "init": init,
        "selection": selection,
        "value_dropout": value_dropout,
        "start": [space.key(arch) for arch in starts],
    }
    if encoder is not None:
        config["encoder"] = (
            str(Path(encoder).resolve()) if isinstance(encoder, str | os.PathLike) else repr(encoder)
        )
    runner = Runner(
        space,
        evaluator,
        factory,
        budget=budget,
        seed=seed,
        run_dir=out,
        name=search_log_name(searcher, seed),
        seconds=seconds,
        config=config,
        progress=progress,
        workers=workers,
    )
    outcome = runner.run(resume=resume)
    report = _best_report(outcome, runner.config, name, space.name, searcher, seed, sharing)
    atomic_write_json(out / "best.json", report)
    return report
