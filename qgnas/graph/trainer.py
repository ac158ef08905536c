"""Transductive node classification for an Auto-GNN architecture, and the training evaluator.

Training follows GraphNAS/GAT on the Planetoid public split: full-batch Adam (lr 0.005, weight decay
5e-4), dropout 0.6, up to 300 epochs, cross-entropy on the 20-per-class training nodes. Model selection
is on validation only, by a GAT-like rule (:class:`EpochSelector`, which also has GAT's exact one); we
report the selected epoch's validation and test accuracy.

Determinism: the whole run (initialisation, dropout) draws from torch's global generator seeded with
``seed`` inside ``torch.random.fork_rng``, so the caller's random state is untouched and the same seed
gives the same numbers bit for bit on CPU. (CUDA scatter reductions are not deterministic; on a GPU the
same seed gives close, not identical, numbers.)
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from qgnas.core import Evaluator, Result
from qgnas.core.device import resolve_device
from qgnas.core.io import atomic_write
from qgnas.core.threads import use_default_threads

from .autognn_space import AutoGNNSpace, GNNArch
from .tuning import DEFAULT_TRAINING


@dataclass
class TrainResult:
    """What one training run measured. Accuracies are fractions in [0, 1]."""

    val_acc: float
    test_acc: float
    val_loss: float
    params: int
    seconds: float
    epochs: int  # epochs actually run
    best_epoch: int  # 1-based epoch whose weights were selected
    inherited: list[str] = field(default_factory=list)  # parameter names initialised from init_state
    state: dict[str, torch.Tensor] | None = field(default=None, repr=False)  # selected weights (CPU)
    # per-epoch learning curves (``keep_curves=True``): train_loss, val_loss, val_acc, test_acc
    curves: dict[str, list[float]] | None = field(default=None, repr=False)


SELECTION_RULES = ("selected", "gat")


class EpochSelector:
    """Early stopping and model selection on validation, fed one epoch's accuracy and loss at a time.

    Both rules select an epoch only when its validation accuracy is at least, *and* its validation loss
    at most, some reference pair, so a lone spike of accuracy while the loss is still high (typical of
    the first epochs on 500 validation nodes) does not win. They differ in the reference:

    - ``"selected"`` (default, every search and result in the README): the selected epoch's own pair.
      The patience counter restarts when an epoch strictly improves the best accuracy or the lowest
      loss seen so far.
    - ``"gat"``: GAT's reference code (``execute_cora.py``). The reference is two running records kept
      apart, the best accuracy and the lowest loss seen so far, so an epoch that beats the selected one
      but not both records is not selected; and an epoch that *ties* a record restarts the patience
      counter too, so training runs longer on accuracy plateaus. Use it with GAT's schedule
      (``epochs`` well above 300: GAT has no cap) to reproduce GAT's protocol.

    Training stops after ``patience`` epochs without a restart (``None``: never early).
    """

    def __init__(self, patience: int | None = 100, rule: str = "selected"):
        if rule not in SELECTION_RULES:
            raise ValueError(f"unknown selection rule {rule!r}; allowed: {', '.join(SELECTION_RULES)}")
        self.patience, self.rule = patience, rule
        self.max_acc, self.min_loss = -1.0, math.inf  # running records
        self.chosen = (-1.0, math.inf)  # the selected epoch's (accuracy, loss)
        self.waited = 0

    def update(self, val_acc: float, val_loss: float) -> tuple[bool, bool]:
        """``(select, stop)`` for this epoch: keep its weights? stop training after it?"""
        if self.rule == "gat":
            select = val_acc >= self.max_acc and val_loss <= self.min_loss
            restart = val_acc >= self.max_acc or val_loss <= self.min_loss
        else:
            select = val_acc >= self.chosen[0] and val_loss <= self.chosen[1]
            restart = val_acc > self.max_acc or val_loss < self.min_loss
        if select:
            self.chosen = (val_acc, val_loss)
        if restart:
            self.max_acc, self.min_loss = max(self.max_acc, val_acc), min(self.min_loss, val_loss)
            self.waited = 0
        else:
            self.waited += 1
        return select, self.patience is not None and self.waited >= self.patience


def _graph(data: Any) -> tuple[Any, int]:
    """(graph, number of classes) from a PyG dataset or a single ``Data`` object."""
    from torch_geometric.data import Dataset

    if isinstance(data, Dataset):
        return data[0], int(data.num_classes)
    return data, int(data.y.max().item()) + 1


def _load_init_state(model: torch.nn.Module, init_state: Mapping[str, torch.Tensor] | None) -> list[str]:
    """Load the (partial) ``init_state`` into ``model``; returns the names it set."""
    if not init_state:
        return []
    missing_unexpected = model.load_state_dict(dict(init_state), strict=False)
    if missing_unexpected.unexpected_keys:
        raise KeyError(f"init_state has names the model lacks: {missing_unexpected.unexpected_keys[:3]}")
    return sorted(init_state)


class _GraphTensors:
    """A graph's features, edges, labels and split masks on one device."""

    def __init__(self, graph: Any, dev: torch.device) -> None:
        self.x, self.edge_index, self.y = graph.x.to(dev), graph.edge_index.to(dev), graph.y.to(dev)
        self.train, self.val, self.test = (
            graph.train_mask.to(dev),
            graph.val_mask.to(dev),
            graph.test_mask.to(dev),
        )


