"""Gate actions and the CRLQAS circuit encoding (Patel et al., ICLR 2024; Ostaszewski et al., 2021).

An agent builds a circuit one gate per step from a discrete action set: every ordered CNOT pair
allowed by the qubit connectivity, then RX, RY, RZ on every qubit (n(n-1) + 3n = n(n+2) actions with
full connectivity). :class:`CircuitBoard` keeps the circuit in the form the agent sees:

* **moments**: each qubit has its own next free depth layer; a gate is placed at the first moment
  free on all of its qubits, so the encoding is the circuit's depth structure, not its gate order.
* **state tensor** of shape ``(max_moments, n + 3, n)``: rows ``0..n-1`` hold CNOTs as
  ``state[m, target, control] = 1``; rows ``n..n+2`` hold rotations as ``state[m, n + axis, qubit] = 1``
  (axis 0, 1, 2 = X, Y, Z). Angles are not part of it.
* **illegal actions**: a gate that would cancel or merge with the gate right before it on the same
  wires is wasted, so it is masked: the same CNOT (same control and target) again with no other gate
  in between on those two wires, or the same rotation axis on the same qubit again with nothing in
  between on that wire. A different axis, or any other gate touching those wires, clears the ban.

This module needs only numpy: the search space, the Gymnasium environment and the encoders all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

AXES = ("rx", "ry", "rz")
Gate = tuple  # ("cx", control, target) or ("rx" | "ry" | "rz", qubit)


def full_connectivity(n_qubits: int) -> list[tuple[int, int]]:
    return [(c, t) for c in range(n_qubits) for t in range(n_qubits) if c != t]


class GateActions:
    """The discrete action set: action index <-> gate tuple.

    Order: the CNOT pairs (control, target) in the order given (lexicographic by default), then the
    rotations qubit-major: ``rx q0, ry q0, rz q0, rx q1, ...``.

    Args:
        n_qubits: number of qubits (>= 1).
        connectivity: allowed ``(control, target)`` pairs; an undirected coupling map must list both
            directions. Default: every ordered pair.
    """

    def __init__(self, n_qubits: int, connectivity: Iterable[Sequence[int]] | None = None):
        if not isinstance(n_qubits, int | np.integer) or n_qubits < 1:
            raise ValueError(f"n_qubits must be a positive integer, got {n_qubits!r}")
        self.n_qubits = int(n_qubits)
        pairs = full_connectivity(self.n_qubits) if connectivity is None else [tuple(p) for p in connectivity]
        seen = set()
        for p in pairs:
            if (
                len(p) != 2
                or not all(isinstance(q, int | np.integer) and 0 <= q < self.n_qubits for q in p)
                or p[0] == p[1]
            ):
                raise ValueError(
                    f"connectivity pair {p!r} is not a (control, target) pair of distinct qubits in 0..{n_qubits - 1}"
                )
            if p in seen:
                raise ValueError(f"connectivity lists {p!r} twice")
            seen.add(p)
        self.cnot_pairs: list[tuple[int, int]] = [(int(c), int(t)) for c, t in pairs]
        self.gates: list[Gate] = [("cx", c, t) for c, t in self.cnot_pairs] + [
            (axis, q) for q in range(self.n_qubits) for axis in AXES
        ]
        self._index = {g: i for i, g in enumerate(self.gates)}

    def __len__(self) -> int:
        return len(self.gates)

    def gate(self, action: int) -> Gate:
        if (
            isinstance(action, bool)
            or not isinstance(action, int | np.integer)
            or not 0 <= action < len(self)
        ):
            raise ValueError(f"action {action!r} is not an integer in 0..{len(self) - 1}")
        return self.gates[int(action)]

    def action(self, gate: Sequence) -> int:
        g = tuple(gate)
        if g not in self._index:
            raise ValueError(
                f"gate {g!r} is not in the action set (CNOT pairs {self.cnot_pairs}, rx/ry/rz per qubit)"
            )
        return self._index[g]


class CircuitBoard:
    """A circuit under construction: gates, per-qubit moments, the CRLQAS tensor and the legal mask.

    Args:
        actions: the action set.
        max_moments: depth capacity of the state tensor (CRLQAS: the maximum number of gates L).
    """

    def __init__(self, actions: GateActions, max_moments: int):
        self.actions = actions
        self.n = actions.n_qubits
        self.max_moments = int(max_moments)
        self.reset()

    def reset(self) -> None:
        self.gates: list[Gate] = []
        self.next_moment = np.zeros(self.n, dtype=np.int64)
        self.tensor = np.zeros((self.max_moments, self.n + 3, self.n), dtype=np.int8)
        # last gate (as an index into self.gates) that touched each wire; -1 = none yet
        self.last_on_wire = np.full(self.n, -1, dtype=np.int64)

    @staticmethod
    def qubits(gate: Gate) -> tuple[int, ...]:
        return tuple(gate[1:])

    def is_legal(self, gate: Gate) -> bool:
        wires = self.qubits(gate)
        last = {int(self.last_on_wire[q]) for q in wires}
        if len(last) != 1 or -1 in last:
            return True  # different last gates on the wires (or an empty wire): nothing to cancel
        return self.gates[last.pop()] != gate  # for a CNOT the same gate on both wires means adjacency

    def mask(self) -> np.ndarray:
        """int8 mask over the action set: 1 = legal."""
        return np.fromiter(
            (self.is_legal(g) for g in self.actions.gates), dtype=np.int8, count=len(self.actions)
        )

    @property
    def depth(self) -> int:
        return int(self.next_moment.max(initial=0))

    def append(self, gate: Gate) -> int:
        """Place ``gate`` at its moment; returns the moment. Raises when the tensor is full."""
        wires = self.qubits(gate)
        moment = int(max(self.next_moment[q] for q in wires))
        if moment >= self.max_moments:
            raise ValueError(f"circuit depth would exceed the encoding's {self.max_moments} moments")
        if gate[0] == "cx":
            control, target = gate[1], gate[2]
            self.tensor[moment, target, control] = 1
        else:
            self.tensor[moment, self.n + AXES.index(gate[0]), gate[1]] = 1
        for q in wires:
            self.next_moment[q] = moment + 1
            self.last_on_wire[q] = len(self.gates)
        self.gates.append(tuple(gate))
        return moment

    def counts(self) -> dict[str, int]:
        cnots = sum(g[0] == "cx" for g in self.gates)
        return {
            "gates": len(self.gates),
            "cnots": cnots,
            "rotations": len(self.gates) - cnots,
            "depth": self.depth,
        }
