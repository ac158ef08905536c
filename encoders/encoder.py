"""A trained architecture encoder: ``encode`` architectures to latent vectors, ``decode`` vectors back,
and the checkpoint format.

A checkpoint directory holds ``model.pt`` (the state dict) and ``config.json`` (the model's sizes, the
op vocabulary and the space it was trained on: its name, class and constructor arguments). Loading it
for another space is refused, since its latent coordinates mean nothing there.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgnas.core import InvalidArchitecture, SearchSpace
from qgnas.core.io import atomic_write_json

from .graphs import pad_graphs, unpad_graph
from .model import GraphVAE

FORMAT = "qgnas-encoder/1"


class EncoderMismatch(ValueError):
    """A checkpoint used with a space it was not trained on (or not a checkpoint at all)."""


def space_spec(space: SearchSpace) -> dict[str, Any]:
    """What a checkpoint records of its space: the name, and the class and constructor arguments when
    the space can say them (``space.config()``), so that ``load_encoder`` can rebuild it."""
    cls = type(space)
    config = space.config() if hasattr(space, "config") else None
    return {"name": space.name, "class": f"{cls.__module__}:{cls.__qualname__}", "config": config}


def build_space(spec: dict[str, Any]) -> SearchSpace:
    """The space a checkpoint's ``space_spec`` describes (its class imported by name)."""
    if spec.get("config") is None:
        raise EncoderMismatch(
            f"the encoder's space {spec.get('name')!r} cannot be rebuilt from its checkpoint; pass it: "
            "load_encoder(dir, space=...)"
        )
    module, qualname = spec["class"].split(":")
    cls = getattr(importlib.import_module(module), qualname)
    return cls(**spec["config"])