def _train_epoch(
    model: torch.nn.Module, opt: torch.optim.Optimizer, g: _GraphTensors
) -> tuple[float, float, float, float]:
    """One full-batch step, then ``(train loss, validation loss, validation accuracy, test accuracy)``."""
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(g.x, g.edge_index)[g.train], g.y[g.train])
    loss.backward()
    opt.step()

    model.eval()
    with torch.no_grad():
        logits = model(g.x, g.edge_index)
        pred = logits.argmax(dim=1)
        val_loss = float(F.cross_entropy(logits[g.val], g.y[g.val]))
        val_acc = float((pred[g.val] == g.y[g.val]).float().mean())
        test_acc = float((pred[g.test] == g.y[g.test]).float().mean())
    if not math.isfinite(val_loss):
        val_loss = math.inf
    return loss.item(), val_loss, val_acc, test_acc


def train_node_classifier(  # long only by its 14 keyword arguments and their documentation
    arch: GNNArch,
    data: Any,
    *,
    epochs: int = 300,
    patience: int | None = 100,
    lr: float = DEFAULT_TRAINING["lr"],
    weight_decay: float = DEFAULT_TRAINING["weight_decay"],
    dropout: float = DEFAULT_TRAINING["dropout"],
    batch_norm: bool = False,
    seed: int = 0,
    device: str | torch.device | None = "cpu",
    init_state: Mapping[str, torch.Tensor] | None = None,
    keep_state: bool = False,
    keep_curves: bool = False,
    selection: str = "selected",
    value_dropout: float = 0.0,
) -> TrainResult:
    """Train ``arch`` on ``data`` (a Planetoid dataset or its ``Data``) and evaluate on its masks.

    Args:
        epochs: at most this many epochs.
        patience: stop after this many epochs without improvement of validation accuracy or loss
            (``None``: never stop early).
        seed: seeds initialisation and dropout (deterministic on CPU).
        device: ``"cpu"`` or ``"cuda"`` (error when CUDA is absent).
        init_state: weights to start from (for parameter sharing): a partial state dict whose tensors
            match the model's shapes (see ``qgnas.graph.model.inheritable_state``); parameters not in it
            keep their fresh (seeded) initialisation.
        keep_state: return the selected weights (on CPU) in ``TrainResult.state``.
        keep_curves: return every epoch's train loss, validation loss and accuracy, and test accuracy
            in ``TrainResult.curves`` (for plots, and for comparing reporting protocols).
        selection: ``"selected"`` or ``"gat"``, the epoch-selection and early-stopping rule (see
            :class:`EpochSelector`).
        value_dropout: dropout on every layer's transformed features before aggregation (see
            :class:`~qgnas.graph.layers.SearchConv`; GAT's protocol uses ``dropout`` there).
    """
    from .model import build_model, count_parameters

    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    selector = EpochSelector(patience, selection)  # checks the rule before any work
    dev = resolve_device(device)
    graph, num_classes = _graph(data)
    start = time.perf_counter()
    devices = [dev.index or 0] if dev.type == "cuda" else []
    use_default_threads()  # one thread unless QGNAS_THREADS says otherwise (qgnas.core.threads: why)
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        model = build_model(
            arch,
            graph.num_features,
            num_classes,
            dropout=dropout,
            batch_norm=batch_norm,
            value_dropout=value_dropout,
        )
        inherited = _load_init_state(model, init_state)
        model.to(dev)
        tensors = _GraphTensors(graph, dev)
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)

        best_test, best_epoch, best_state, epoch = 0.0, 0, None, 0  # at the selected epoch
        curves: dict[str, list[float]] | None = (
            {"train_loss": [], "val_loss": [], "val_acc": [], "test_acc": []} if keep_curves else None
        )
        for epoch in range(1, epochs + 1):
            loss, val_loss, val_acc, test_acc = _train_epoch(model, opt, tensors)
            if curves is not None:
                for name, value in zip(curves, (loss, val_loss, val_acc, test_acc), strict=True):
                    curves[name].append(value)
            select, stop = selector.update(val_acc, val_loss)
            if select:
                best_test, best_epoch = test_acc, epoch
                if keep_state:
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            if stop:
                break
    return TrainResult(
        val_acc=selector.chosen[0],
        test_acc=best_test,
        val_loss=selector.chosen[1],
        params=count_parameters(model),
        seconds=time.perf_counter() - start,
        epochs=epoch,
        best_epoch=best_epoch,
        inherited=inherited,
        state=best_state,
        curves=curves,
    )


