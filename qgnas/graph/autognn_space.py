"""The GraphNAS / Auto-GNN macro search space: a stack of message-passing layers.

Per layer (GraphNAS, Gao et al. 2020; Auto-GNN, Zhou et al. 2019, adds the skip connection):

============  ===========================================================================
attention     const, gcn, gat, sym-gat, cos, linear, generalized-linear
aggregation   sum, mean, max, mlp
activation    sigmoid, tanh, relu, linear, softplus, leaky_relu, relu6, elu
heads         1, 2, 4, 6, 8, 16
hidden        4, 8, 16, 32, 64, 128, 256 (units per head)
skip          off, on (output += a projection of the layer's input)
============  ===========================================================================

**The last layer has no hidden decision.** GraphNAS samples one and then overwrites it with the number
of classes; we leave it out of the space instead, so that the decision view has no dead decision
(searchers would waste samples on it and two decision vectors would name one network). The last
layer's :attr:`LayerSpec.hidden` is ``None``, meaning "the number of classes", and it averages its heads
instead of concatenating them (as GAT and GraphNAS do), so its output width is the class count.

**Optionally, the last layer has no activation decision either.** GraphNAS applies the searched
activation to the last layer too, so the logits can pass through a ReLU: with some seeds a class's
logit is then <= 0 on every node and the class is never predicted (seen in Auto-GNN searches on Cora).
``output_activation="linear"`` fixes the last layer's activation (GAT's output layer has none) and
removes that decision; it departs from the published space, so it is opt-in and the space's name
records it.

Decisions are named ``layer<i>.<field>`` (1-based) in the order above, layer by layer, so a sequential
controller emits them in GraphNAS order. ``decision_classes()`` gives each decision's action class
(``attention``, ..., ``skip``), which the Auto-GNN controller uses to modify one class at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, Decision, InvalidArchitecture, SearchSpace

ATTENTIONS: tuple[str, ...] = ("const", "gcn", "gat", "sym-gat", "cos", "linear", "generalized-linear")
AGGREGATIONS: tuple[str, ...] = ("sum", "mean", "max", "mlp")
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear", "softplus", "leaky_relu", "relu6", "elu")
HEADS: tuple[int, ...] = (1, 2, 4, 6, 8, 16)
HIDDEN: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256)
SKIP: tuple[bool, ...] = (False, True)
FIELDS: tuple[str, ...] = ("attention", "aggregation", "activation", "heads", "hidden", "skip")
CHOICES: dict[str, tuple] = {
    "attention": ATTENTIONS,
    "aggregation": AGGREGATIONS,
    "activation": ACTIVATIONS,
    "heads": HEADS,
    "hidden": HIDDEN,
    "skip": SKIP,
}


@dataclass(frozen=True)
class LayerSpec:
    """One message-passing layer. ``hidden`` is units per head; ``None`` on the last layer (= classes)."""

    attention: str
    aggregation: str
    activation: str
    heads: int
    hidden: int | None
    skip: bool = False

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class GNNArch:
    """A GraphNAS/Auto-GNN architecture: the layers from input to output."""

    layers: tuple[LayerSpec, ...]

    def __str__(self) -> str:
        def one(s: LayerSpec) -> str:
            hidden = "classes" if s.hidden is None else s.hidden
            return (
                f"{s.attention}/{s.aggregation}/{s.activation}/h{s.heads}x{hidden}{'+skip' if s.skip else ''}"
            )

        return " -> ".join(one(s) for s in self.layers)

    def to_json(self) -> dict[str, Any]:
        return {"layers": [s.to_json() for s in self.layers]}


def _bad(where: str, value: Any, allowed: Sequence) -> InvalidArchitecture:
    return InvalidArchitecture(
        f"{where} = {value!r} is not allowed; allowed: {', '.join(map(repr, allowed))}"
    )


class AutoGNNSpace(SearchSpace):
    """The GraphNAS/Auto-GNN macro space with ``layers`` message-passing layers (default 2).

    Size: ``(7*4*8*6*7*2)**(layers-1) * 7*4*8*6*2`` architectures (5.1e7 for 2 layers); every decision
    vector is valid and distinct, so the canonical key is the architecture itself.

    ``choices`` restricts fields to subsets of their published values, e.g. ``{"heads": (1, 2, 4, 8),
    "hidden": (4, 8, 16, 32, 64)}`` for a search on CPU: a 16-head x 256-unit first layer on Cora is
    4096 features wide and trains ~15x slower than GAT's 8 x 8, so on two cores the full grid spends
    most of a two-hour budget on a handful of wide networks. The space's name records the restriction.
    """

    def __init__(
        self,
        layers: int = 2,
        choices: dict[str, Sequence] | None = None,
        output_activation: str | None = None,
    ):
        if not isinstance(layers, int | np.integer) or layers < 1:
            raise ValueError(f"layers must be a positive integer, got {layers!r}")
        if output_activation is not None and output_activation not in ACTIVATIONS:
            raise ValueError(
                f"output_activation = {output_activation!r} is not an activation; allowed: "
                f"{', '.join(map(repr, ACTIVATIONS))} (or None: searched, as published)"
            )
        self.n_layers = int(layers)
        self.output_activation = output_activation
        self.choices: dict[str, tuple] = dict(CHOICES)
        restricted = []
        for f, values in (choices or {}).items():
            if f not in CHOICES:
                raise ValueError(f"unknown Auto-GNN field {f!r} in choices; allowed: {', '.join(FIELDS)}")
            values = tuple(dict.fromkeys(values))
            bad = [v for v in values if v not in CHOICES[f] or isinstance(v, bool) != (f == "skip")]
            if bad or not values:
                raise ValueError(
                    f"choices[{f!r}] = {list(values)!r}: values must be a non-empty subset of "
                    f"{', '.join(map(repr, CHOICES[f]))}"
                )
            values = tuple(v for v in CHOICES[f] if v in values)  # published order
            if values != CHOICES[f]:
                self.choices[f] = values
                restricted.append(f"{f}={','.join(map(_fmt, values))}")
        self.name = "autognn" if self.n_layers == 2 else f"autognn[{self.n_layers}]"
        if output_activation is not None:
            restricted.append(f"output-activation={output_activation}")
        if restricted:
            self.name += "{" + ";".join(restricted) + "}"
        self._decisions: list[Decision] = []
        self._classes: list[str] = []
        for i in range(self.n_layers):
            for f in self._layer_fields(i):
                self._decisions.append(Decision(f"layer{i + 1}.{f}", self.choices[f]))
                self._classes.append(f)

    def _layer_fields(self, i: int) -> tuple[str, ...]:
        """The decisions of layer ``i``: the last layer has no ``hidden`` (and, with a fixed
        ``output_activation``, no ``activation``)."""
        if i != self.n_layers - 1:
            return FIELDS
        fixed = ("hidden", "activation") if self.output_activation is not None else ("hidden",)
        return tuple(f for f in FIELDS if f not in fixed)

    # --- decision view -----------------------------------------------------------------------------
    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decision_classes(self) -> list[str]:
        """Action class of each decision (``attention``, ..., ``skip``), aligned with ``decisions()``."""
        return list(self._classes)

    def decode(self, indices: Sequence[int]) -> GNNArch:
        if len(indices) != len(self._decisions):
            raise InvalidArchitecture(
                f"{self.name} has {len(self._decisions)} decisions, got {len(indices)} indices"
            )
        values = []
        for d, i in zip(self._decisions, indices, strict=True):
            if not isinstance(i, int | np.integer) or not 0 <= int(i) < len(d):
                raise InvalidArchitecture(f"{d.name} index {i!r} out of range 0..{len(d) - 1}")
            values.append(d.choices[int(i)])
        layers, pos = [], 0
        for i in range(self.n_layers):
            names = self._layer_fields(i)
            spec = dict(zip(names, values[pos : pos + len(names)], strict=True))
            spec.setdefault("hidden", None)
            spec.setdefault("activation", self.output_activation)
            layers.append(LayerSpec(**spec))
            pos += len(names)
        return GNNArch(tuple(layers))

    def encode(self, arch: GNNArch) -> list[int]:
        arch = self.validate(arch)
        out = []
        for i, layer in enumerate(arch.layers):
            out.extend(self.choices[f].index(getattr(layer, f)) for f in self._layer_fields(i))
        return out

    # --- checks ------------------------------------------------------------------------------------
    def validate(self, arch: Any) -> GNNArch:
        if not isinstance(arch, GNNArch):
            raise InvalidArchitecture(f"expected a GNNArch(layers=...), got {type(arch).__name__}: {arch!r}")
        if len(arch.layers) != self.n_layers:
            raise InvalidArchitecture(
                f"{self.name} has {self.n_layers} layers, the architecture has {len(arch.layers)}"
            )
        out = []
        for i, layer in enumerate(arch.layers):
            where = f"layers[{i}]"
            if not isinstance(layer, LayerSpec):
                raise InvalidArchitecture(
                    f"{where} must be a LayerSpec, got {type(layer).__name__}: {layer!r}"
                )
            for f in ("attention", "aggregation", "activation"):
                if f not in self._layer_fields(i):  # the fixed output activation
                    if layer.activation != self.output_activation:
                        raise InvalidArchitecture(
                            f"{where}.activation = {layer.activation!r}: {self.name} fixes the last "
                            f"layer's activation to {self.output_activation!r}"
                        )
                elif getattr(layer, f) not in self.choices[f]:
                    raise _bad(f"{where}.{f}", getattr(layer, f), self.choices[f])
            for f in ("heads", "hidden"):
                v = getattr(layer, f)
                if f == "hidden" and i == self.n_layers - 1:
                    if v is not None:
                        raise InvalidArchitecture(
                            f"{where}.hidden = {v!r}: the last layer's width is the number of classes, "
                            "so its hidden must be None (null in JSON) or left out"
                        )
                    continue
                if (
                    isinstance(v, bool)
                    or not isinstance(v, int | np.integer)
                    or int(v) not in self.choices[f]
                ):
                    raise _bad(f"{where}.{f}", v, self.choices[f])
            if not isinstance(layer.skip, bool | np.bool_) or bool(layer.skip) not in self.choices["skip"]:
                raise _bad(f"{where}.skip", layer.skip, self.choices["skip"])
            out.append(
                LayerSpec(
                    layer.attention,
                    layer.aggregation,
                    layer.activation,
                    int(layer.heads),
                    None if layer.hidden is None else int(layer.hidden),
                    bool(layer.skip),
                )
            )
        return GNNArch(tuple(out))

    # --- identity ----------------------------------------------------------------------------------
    def key(self, arch: GNNArch) -> str:
        arch = self.validate(arch)
        return "|".join(
            f"{s.attention},{s.aggregation},{s.activation},{s.heads},{'c' if s.hidden is None else s.hidden},"
            f"{int(s.skip)}"
            for s in arch.layers
        )

    def size(self) -> int:
        total = 1
        for d in self._decisions:
            total *= len(d)
        return total

    # --- serialisation -----------------------------------------------------------------------------
    def to_json(self, arch: GNNArch) -> dict[str, Any]:
        return self.validate(arch).to_json()

    def from_json(self, obj: Any) -> GNNArch:
        """Inverse of ``to_json``. Also accepts a JSON string, a bare list of layers, and on the last
        layer a missing ``hidden``; anything else malformed names the bad field and the allowed values."""
        if isinstance(obj, str):
            try:
                obj = json.loads(obj)
            except json.JSONDecodeError as exc:
                raise InvalidArchitecture(f"not valid JSON: {exc}") from None
        layers = obj.get("layers") if isinstance(obj, dict) else obj
        if not isinstance(layers, list | tuple):
            raise InvalidArchitecture(f"expected {{'layers': [{{{', '.join(FIELDS)}}}, ...]}}, got {obj!r}")
        specs = []
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise InvalidArchitecture(
                    f"layers[{i}] must be an object with keys {', '.join(FIELDS)}, got {layer!r}"
                )
            unknown = sorted(set(layer) - set(FIELDS))
            if unknown:
                raise InvalidArchitecture(
                    f"layers[{i}] has unknown key {unknown[0]!r}; allowed: {', '.join(FIELDS)}"
                )
            last = i == len(layers) - 1
            needed = [f for f in FIELDS if f != "skip" and not (last and f == "hidden")]
            missing = [f for f in needed if f not in layer]
            if missing:
                raise InvalidArchitecture(f"layers[{i}] lacks {missing[0]!r} (needs {', '.join(needed)})")
            specs.append(
                LayerSpec(
                    attention=layer["attention"],
                    aggregation=layer["aggregation"],
                    activation=layer["activation"],
                    heads=layer["heads"],
                    hidden=layer.get("hidden"),
                    skip=layer.get("skip", False),
                )
            )
        return self.validate(GNNArch(tuple(specs)))

    def config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this space (stored with encoders trained on it)."""
        choices = {f: list(v) for f, v in self.choices.items() if v != CHOICES[f]}
        return {"layers": self.n_layers, "choices": choices, "output_activation": self.output_activation}

    # --- graph view --------------------------------------------------------------------------------
    def graph_size(self) -> int:
        """Input, output, and per layer its node plus one attribute node per field other than the
        attention (the last layer has no hidden node): ``6 * layers + 1``."""
        return 6 * self.n_layers + 1

    def op_names(self) -> tuple[str, ...]:
        """Node vocabulary of ``to_graph``: input, output, one op per attention type (the layer nodes),
        and one per value of every other field (the attribute nodes)."""
        names = ["input", "output"]
        for f in FIELDS:
            names.extend(f"{f}:{_fmt(v)}" for v in CHOICES[f])
        return tuple(names)

    def to_graph(self, arch: GNNArch) -> ArchGraph:
        """Layers as nodes, in a chain ``input -> layer 1 -> ... -> layer L -> output``.

        ``ArchGraph`` carries one categorical op per node, and a layer has six fields, so a layer node's
        op is its attention type and each other field is an *attribute node* (e.g. ``heads:8``) with an
        edge into its layer node. Node order (topological): input, then per layer its attribute nodes
        followed by the layer node, then output. ``from_graph`` inverts it.
        """
        arch = self.validate(arch)
        names = self.op_names()
        ops: list[int] = [names.index("input")]
        edges: list[tuple[int, int]] = []
        prev = 0
        for layer in arch.layers:
            attrs = [f for f in FIELDS if f != "attention" and getattr(layer, f) is not None]
            first = len(ops)
            for f in attrs:
                ops.append(names.index(f"{f}:{_fmt(getattr(layer, f))}"))
            node = len(ops)
            ops.append(names.index(f"attention:{layer.attention}"))
            edges.extend((a, node) for a in range(first, node))
            edges.append((prev, node))
            prev = node
        ops.append(names.index("output"))
        edges.append((prev, len(ops) - 1))
        adj = np.zeros((len(ops), len(ops)), dtype=np.int8)
        for a, b in edges:
            adj[a, b] = 1
        return ArchGraph(ops=np.asarray(ops), adjacency=adj, op_names=names)

    def from_graph(self, graph: ArchGraph) -> GNNArch:
        names = tuple(graph.op_names)
        adj = np.asarray(graph.adjacency)
        labels = [names[int(k)] for k in np.asarray(graph.ops)]
        layer_nodes = [j for j, lab in enumerate(labels) if lab.startswith("attention:")]
        layers = []
        for j in layer_nodes:
            values: dict[str, Any] = {"attention": labels[j].split(":", 1)[1]}
            for a in np.flatnonzero(adj[:, j]):
                field, _, text = labels[a].partition(":")
                if field in CHOICES and field != "attention":
                    matches = [v for v in CHOICES[field] if _fmt(v) == text]
                    if not matches:
                        raise InvalidArchitecture(f"graph node {a}: unknown {field} value {text!r}")
                    values[field] = matches[0]
            values.setdefault("hidden", None)
            values.setdefault("skip", False)
            for f in ("aggregation", "activation", "heads"):
                if f not in values:
                    raise InvalidArchitecture(f"graph layer node {j} has no {f} attribute node")
            layers.append(LayerSpec(**values))
        return self.validate(GNNArch(tuple(layers)))


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    return str(v)


__all__ = [
    "ACTIVATIONS",
    "AGGREGATIONS",
    "ATTENTIONS",
    "HEADS",
    "HIDDEN",
    "AutoGNNSpace",
    "GNNArch",
    "LayerSpec",
]