class Encoder:
    """A trained :class:`~encoders.model.GraphVAE` bound to its space.

    ``encode`` maps architectures (canonicalised first, so equal keys get equal vectors) to the means
    of their latent posteriors; ``decode`` maps latent vectors to architectures through the space's
    ``from_graph``. Both are deterministic and run on the CPU with the threads torch has.
    """

    def __init__(self, space: SearchSpace, model: GraphVAE, config: dict[str, Any]):
        self.space = space
        self.model = model.eval()
        self.config = config
        self.vocabulary: tuple[str, ...] = tuple(config["vocabulary"])
        self.n_nodes = int(config["n_nodes"])
        self.latent = int(config["latent"])
        self.metrics: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Encoder(space={self.space.name!r}, latent={self.latent}, nodes={self.n_nodes})"

    # --- tensors -----------------------------------------------------------------------------------
    def tensors(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Padded (ops, adjacency, sizes) of the canonical forms of ``archs``."""
        graphs = [self.space.to_graph(self.space.canonical(a)) for a in archs]
        return pad_graphs(graphs, self.n_nodes, self.vocabulary)

    @torch.no_grad()
    def encode_tensors(self, ops: np.ndarray, adj: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        out = []
        for s in range(0, len(ops), batch_size):
            mu, _ = self.model.encode(
                torch.as_tensor(ops[s : s + batch_size]), torch.as_tensor(adj[s : s + batch_size]).float()
            )
            out.append(mu.double().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.latent))

    def encode(self, archs: Sequence[Any], batch_size: int = 2048) -> np.ndarray:
        """Latent means of ``archs``, shape (len(archs), latent), float64."""
        ops, adj, _ = self.tensors(archs)
        return self.encode_tensors(ops, adj, batch_size)

    @torch.no_grad()
    def reconstruct(self, Z: np.ndarray, batch_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Argmax ops (N, n) and thresholded upper-triangular adjacency (N, n, n) decoded from ``Z``."""
        Z = np.asarray(Z, dtype=np.float32).reshape(-1, self.latent)
        ops, adj = [], []
        for s in range(0, len(Z), batch_size):
            op_logits, edge_logits = self.model.decode(torch.as_tensor(Z[s : s + batch_size]))
            ops.append(op_logits.argmax(-1).numpy())
            adj.append(((edge_logits > 0).float() * self.model.upper).numpy().astype(np.uint8))
        if not ops:
            return np.zeros((0, self.n_nodes), np.int64), np.zeros((0, self.n_nodes, self.n_nodes), np.uint8)
        return np.concatenate(ops), np.concatenate(adj)

    def decode_one(self, z: np.ndarray) -> Any:
        """The architecture at latent point ``z``; raises InvalidArchitecture when the decoded graph is
        not one of the space's."""
        ops, adj = self.reconstruct(np.asarray(z)[None])
        return self._from_tensors(ops[0], adj[0])

    def decode(self, Z: np.ndarray) -> list[Any | None]:
        """Architectures at the rows of ``Z`` (canonical forms), None where a decoded graph is invalid."""
        ops, adj = self.reconstruct(Z)
        out: list[Any | None] = []
        for o, a in zip(ops, adj, strict=True):
            try:
                out.append(self._from_tensors(o, a))
            except InvalidArchitecture:
                out.append(None)
        return out

    def _from_tensors(self, ops: np.ndarray, adj: np.ndarray) -> Any:
        graph = unpad_graph(ops, adj, self.vocabulary)
        try:
            return self.space.canonical(self.space.from_graph(graph))
        except InvalidArchitecture:
            raise
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            # a space's from_graph that trips over a malformed graph instead of naming the fault
            raise InvalidArchitecture(f"the decoded graph is not one of {self.space.name}'s ({exc})") from exc

    # --- checkpoints -------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), out / "model.pt")
        atomic_write_json(out / "config.json", self.config)
        return out


def check_space(config: dict[str, Any], space: SearchSpace, where: str) -> None:
    """Refuse a checkpoint whose space is not ``space`` (by name; ``load_encoder`` also compares the
    graph vocabulary)."""
    trained = config["space"]["name"]
    if trained != space.name:
        raise EncoderMismatch(
            f"encoder {where} was trained on space {trained!r}, not {space.name!r}; train one for this "
            "space (qgnas encode train, or train_encoder(space))"
        )


def load_encoder(directory: str | os.PathLike, space: SearchSpace | None = None) -> Encoder:
    """The encoder saved in ``directory``; with ``space``, checked to be the space it was trained on
    (EncoderMismatch otherwise), else rebuilt from the checkpoint. Loads are cached per process."""
    path = Path(directory).expanduser().resolve()
    config_path = path / "config.json"
    if not config_path.is_file() or not (path / "model.pt").is_file():
        raise FileNotFoundError(
            f"{directory} is not an encoder checkpoint (expected config.json and model.pt in it; "
            "qgnas encode train --out DIR writes one)"
        )
    stamp = (config_path.stat().st_mtime_ns, (path / "model.pt").stat().st_mtime_ns)
    encoder = _load(str(path), stamp)
    if space is not None:
        check_space(encoder.config, space, str(directory))
        if space.to_graph(space.sample(np.random.default_rng(0))).op_names != encoder.vocabulary[:-1]:
            raise EncoderMismatch(f"encoder {directory}: the space's graph ops differ from the encoder's")
    return encoder


@functools.lru_cache(maxsize=8)
def _load(path: str, stamp: tuple[int, int]) -> Encoder:
    config = json.loads((Path(path) / "config.json").read_text())
    if config.get("format") != FORMAT:
        raise EncoderMismatch(f"{path}/config.json is not a {FORMAT} checkpoint")
    space = build_space(config["space"])
    model = GraphVAE(
        len(config["vocabulary"]), config["n_nodes"], config["latent"], config["hidden"], config["layers"]
    )
    model.load_state_dict(torch.load(Path(path) / "model.pt", weights_only=True))
    encoder = Encoder(space, model, config)
    metrics = Path(path) / "metrics.json"
    if metrics.is_file():
        encoder.metrics = json.loads(metrics.read_text())
    return encoder
