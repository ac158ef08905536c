"""The :class:`Circuit` class (a gate list with its checks, counts and serialisation) and
:func:`random_circuit`; the gate vocabulary is in :mod:`.gates`, the converters in :mod:`.export` and
the text drawing in :mod:`.drawing`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from . import export
from .drawing import draw_text
from .gates import DEFAULT_GATE_SET, GATE_QUBITS, SUPPORTED_GATES, Gate, canonical_gate_name

__all__ = ["Circuit", "random_circuit"]


class Circuit:
    """An ordered list of gates on ``n_qubits`` qubits; rotation angles are separate parameters.

    Args:
        n_qubits: number of qubits (>= 1).
        gates: initial gates, as :class:`Gate` objects or tuples ``(name, qubit, ...)``.
        gate_set: the gate names this circuit may contain. Default :data:`DEFAULT_GATE_SET`
            (``cx, rx, ry, rz``); pass e.g. ``SUPPORTED_GATES`` to allow ``h, x, sx, cz`` as well.
            Restricting the set catches a search space handing out a gate the experiment did not
            intend, at the point where it is appended rather than deep inside a simulator.

    Example::

        c = Circuit.from_gates([("cx", 0, 1), ("ry", 2), ("rz", 0)], n_qubits=3)
        c.n_params        # 2: the ry angle is params[0], the rz angle params[1]
        c.to_qiskit([0.1, 0.2])
    """

    def __init__(
        self,
        n_qubits: int,
        gates: Iterable[Gate | Sequence[Any]] = (),
        gate_set: Iterable[str] | None = None,
    ) -> None:
        if isinstance(n_qubits, bool) or not isinstance(n_qubits, int | np.integer) or n_qubits < 1:
            raise ValueError(f"n_qubits must be a positive integer, got {n_qubits!r}")
        self.n_qubits = int(n_qubits)
        names = DEFAULT_GATE_SET if gate_set is None else gate_set
        if isinstance(names, str):
            names = [names]
        resolved: list[str] = []
        for name in names:
            canon = canonical_gate_name(name)
            if canon not in resolved:
                resolved.append(canon)
        if not resolved:
            raise ValueError(f"gate_set is empty; choose from {', '.join(SUPPORTED_GATES)}")
        self.gate_set: tuple[str, ...] = tuple(resolved)
        self._gates: list[Gate] = []
        for g in gates:
            self.append(g)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_gates(
        cls,
        gates: Iterable[Gate | Sequence[Any]],
        n_qubits: int | None = None,
        gate_set: Iterable[str] | None = None,
    ) -> Circuit:
        """Build a circuit from tuples such as ``("cx", 0, 1)`` and ``("ry", 2)``.

        ``n_qubits`` defaults to the largest qubit index used plus one; give it explicitly when the
        last qubits are idle (they still count for the Hamiltonian and the simulator).
        """
        gates = list(gates)
        if n_qubits is None:
            used = [q for g in gates for q in (g.qubits if isinstance(g, Gate) else list(g)[1:])]
            ints = [q for q in used if isinstance(q, int | np.integer) and not isinstance(q, bool)]
            if not ints:
                raise ValueError("n_qubits is required when the gate list names no qubit")
            n_qubits = int(max(ints)) + 1
        return cls(n_qubits, gates, gate_set=gate_set)

    def _make_gate(self, gate: Gate | Sequence[Any]) -> Gate:
        if isinstance(gate, Gate):
            name, qubits = gate.name, list(gate.qubits)
        else:
            if isinstance(gate, str) or not isinstance(gate, Sequence) or len(gate) == 0:
                raise ValueError(f"a gate is a tuple (name, qubit, ...), e.g. ('cx', 0, 1); got {gate!r}")
            name, qubits = gate[0], list(gate[1:])
        canon = canonical_gate_name(name)
        if canon not in self.gate_set:
            raise ValueError(
                f"gate {name!r} is not in this circuit's gate set ({', '.join(self.gate_set)}); "
                f"pass gate_set=... to allow it (supported gates: {', '.join(SUPPORTED_GATES)})"
            )
        need = GATE_QUBITS[canon]
        if len(qubits) != need:
            raise ValueError(
                f"gate {canon!r} acts on {need} qubit{'s' if need > 1 else ''}, got qubits {tuple(qubits)!r}"
            )
        checked: list[int] = []
        for q in qubits:
            if isinstance(q, bool) or not isinstance(q, int | np.integer):
                raise ValueError(f"qubit index {q!r} of gate {canon!r} is not an integer")
            if not 0 <= int(q) < self.n_qubits:
                raise ValueError(
                    f"qubit {int(q)} of gate {canon!r} is out of range for a {self.n_qubits}-qubit "
                    f"circuit (allowed 0..{self.n_qubits - 1})"
                )
            checked.append(int(q))
        if need == 2 and checked[0] == checked[1]:
            role = "control and target" if canon == "cx" else "both qubits"
            raise ValueError(f"gate {canon!r} needs two different qubits, but {role} are qubit {checked[0]}")
        return Gate(canon, tuple(checked))

    def append(self, gate: Gate | Sequence[Any] | str, *qubits: int) -> Circuit:
        """Append one gate: ``c.append("cx", 0, 1)`` or ``c.append(("cx", 0, 1))``; returns ``self``."""
        if isinstance(gate, str):
            gate = (gate, *qubits)
        elif qubits:
            raise ValueError("give either a gate tuple or a name followed by qubits, not both")
        self._gates.append(self._make_gate(gate))
        return self

    def extend(self, gates: Iterable[Gate | Sequence[Any]]) -> Circuit:
        """Append several gates; returns ``self``."""
        for g in gates:
            self.append(g)
        return self

    def copy(self) -> Circuit:
        return Circuit(self.n_qubits, self._gates, gate_set=self.gate_set)

    # ------------------------------------------------------------------ inspection

    @property
    def gates(self) -> tuple[Gate, ...]:
        return tuple(self._gates)

    def __len__(self) -> int:
        return len(self._gates)

    def __iter__(self) -> Iterator[Gate]:
        return iter(self._gates)

    def __getitem__(self, index: int) -> Gate:
        return self._gates[index]

    @property
    def n_gates(self) -> int:
        return len(self._gates)

    @property
    def n_params(self) -> int:
        """One parameter per rotation gate, numbered in gate order."""
        return sum(g.is_parametric for g in self._gates)

    @property
    def n_rotations(self) -> int:
        return self.n_params

    @property
    def n_cnots(self) -> int:
        return sum(g.name == "cx" for g in self._gates)

    @property
    def n_two_qubit_gates(self) -> int:
        return sum(g.n_qubits == 2 for g in self._gates)

    def count_ops(self) -> dict[str, int]:
        """Gate counts by name (only names that occur)."""
        out: dict[str, int] = {}
        for g in self._gates:
            out[g.name] = out.get(g.name, 0) + 1
        return out

    def moments(self) -> list[int]:
        """The depth layer (0-based) of each gate: the first layer free on all its qubits."""
        level = [0] * self.n_qubits
        out = []
        for g in self._gates:
            m = max(level[q] for q in g.qubits)
            out.append(m)
            for q in g.qubits:
                level[q] = m + 1
        return out

    @property
    def depth(self) -> int:
        """Number of layers when every gate is placed as early as its qubits allow."""
        level = [0] * self.n_qubits
        for g in self._gates:
            m = max(level[q] for q in g.qubits) + 1
            for q in g.qubits:
                level[q] = m
        return max(level)

    def param_gate_indices(self) -> list[int]:
        """Index in :attr:`gates` of the gate owning each parameter."""
        return [i for i, g in enumerate(self._gates) if g.is_parametric]

    def key(self) -> tuple:
        """Hashable identity of the structure (qubit count and gate list), e.g. for caches."""
        return (self.n_qubits, tuple(g.to_tuple() for g in self._gates))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Circuit):
            return NotImplemented
        return self.key() == other.key()

    __hash__ = None  # type: ignore[assignment]  # mutable (append); use key() for dictionaries

    def __repr__(self) -> str:
        return (
            f"Circuit(n_qubits={self.n_qubits}, n_gates={self.n_gates}, n_params={self.n_params}, "
            f"depth={self.depth})"
        )

    def check_params(self, params: Any) -> list[Any]:
        """The parameters as a list of per-gate scalars, after checking their number.

        Elements are passed through unchanged (so autograd tensors keep their graph in PennyLane).
        ``None`` is accepted only for a circuit without parameters.
        """
        if params is None:
            if self.n_params:
                raise ValueError(
                    f"this circuit has {self.n_params} parameters (one per rotation gate); got none"
                )
            return []
        shape = getattr(params, "shape", None)
        if shape is not None and len(shape) != 1:
            if len(shape) == 0 and self.n_params == 1:
                return [params]
            raise ValueError(
                f"expected a 1-D sequence of {self.n_params} parameters (one per rotation gate), "
                f"got shape {tuple(shape)}"
            )
        values = list(params)
        if len(values) != self.n_params:
            raise ValueError(
                f"this circuit has {self.n_params} parameters (one per rotation gate), got {len(values)}"
            )
        return values

    # ------------------------------------------------------------------ converters

    def to_qiskit(self, params: Any = None) -> Any:
        """A ``qiskit.QuantumCircuit``; circuit qubit i is Qiskit qubit i.

        Without ``params`` the rotations get symbolic parameters ``theta[k]`` (a ``ParameterVector``),
        which is what Qiskit's primitives and transpiler cache want.
        """
        return export.to_qiskit(self, params)

    def to_pennylane_ops(self, params: Any) -> list[Any]:
        """PennyLane operations (not queued), circuit qubit i on wire i.

        Parameter entries are passed through unchanged, so PennyLane/torch/JAX autodiff sees them.
        Inside a QNode use :meth:`apply_pennylane` (or ``qml.apply`` on each op).
        """
        import pennylane as qml

        with qml.QueuingManager.stop_recording():
            return export.pennylane_ops(self, params)

    def apply_pennylane(self, params: Any) -> list[Any]:
        """Create (and thereby queue) the operations inside a QNode; returns them."""
        return export.pennylane_ops(self, params)

    def to_qasm(self, params: Any = None) -> str:
        """OpenQASM 2.0 text (``qelib1.inc`` gates); angles printed with full double precision."""
        return export.to_qasm(self, params)

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready structure (no angles: those belong to whoever optimised them)."""
        return {
            "n_qubits": self.n_qubits,
            "gate_set": list(self.gate_set),
            "gates": [list(g.to_tuple()) for g in self._gates],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Circuit:
        missing = {"n_qubits", "gates"} - set(data)
        if missing:
            raise ValueError(f"circuit dictionary lacks {sorted(missing)}; it needs n_qubits and gates")
        return cls(int(data["n_qubits"]), [tuple(g) for g in data["gates"]], gate_set=data.get("gate_set"))

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Circuit:
        return cls.from_dict(json.loads(text))

    # ------------------------------------------------------------------ drawing

    def draw(self, params: Any = None, output: str = "text", filename: str | None = None) -> Any:
        """Draw the circuit.

        Args:
            params: angles to print; without them rotations are labelled ``θk``.
            output: ``"text"`` (a string, no dependencies) or ``"mpl"`` (a matplotlib figure drawn by
                Qiskit's circuit drawer).
            filename: with ``output="mpl"``, also save the figure there (e.g. a PNG).
        """
        if output == "text":
            text = draw_text(self, params)
            if filename is not None:
                with open(filename, "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
            return text
        if output == "mpl":
            return self.to_qiskit(params).draw(output="mpl", filename=filename)
        raise ValueError(f"unknown drawing output {output!r}; allowed are 'text' and 'mpl'")


def random_circuit(
    n_qubits: int,
    n_gates: int,
    rng: np.random.Generator | int | None = None,
    gate_set: Sequence[str] = DEFAULT_GATE_SET,
    two_qubit_fraction: float | None = None,
) -> Circuit:
    """A random circuit for tests and benchmarks.

    Each gate's type is drawn uniformly from ``gate_set`` (so with the default set a quarter of the
    gates are CNOTs), unless ``two_qubit_fraction`` fixes the share of two-qubit gates; qubits are
    uniform. On one qubit the two-qubit gates are left out.
    """
    rng = np.random.default_rng(rng)
    names = [canonical_gate_name(g) for g in gate_set]
    one = [g for g in names if GATE_QUBITS[g] == 1]
    two = [g for g in names if GATE_QUBITS[g] == 2] if n_qubits > 1 else []
    if not one and not two:
        raise ValueError(f"gate set {list(gate_set)} has no gate usable on {n_qubits} qubit(s)")
    c = Circuit(n_qubits, gate_set=names)
    for _ in range(int(n_gates)):
        if two_qubit_fraction is None or not one or not two:
            pool = one + two
            name = pool[int(rng.integers(len(pool)))]
        else:
            use_two = rng.random() < two_qubit_fraction
            pick = two if use_two else one
            name = pick[int(rng.integers(len(pick)))]
        if GATE_QUBITS[name] == 2:
            a, b = rng.choice(n_qubits, size=2, replace=False)
            c.append(name, int(a), int(b))
        else:
            c.append(name, int(rng.integers(n_qubits)))
    return c