class WeightStore:
    """Trained weights of the best ``capacity`` architectures, by canonical key, for parameter sharing.

    Auto-GNN's children are modifications of the best architecture so far, so keeping the best few is
    enough and bounds memory (a wide first layer on Cora is ~25 MB). With ``directory`` the weights are
    also written there (one ``.pt`` per architecture, evicted ones deleted), so a resumed search finds
    the parents it had.
    """

    def __init__(self, capacity: int = 8, directory: str | os.PathLike | None = None):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = int(capacity)
        self.directory = Path(directory) if directory is not None else None
        self._items: dict[str, tuple[float, GNNArch, dict[str, torch.Tensor] | None]] = {}
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            for path in sorted(self.directory.glob("*.pt")):
                saved = torch.load(path, map_location="cpu", weights_only=False)
                self._items[saved["key"]] = (float(saved["objective"]), saved["arch"], None)

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.pt"

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, GNNArch, float]]:
        """(key, arch, objective) of every stored architecture, best first."""
        return sorted(((k, a, o) for k, (o, a, _) in self._items.items()), key=lambda t: -t[2])

    def get(self, key: str) -> dict[str, torch.Tensor] | None:
        if key not in self._items:
            return None
        objective, arch, state = self._items[key]
        if state is None and self.directory is not None:
            state = torch.load(self._path(key), map_location="cpu", weights_only=False)["state"]
            self._items[key] = (objective, arch, state)
        return state

    def put(self, key: str, arch: GNNArch, objective: float, state: dict[str, torch.Tensor]) -> None:
        if len(self._items) >= self.capacity and key not in self._items:
            worst = min(self._items, key=lambda k: self._items[k][0])
            if self._items[worst][0] >= objective:
                return  # not among the best: nothing to keep
            del self._items[worst]
            if self.directory is not None:
                self._path(worst).unlink(missing_ok=True)
        self._items[key] = (objective, arch, state)
        if self.directory is not None:
            entry = {"key": key, "arch": arch, "objective": objective, "state": state}
            atomic_write(self._path(key), lambda fh: torch.save(entry, fh))


