"""The quantum architecture search space: CRLQAS gate sequences as core decisions.

**Space.** An architecture is a gate sequence of at most ``max_gates`` (L) gates from the CRLQAS action
set (:class:`~qgnas.quantum.actions.GateActions`: every allowed ordered CNOT pair, then RX, RY, RZ on
every qubit). The decision view is ``gate1..gateL``, each choosing one action label (``"cx(0,1)"``,
``"ry(1)"``, ...) or ``"none"``; the circuit ends at the first ``"none"``, so the positions after it are
ignored.

**Illegal repeats** follow the environment's rule (:class:`~qgnas.quantum.actions.CircuitBoard`): a
gate equal to the last gate on all of its wires (the same CNOT again, or the same rotation axis again
on a qubit with nothing in between) would cancel or merge with it, and the agent's mask forbids it.
We handle it in two places, each the natural one for its input:

* ``decode`` (decision vector -> circuit) *projects*: a decision that would place an illegal gate is
  skipped, as if the mask had removed it, and construction goes on with the next decision. Every
  decision vector is therefore valid, which keeps random sampling, mutation and BO from wasting draws
  on rejections.
* ``validate`` / ``from_json`` (an explicit gate list, e.g. from a user or a log) *reject* it with an
  :class:`InvalidArchitecture` naming the gate and position: silently editing a circuit someone wrote
  would hide a mistake.

So the set of architectures is exactly the set of circuits the masked CRLQAS agent can build with at
most L gates.

**Identity.** Gates on disjoint wires commute, so several sequences are the same circuit. The canonical
form sorts the gates by their moment (the first layer free on all their wires, as the CRLQAS state
encoding places them) and, within a moment, by qubit. That order is a topological order of the wire
DAG, and it depends on the DAG alone, so two sequences have the same key exactly when they have the
same gates in the same order on every wire. The evaluator optimises the canonical form, which makes a
result a function of the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, Decision, InvalidArchitecture, SearchSpace
from qgnas.quantum.actions import AXES, CircuitBoard, GateActions
from qgnas.quantum.circuit import Circuit, Gate, canonical_gate_name

__all__ = ["NONE", "CircuitArch", "CircuitSpace", "gate_label"]

NONE = "none"

CircuitArch = tuple[tuple, ...]  # (("cx", 0, 1), ("ry", 0), ...): hashable, JSON as a list of lists


def gate_label(gate: Sequence) -> str:
    """``("cx", 0, 1)`` -> ``"cx(0,1)"``; ``("ry", 2)`` -> ``"ry(2)"`` (the decision choices' names)."""
    return f"{gate[0]}({','.join(str(int(q)) for q in gate[1:])})"


_LABEL = re.compile(r"^\s*([A-Za-z_\-]+)\s*\(\s*([0-9,\s]*)\)\s*$")


class CircuitSpace(SearchSpace):
    """Gate sequences of at most ``max_gates`` gates from the CRLQAS action set (see the module doc).

    Args:
        n_qubits: register size.
        max_gates: L, the most gates a circuit may have (the number of decisions).
        connectivity: allowed ``(control, target)`` CNOT pairs (both directions for an undirected
            coupling); default every ordered pair.
    """

    name = "circuit"

    def __init__(
        self, n_qubits: int, max_gates: int = 20, connectivity: Iterable[Sequence[int]] | None = None
    ):
        if isinstance(max_gates, bool) or not isinstance(max_gates, int | np.integer) or max_gates < 1:
            raise ValueError(f"max_gates must be a positive integer, got {max_gates!r}")
        self.actions = GateActions(n_qubits, connectivity)  # ValueError names a bad qubit count or pair
        self.n_qubits = self.actions.n_qubits
        self.max_gates = int(max_gates)
        self.labels: tuple[str, ...] = tuple(gate_label(g) for g in self.actions.gates)
        self._decisions = [Decision(f"gate{i + 1}", (NONE, *self.labels)) for i in range(self.max_gates)]
        self.name = f"circuit/{self.n_qubits}q/L{self.max_gates}"
        self._size: int | None = None

    def config(self) -> dict[str, Any]:
        return {
            "n_qubits": self.n_qubits,
            "max_gates": self.max_gates,
            "connectivity": [list(p) for p in self.actions.cnot_pairs],
        }

    def __repr__(self) -> str:
        return (
            f"CircuitSpace(n_qubits={self.n_qubits}, max_gates={self.max_gates}, actions={len(self.actions)})"
        )

    # --- decision view -------------------------------------------------------------------------
    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decode(self, indices: Sequence[int]) -> CircuitArch:
        """Gates up to the first ``"none"``; a gate illegal after the ones before it is skipped."""
        idx = list(indices)
        if len(idx) != self.max_gates:
            raise InvalidArchitecture(
                f"expected {self.max_gates} decision indices (gate1..gate{self.max_gates}), got {len(idx)}"
            )
        board = CircuitBoard(self.actions, self.max_gates)
        n_choices = len(self.actions) + 1
        for pos, i in enumerate(idx):
            if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n_choices:
                raise InvalidArchitecture(
                    f"gate{pos + 1}: choice index {i!r} is not an integer in 0..{n_choices - 1} "
                    f"(0 = none, then {', '.join(self.labels)})"
                )
            if i == 0:
                break
            gate = self.actions.gates[int(i) - 1]
            if board.is_legal(gate):
                board.append(gate)
        return tuple(board.gates)

    def encode(self, arch: Any) -> list[int]:
        gates = self.validate(arch)
        return [self.actions.action(g) + 1 for g in gates] + [0] * (self.max_gates - len(gates))

    # --- checks ----------------------------------------------------------------------------------
    def _gate(self, gate: Any, pos: int) -> tuple:
        """One gate in the action set's tuple form, from a tuple/list, a label or a ``Gate``."""
        where = f"gate {pos + 1}"
        if isinstance(gate, Gate):
            gate = gate.to_tuple()
        if isinstance(gate, str):
            m = _LABEL.match(gate)
            if not m:
                raise InvalidArchitecture(
                    f"{where} {gate!r} is not a gate label like 'cx(0,1)' or 'ry(0)'; allowed: "
                    f"{', '.join(self.labels)}"
                )
            qubits = [q for q in m.group(2).replace(" ", "").split(",") if q]
            gate = (m.group(1), *(int(q) for q in qubits))
        if not isinstance(gate, list | tuple) or not gate or not isinstance(gate[0], str):
            raise InvalidArchitecture(
                f"{where} {gate!r} is not a gate (a tuple like ('cx', 0, 1) or ('ry', 0), or a label "
                "like 'cx(0,1)')"
            )
        try:
            name = canonical_gate_name(gate[0])
        except ValueError:
            name = gate[0]
        qubits = gate[1:]
        if not all(isinstance(q, int | np.integer) and not isinstance(q, bool) for q in qubits):
            raise InvalidArchitecture(f"{where} {gate!r}: qubit indices must be integers")
        g = (name, *(int(q) for q in qubits))
        if not self._in_actions(g):
            if name not in ("cx", *AXES):
                why = f"gate {gate[0]!r} is not in the gate set (cx, rx, ry, rz)"
            elif any(not 0 <= q < self.n_qubits for q in g[1:]):
                why = f"qubit out of range 0..{self.n_qubits - 1}"
            elif len(g) != (3 if name == "cx" else 2):
                why = f"{name} acts on {2 if name == 'cx' else 1} qubit(s), got {len(g) - 1}"
            elif g[1] == g[2]:
                why = "control and target are the same qubit"
            else:
                why = f"CNOT pair not in the connectivity {self.actions.cnot_pairs}"
            shown = gate_label(g) if len(g) > 1 else repr(gate)
            raise InvalidArchitecture(
                f"{where} {shown} is not in the action set ({why}); allowed: {', '.join(self.labels)}"
            )
        return g

    def _in_actions(self, gate: tuple) -> bool:
        try:
            self.actions.action(gate)
        except ValueError:
            return False
        return True

    def _gates_of(self, arch: Any) -> list[tuple]:
        if isinstance(arch, Circuit):
            if arch.n_qubits != self.n_qubits:
                raise InvalidArchitecture(
                    f"circuit has {arch.n_qubits} qubits but the space has {self.n_qubits}"
                )
            arch = [g.to_tuple() for g in arch.gates]
        if isinstance(arch, dict):
            if "gates" not in arch:
                raise InvalidArchitecture(f"a circuit mapping needs a 'gates' list, got keys {sorted(arch)}")
            if "n_qubits" in arch and arch["n_qubits"] != self.n_qubits:
                raise InvalidArchitecture(
                    f"circuit has n_qubits={arch['n_qubits']!r} but the space has {self.n_qubits}"
                )
            arch = arch["gates"]
        if isinstance(arch, str | bytes) or not isinstance(arch, Sequence):
            raise InvalidArchitecture(
                f"a circuit architecture is a sequence of gates such as [('cx', 0, 1), ('ry', 0)], "
                f"got {type(arch).__name__}"
            )
        if len(arch) > self.max_gates:
            raise InvalidArchitecture(
                f"circuit has {len(arch)} gates; this space allows at most max_gates={self.max_gates}"
            )
        return [self._gate(g, i) for i, g in enumerate(arch)]

    def validate(self, arch: Any) -> CircuitArch:
        """The gate tuple of ``arch`` (a gate sequence, a ``Circuit`` or its dict form), or an
        InvalidArchitecture naming the bad gate: not in the action set, too many gates, or an illegal
        repeat (see the module doc)."""
        gates = self._gates_of(arch)
        board = CircuitBoard(self.actions, self.max_gates)
        for pos, g in enumerate(gates):
            if not board.is_legal(g):
                prev = max(int(board.last_on_wire[q]) for q in g[1:])
                raise InvalidArchitecture(
                    f"gate {pos + 1} {gate_label(g)} repeats gate {prev + 1} on the same wire(s) with "
                    "nothing in between; it would cancel or merge with it, so the CRLQAS action mask "
                    "forbids it (remove one of the two)"
                )
            board.append(g)
        return tuple(gates)

    # --- identity --------------------------------------------------------------------------------
    def canonical(self, arch: Any) -> CircuitArch:
        """The same circuit with its gates sorted by (moment, qubit): one representative per wire DAG."""
        gates = self.validate(arch)
        level = [0] * self.n_qubits
        order = []
        for i, g in enumerate(gates):
            wires = g[1:]
            m = max(level[q] for q in wires)
            for q in wires:
                level[q] = m + 1
            order.append((m, min(wires), i))
        return tuple(gates[i] for _, _, i in sorted(order))

    def key(self, arch: Any) -> str:
        gates = self.canonical(arch)
        return " ".join(gate_label(g) for g in gates) if gates else "empty"

    def size(self) -> int | None:
        """Distinct circuits (keys), counted by enumeration when there are at most 5,000 decision
        vectors; None (unknown) for larger spaces."""
        if self._size is None and (len(self.actions) + 1) ** self.max_gates <= 5_000:
            self._size = len({self.key(a) for a in self.enumerate()})
        return self._size

    # --- serialisation ---------------------------------------------------------------------------
    def to_json(self, arch: Any) -> list[list]:
        return [list(g) for g in self.validate(arch)]

    def from_json(self, obj: Any) -> CircuitArch:
        """Inverse of ``to_json``; also takes ``Circuit.to_dict()`` forms and gate labels."""
        if isinstance(obj, list | tuple):
            obj = [tuple(g) if isinstance(g, list) else g for g in obj]
        elif isinstance(obj, dict) and isinstance(obj.get("gates"), list):
            obj = {**obj, "gates": [tuple(g) if isinstance(g, list) else g for g in obj["gates"]]}
        return self.validate(obj)

    def to_circuit(self, arch: Any) -> Any:
        """The canonical form as a :class:`~qgnas.quantum.circuit.Circuit` (angles in gate order)."""
        return Circuit.from_gates(self.canonical(arch), n_qubits=self.n_qubits)

    # --- graph view ------------------------------------------------------------------------------
    def op_names(self) -> tuple[str, ...]:
        return ("start", *self.labels, "end")

    def graph_size(self) -> int:
        return self.max_gates + 2

    def _graph(self, gates: Sequence[tuple]) -> ArchGraph:
        n = len(gates) + 2
        adj = np.zeros((n, n), dtype=np.int8)
        last = [0] * self.n_qubits  # node that last touched each wire; 0 = START
        for i, g in enumerate(gates, start=1):
            for q in g[1:]:
                adj[last[q], i] = 1
                last[q] = i
        for q in range(self.n_qubits):
            adj[last[q], n - 1] = 1
        names = self.op_names()
        ops = np.array([0, *(self.actions.action(g) + 1 for g in gates), len(names) - 1], dtype=np.int64)
        return ArchGraph(ops=ops, adjacency=adj, op_names=names)

    def to_graph(self, arch: Any) -> ArchGraph:
        """Nodes START, the gates (canonical order), END; an edge from the previous gate on each wire
        of a gate (START for a wire's first gate) and from each wire's last gate to END: the wire DAG,
        as arch2vec builds cell graphs. Node ops index ``("start", *action labels, "end")``, so the
        qubits a gate acts on are part of its op. The graph has ``gates + 2`` nodes."""
        return self._graph(self.canonical(arch))

    def from_graph(self, graph: ArchGraph) -> CircuitArch:
        names = tuple(graph.op_names)
        if names != self.op_names():
            raise InvalidArchitecture(
                f"graph op names {names[:4]}... are not this space's ('start', {', '.join(self.labels)}, 'end')"
            )
        ops = [int(o) for o in np.asarray(graph.ops)]
        if len(ops) < 2 or ops[0] != 0 or ops[-1] != len(names) - 1:
            raise InvalidArchitecture(
                "a circuit graph starts with a 'start' node and ends with an 'end' node"
            )
        inner = ops[1:-1]
        bad = [names[o] for o in inner if not 0 < o < len(names) - 1]
        if bad:
            raise InvalidArchitecture(f"inner graph nodes must be gates, got {bad}")
        gates = self.validate([self.actions.gates[o - 1] for o in inner])
        if not np.array_equal(np.asarray(graph.adjacency) != 0, self._graph(gates).adjacency != 0):
            raise InvalidArchitecture(
                "the adjacency is not the wire structure of the gates in node order (each gate needs an "
                "edge from the previous gate on each of its wires)"
            )
        return gates