class GNNTrainingEvaluator(Evaluator):
    """Real training of Auto-GNN architectures on a Planetoid dataset (a core ``Evaluator``).

    Result: ``objective`` = validation accuracy (%); ``metrics``: ``test`` (%), ``params``, ``epochs``,
    ``best_epoch``, ``train_seconds``; with sharing also ``inherited_layers``, ``shared`` (0/1: some
    weights inherited) and ``brief`` (0/1: all layers inherited, brief schedule).

    Constrained parameter sharing (Auto-GNN), with ``sharing=True``: trained weights of the best
    architectures are kept in a :class:`WeightStore`; a new architecture starts from a stored parent's
    weights where the layers are homogeneous (:func:`qgnas.graph.model.inheritable_state`). A child that
    inherits *every* layer is then trained briefly (``shared_epochs``, ``shared_patience``); a child that
    inherits only some layers starts from them but gets the full schedule, because its fresh layers are
    untrained (with 10 brief epochs such a child fell to 32% validation accuracy on Cora where full
    training reached 72%: the instability Auto-GNN reports for unconstrained sharing). The parent is the
    one the searcher named through :meth:`hint_parent` (Auto-GNN's controller names the best architecture
    it modified); without a hint it is the stored architecture from which the most weights can be
    inherited. When nothing is inheritable the child is trained in full, as without sharing.

    Args:
        dataset: ``cora``, ``citeseer``, ``pubmed`` (loaded lazily, see ``load_planetoid``) or an
            already loaded PyG dataset / ``Data``.
        layers: layer count of the space (for validation of incoming architectures).
        epochs, patience, lr, weight_decay, dropout, batch_norm, selection, value_dropout: training
            (see :func:`train_node_classifier`).
        seed: training seed, the same for every architecture so that results are a function of the
            architecture alone (what search caches and resumes assume).
        repeats: train each architecture with seeds ``seed .. seed + repeats - 1`` and score the *mean*
            validation accuracy. One 500-node validation score has a seed-to-seed spread of about one
            point, as large as the gaps between good architectures, so a one-seed search's incumbent is
            partly its luckiest draw; a conservative explorer then spends its budget around that draw.
            ``metrics`` then holds means (``test``, ``epochs``, ``best_epoch``) and ``valid_std``.
        device: ``"cpu"`` or ``"cuda"``.
        data_root: data root (default ``$QGNAS_DATA``, else ``~/.cache/qgnas/data``).
        sharing, shared_epochs, shared_patience, store_size, store_dir: parameter sharing (see above);
            ``store_dir`` keeps the stored weights on disk, so a resumed search finds its parents.
    """

    def __init__(
        self,
        dataset: Any = "cora",
        *,
        layers: int = 2,
        epochs: int = 300,
        patience: int | None = 100,
        lr: float = DEFAULT_TRAINING["lr"],
        weight_decay: float = DEFAULT_TRAINING["weight_decay"],
        dropout: float = DEFAULT_TRAINING["dropout"],
        batch_norm: bool = False,
        selection: str = "selected",
        value_dropout: float = 0.0,
        seed: int = 0,
        repeats: int = 1,
        device: str = "cpu",
        data_root: str | os.PathLike | None = None,
        sharing: bool = False,
        shared_epochs: int = 50,
        shared_patience: int | None = 20,
        store_size: int = 8,
        store_dir: str | os.PathLike | None = None,
    ):
        self.space = AutoGNNSpace(layers)
        if isinstance(dataset, str):
            from .datasets import resolve_dataset

            self.dataset_name = resolve_dataset(dataset).lower()
            self._data, self._named = None, True
        else:
            self.dataset_name = str(getattr(dataset, "name", "custom")).lower()
            self._data, self._named = dataset, False
        self.data_root = data_root
        self.train_options = dict(
            epochs=epochs,
            patience=patience,
            lr=lr,
            weight_decay=weight_decay,
            dropout=dropout,
            batch_norm=batch_norm,
            selection=selection,
            value_dropout=value_dropout,
            seed=seed,
        )
        EpochSelector(patience, selection)  # a bad rule fails now, not at the first training
        if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
            raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
        self.repeats = repeats
        self.device = str(resolve_device(device))
        self.sharing = bool(sharing)
        self.shared_options = dict(self.train_options, epochs=shared_epochs, patience=shared_patience)
        self.store = WeightStore(store_size, store_dir) if sharing else None
        self._hints: dict[str, GNNArch] = {}
        self.name = (
            f"autognn-train/{self.dataset_name}"
            + (f"x{repeats}" if repeats > 1 else "")
            + ("+sharing" if sharing else "")
        )

    @property
    def data(self) -> Any:
        if self._data is None:
            from .datasets import load_planetoid

            self._data = load_planetoid(self.dataset_name, self.data_root)
        return self._data

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self._named:
            state["_data"] = None  # a dataset given by name is reloaded in the other process, not pickled
        return state

    def hint_parent(self, child: GNNArch, parent: GNNArch | None) -> None:
        """Tell the evaluator which architecture ``child`` was derived from (for weight sharing)."""
        key = self.space.key(child)
        if parent is None:
            self._hints.pop(key, None)
        else:
            self._hints[key] = parent

    def _parent_state(self, child: GNNArch, model_probe: torch.nn.Module) -> tuple[str | None, dict]:
        from .model import inheritable_state

        assert self.store is not None
        hint = self._hints.pop(self.space.key(child), None)
        candidates = self.store.items()
        if hint is not None and self.space.key(hint) in self.store:  # else (evicted): any stored parent
            candidates = [c for c in candidates if c[0] == self.space.key(hint)]
        best: tuple[str | None, dict, int] = (None, {}, 0)
        for key, arch, _ in candidates:
            state = self.store.get(key)
            if state is None:
                continue
            shared = inheritable_state(arch, state, child, model_probe)
            size = sum(t.numel() for t in shared.values())
            if size > best[2]:
                best = (key, shared, size)
        return best[0], best[1]

    def _evaluate(self, arch: GNNArch) -> Result:
        arch = self.space.validate(arch)
        start = time.perf_counter()
        metrics: dict[str, float] = {}
        options, init = self.train_options, None
        if self.sharing:
            from .model import build_model

            # A throw-away model gives the child's parameter names and shapes; its initialisation draws
            # from a forked generator so that the caller's random state is untouched.
            graph, num_classes = _graph(self.data)
            with torch.random.fork_rng(devices=[]):
                probe = build_model(arch, graph.num_features, num_classes, batch_norm=options["batch_norm"])
            _parent, init = self._parent_state(arch, probe)
            inherited = len({k.split(".")[1] for k in init})
            if inherited == len(arch.layers):  # every layer starts trained: a brief run suffices
                options = self.shared_options
            metrics.update(
                inherited_layers=inherited, shared=int(bool(init)), brief=int(options is self.shared_options)
            )
        seed = options["seed"]
        # With sharing every repeat starts from the same inherited weights; the first repeat's trained
        # weights are the ones stored for later children.
        runs = [
            train_node_classifier(
                arch,
                self.data,
                device=self.device,
                init_state=init,
                keep_state=self.sharing and r == 0,
                **dict(options, seed=seed + r),
            )
            for r in range(self.repeats)
        ]
        out, vals = runs[0], [100.0 * r.val_acc for r in runs]
        val = float(np.mean(vals))
        if self.store is not None and out.state is not None:
            self.store.put(self.space.key(arch), arch, val, out.state)
        metrics.update(
            test=float(np.mean([100.0 * r.test_acc for r in runs])),
            params=out.params,
            epochs=out.epochs,
            best_epoch=out.best_epoch,
            train_seconds=sum(r.seconds for r in runs),
        )
        if self.repeats > 1:  # one repeat keeps its integer epochs; several report means and the spread
            metrics.update(
                epochs=float(np.mean([r.epochs for r in runs])),
                best_epoch=float(np.mean([r.best_epoch for r in runs])),
                valid_std=float(np.std(vals, ddof=1)),
            )
        return Result(objective=val, metrics=metrics, seconds=time.perf_counter() - start)


__all__ = ["GNNTrainingEvaluator", "TrainResult", "WeightStore", "resolve_device", "train_node_classifier"]
