"""Quantum architecture search as a core ``SearchSpace`` + ``Evaluator``, so the generic searchers
(random, evolution, REINFORCE, BO) run on the same problem as the CRLQAS agent.

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

**Evaluation** (:class:`CircuitEvaluator`) runs the environment's code path (``qgnas/QuantumArchSearch-v0``,
``envs/quantum_arch_search.py``): the same optimiser names and defaults (COBYLA, ``maxiter=100``), the
same :class:`~qgnas.quantum.objective.EnergyObjective` on the configured (noisy) simulator, the noiseless
PTM simulator for ``error_noiseless``, and chemical accuracy as a noiseless error below 1.6 mHa. The one
difference is the starting point: the environment warm-starts from the previous step's angles, while
a search evaluates each circuit once, from fresh angles drawn U(0, 0.1) as the environment draws them
for new gates. The angles are seeded from the evaluator's seed and the circuit's key, so the same
circuit gets the same result in every searcher, run and order of evaluation.

**Problems** (:func:`quantum_task`). Besides molecules, two problems reuse this space and evaluator
unchanged, because each is "minimise the expectation of a Pauli sum": GHZ state preparation
(``H = -|GHZ><GHZ|``, so the error is the infidelity ``1 - F``) and Max-Cut on a ring
(``H = -cut``). Each has its own notion of a *good* circuit, the evaluator's ``success_threshold`` on
the noiseless error: chemical accuracy for molecules, ``F >= 0.99`` for GHZ, and for Max-Cut half the
gap between the two lowest levels, below which more than half of the probability is on optimal cuts
(``E - E0 >= (1 - p0) * gap``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, Decision, Evaluator, InvalidArchitecture, Registry, Result, SearchSpace

from .actions import AXES, CircuitBoard, GateActions
from .evaluation import (
    CHEMICAL_ACCURACY,
    NOISELESS_NAMES,
    OPTIMIZERS,
    energy_at,
    make_simulator,
    noise_model,
    optimise_circuit,
    optimizer_settings,
)

__all__ = [
    "CHEMICAL_ACCURACY",
    "GHZ_FIDELITY",
    "OPTIMIZERS",
    "PROBLEMS",
    "PROBLEM_DEFAULT_QUBITS",
    "CircuitEvaluator",
    "CircuitSpace",
    "gate_label",
    "ghz_hamiltonian",
    "maxcut_ring_hamiltonian",
    "noise_model",
    "optimal_cut_threshold",
    "optimise_circuit",
    "optimizer_settings",
    "quantum_task",
]

#: The problems :func:`quantum_task` builds; ``"molecule"`` takes its molecule from ``molecule=``.
PROBLEMS: tuple[str, ...] = ("molecule", "ghz", "maxcut")
#: A GHZ preparation circuit is good when its noiseless fidelity reaches this.
GHZ_FIDELITY = 0.99
#: Register size of the GHZ and Max-Cut problems when ``qubits`` is left at ``"auto"``.
PROBLEM_DEFAULT_QUBITS = 4

NONE = "none"

CircuitArch = tuple[tuple, ...]  # (("cx", 0, 1), ("ry", 0), ...): hashable, JSON as a list of lists


def gate_label(gate: Sequence) -> str:
    """``("cx", 0, 1)`` -> ``"cx(0,1)"``; ``("ry", 2)`` -> ``"ry(2)"`` (the decision choices' names)."""
    return f"{gate[0]}({','.join(str(int(q)) for q in gate[1:])})"


_LABEL = re.compile(r"^\s*([A-Za-z_\-]+)\s*\(\s*([0-9,\s]*)\)\s*$")


# ---------------------------------------------------------------------------------------------------
# the space


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
        from .circuit import Gate, canonical_gate_name

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
        from .circuit import Circuit

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
        from .circuit import Circuit

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


# ---------------------------------------------------------------------------------------------------
# the evaluator


class CircuitEvaluator(Evaluator):
    """Circuit -> optimised energy, as one step of ``QuantumArchSearch-v0`` scores it (module doc).

    ``Result.objective`` is ``-error`` (maximised by the core), where ``error = E - E_ground`` and ``E``
    is the optimised energy on the configured (noisy) simulator. ``metrics``: ``energy``,
    ``energy_noiseless``, ``error``, ``error_noiseless`` (noiseless energy at the optimised angles
    minus the exact ground energy), ``success`` (1 when ``error_noiseless`` < ``success_threshold``,
    else 0: the circuit is *good*), ``chemical_accuracy`` (1 when ``error_noiseless`` < 1.6 mHa; only
    for chemistry, i.e. unless ``hamiltonian.metadata["problem"]`` names another problem, where a
    Hartree threshold means nothing), ``gates``, ``depth``, ``cnots``, ``rotations``, ``parameters``
    and ``nfev`` (energy evaluations the optimiser spent).

    Args:
        hamiltonian: a :class:`~qgnas.quantum.hamiltonian.Hamiltonian` with ``ground_energy``.
        noise: anything :func:`noise_model` accepts (None: noiseless).
        optimizer, optimizer_options: as the environment's (default COBYLA, ``maxiter=100``).
        space: the :class:`CircuitSpace` (default: all ordered CNOT pairs, ``max_gates=20``).
        shots, shot_noise: shot noise on the optimised energy, as the environment's.
        seed: root of the angle seeds; each circuit's stream is derived from it and the circuit's key.
        backend, device: ``"ptm"`` (default) or a reference backend name; the torch device.
        success_threshold: a circuit is good (``success``) when its noiseless error is below this;
            default chemical accuracy (1.6 mHa), the CRLQAS criterion.
    """

    name = "circuit-energy"

    def __init__(
        self,
        hamiltonian: Any,
        noise: Any = None,
        optimizer: str = "cobyla",
        optimizer_options: dict[str, Any] | None = None,
        *,
        space: CircuitSpace | None = None,
        shots: int | None = None,
        shot_noise: str = "gaussian",
        seed: int = 0,
        backend: str = "ptm",
        device: str = "cpu",
        success_threshold: float = CHEMICAL_ACCURACY,
    ):
        self.hamiltonian = hamiltonian
        self.n_qubits = int(hamiltonian.n_qubits)
        self.space = space if space is not None else CircuitSpace(self.n_qubits)
        if self.space.n_qubits != self.n_qubits:
            raise ValueError(
                f"the space has {self.space.n_qubits} qubits but the Hamiltonian acts on {self.n_qubits}"
            )
        if shots is not None and (
            isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1
        ):
            raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
        if shot_noise not in ("gaussian", "multinomial"):
            raise ValueError(f"shot_noise must be 'gaussian' or 'multinomial', got {shot_noise!r}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if (
            isinstance(success_threshold, bool)
            or not isinstance(success_threshold, int | float | np.integer | np.floating)
            or not 0 < success_threshold < np.inf
        ):
            raise ValueError(f"success_threshold must be a positive finite number, got {success_threshold!r}")
        self.success_threshold = float(success_threshold)
        # chemical accuracy is a Hartree threshold: reported for chemistry, not for GHZ or Max-Cut
        problem = (getattr(hamiltonian, "metadata", None) or {}).get("problem", "molecule")
        self.chemistry = problem == "molecule"
        self.noise = noise_model(noise, self.n_qubits)
        self.shots = None if shots is None else int(shots)
        self.shot_noise = shot_noise
        self.optimizer = str(optimizer).strip().lower().replace("-", "_")
        self.method, self.options = optimizer_settings(optimizer, optimizer_options, self.shots)
        self.seed = int(seed)
        self.ground_energy = float(hamiltonian.ground_energy)
        self.simulator = make_simulator(backend, self.noise, device)
        self._noiseless = make_simulator("ptm", None, "cpu")

    def rng(self, arch: Any) -> np.random.Generator:
        """The angle/shot-noise stream of one circuit: a function of the seed and the circuit's key."""
        digest = hashlib.sha256(self.space.key(arch).encode()).digest()
        words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *words]))

    def optimise(self, arch: Any) -> tuple[Any, np.ndarray, dict[str, float]]:
        """(canonical circuit, optimised angles, metrics) of ``arch``; raises on a bad architecture."""
        circuit = self.space.to_circuit(arch)
        params, energy, nfev = optimise_circuit(
            circuit,
            self.hamiltonian,
            self.simulator,
            self.method,
            self.options,
            self.rng(arch),
            shots=self.shots,
            shot_noise=self.shot_noise,
        )
        noisy = self.noise is not None or self.shots is not None
        noiseless = energy_at(self._noiseless, circuit, self.hamiltonian, params) if noisy else energy
        error_noiseless = noiseless - self.ground_energy
        metrics = {
            "energy": energy,
            "energy_noiseless": noiseless,
            "error": energy - self.ground_energy,
            "error_noiseless": error_noiseless,
        }
        if self.chemistry:
            metrics["chemical_accuracy"] = int(error_noiseless < CHEMICAL_ACCURACY)
        metrics.update(
            {
                "success": int(error_noiseless < self.success_threshold),
                "gates": circuit.n_gates,
                "depth": circuit.depth,
                "cnots": circuit.n_cnots,
                "rotations": circuit.n_rotations,
                "parameters": circuit.n_params,
                "nfev": nfev,
            }
        )
        return circuit, params, metrics

    def _evaluate(self, arch: Any) -> Result:
        start = time.perf_counter()
        _, _, metrics = self.optimise(arch)
        return Result(objective=-metrics["error"], metrics=metrics, seconds=time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------------
# the task


def _noise_label(noise: Any) -> str:
    if noise is None or (isinstance(noise, str) and noise.strip().lower() in NOISELESS_NAMES):
        return "noiseless"
    if isinstance(noise, str):
        return noise.strip().lower()
    if isinstance(noise, dict) and "device" in noise:
        return str(noise["device"]).lower()
    return "custom-noise"


def ghz_hamiltonian(n: int = PROBLEM_DEFAULT_QUBITS) -> Any:
    """``H = -|GHZ_n><GHZ_n|`` (:meth:`~qgnas.quantum.hamiltonian.Hamiltonian.ghz`): energy -F, ground
    energy -1, so a circuit's energy error is its infidelity ``1 - F``."""
    from .hamiltonian import Hamiltonian

    return Hamiltonian.ghz(n)


def maxcut_ring_hamiltonian(n: int = PROBLEM_DEFAULT_QUBITS) -> Any:
    """Max-Cut on the ring 0-1-...-(n-1)-0 (``H = -cut``, node k = qubit k). A ring needs ``n >= 3``:
    with two nodes the two bonds would be the same edge."""
    from .hamiltonian import Hamiltonian

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 3:
        raise ValueError(f"a Max-Cut ring needs an integer number of nodes (qubits) >= 3, got {n!r}")
    n = int(n)
    edges = [(i, (i + 1) % n) for i in range(n)]
    ham = Hamiltonian.maxcut(edges, n_nodes=n)
    ham.name = f"maxcut_ring{n}"
    ham.metadata.update({"problem": "maxcut", "graph": "ring", "edges": [list(e) for e in edges]})
    return ham


def optimal_cut_threshold(hamiltonian: Any) -> float:
    """Half the gap between the two lowest levels of a diagonal (Max-Cut) Hamiltonian.

    A state with probability ``p0`` on the ground level has ``E - E0 >= (1 - p0) * gap``, so a noiseless
    error below ``gap / 2`` guarantees ``p0 > 1/2``: measuring the circuit finds an optimal cut more
    often than not. Read from the spectrum, not fixed, because the gap depends on the graph and weights.
    """
    levels = hamiltonian.diagonal_levels()
    if len(levels) < 2:
        raise ValueError(f"{hamiltonian.name} has a single level ({levels[0]:g}): every state is optimal")
    return float(levels[1] - levels[0]) / 2


_PROBLEMS: Registry[str] = Registry("problem", {p: p for p in PROBLEMS}, {"chemistry": "molecule"})


def _resolve_problem(problem: Any, molecule: str | None) -> tuple[str, str | None]:
    """(problem kind, molecule name or None): a molecule name given as ``problem`` means that molecule."""
    from .molecules import MOLECULE_ALIASES as _NAME_LOOKUP
    from .molecules import MOLECULES

    key = str(problem).strip().lower() if isinstance(problem, str) else None
    if problem in _PROBLEMS:
        kind = _PROBLEMS.resolve(problem)
    elif key in _NAME_LOOKUP:
        if molecule is not None and _NAME_LOOKUP.get(str(molecule).strip().lower()) != _NAME_LOOKUP[key]:
            raise ValueError(f"problem={problem!r} and molecule={molecule!r} name different molecules")
        return "molecule", problem
    else:
        raise ValueError(
            f"unknown problem {problem!r}; allowed: {', '.join(PROBLEMS)} "
            f"(or a molecule name: {', '.join(MOLECULES)})"
        )
    if kind != "molecule" and molecule is not None:
        raise ValueError(
            f"molecule={molecule!r} applies to problem 'molecule' only, not {kind!r}; leave it out"
        )
    return kind, (molecule if molecule is not None else "H2") if kind == "molecule" else None


def quantum_task(
    molecule: str | None = None,
    qubits: int | None | str = "auto",
    bond: float | None = None,
    noise: Any = None,
    max_gates: int = 20,
    optimizer: str = "cobyla",
    optimizer_options: dict[str, Any] | None = None,
    connectivity: Iterable[Sequence[int]] | None = None,
    shots: int | None = None,
    mapping: str | None = None,
    seed: int = 0,
    backend: str = "ptm",
    device: str = "cpu",
    *,
    problem: str = "molecule",
):
    """The quantum-architecture-search benchmark task: :class:`CircuitSpace` plus
    :class:`CircuitEvaluator` on one problem (module doc). Searchers maximise ``-error``; the reported
    ("test") metric is the incumbent's ``error_noiseless``. ``seed`` seeds the evaluator's angles (not
    the searchers), so all searchers and seeds score a circuit identically.

    Args:
        molecule: the molecule of ``problem="molecule"`` (default H2); any other problem rejects it.
        qubits: register size. ``"auto"`` (default): 2 for H2 (the CRLQAS environment's register),
            the molecule's default for other molecules, 4 for ``ghz`` and ``maxcut``; None: the
            molecule's default register. For ``ghz`` it is n of ``|GHZ_n>``, for ``maxcut`` the ring's
            node count.
        bond, mapping: the molecule's (molecules only).
        problem: ``"molecule"`` (default), ``"ghz"`` (prepare ``|GHZ_n>``; good: fidelity >= 0.99), or
            ``"maxcut"`` (Max-Cut on an n-node ring; good: noiseless error below
            :func:`optimal_cut_threshold`); a molecule name is taken as that molecule.

    The evaluator's ``success_threshold`` is the problem's notion of a good circuit (chemical
    accuracy for molecules) and ``task.reference`` holds the ground energy (and, for GHZ and Max-Cut,
    the threshold). Raises ValueError on a bad problem, molecule, qubit count, noise or optimiser.
    """
    from qgnas.core.task import Task

    kind, molecule = _resolve_problem(problem, molecule)
    if isinstance(qubits, str) and qubits != "auto":
        raise ValueError(f"qubits must be an integer, None or 'auto', got {qubits!r}")
    if kind == "molecule":
        from .molecules import MOLECULE_ALIASES as _NAME_LOOKUP
        from .molecules import molecule as build_molecule

        if qubits == "auto":
            qubits = 2 if _NAME_LOOKUP.get(str(molecule).strip().lower()) == "H2" else None
        hamiltonian = build_molecule(molecule, bond=bond, qubits=qubits, mapping=mapping)
        threshold = CHEMICAL_ACCURACY
        name = str(hamiltonian.metadata.get("molecule") or molecule)
    else:
        for option, value in (("bond", bond), ("mapping", mapping)):
            if value is not None:
                raise ValueError(f"{option}={value!r} applies to molecules only, not problem {kind!r}")
        n = PROBLEM_DEFAULT_QUBITS if qubits in ("auto", None) else qubits
        if kind == "ghz":
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
                raise ValueError(f"GHZ state preparation needs an integer qubits >= 2, got {n!r}")
            hamiltonian = ghz_hamiltonian(int(n))
            threshold = round(1.0 - GHZ_FIDELITY, 12)  # 0.01, not 0.010000000000000009
        else:
            hamiltonian = maxcut_ring_hamiltonian(n)
            threshold = optimal_cut_threshold(hamiltonian)
        name = "ghz" if kind == "ghz" else f"maxcut-ring{hamiltonian.n_qubits}"
    space = CircuitSpace(hamiltonian.n_qubits, max_gates, connectivity)
    evaluator = CircuitEvaluator(
        hamiltonian,
        noise,
        optimizer,
        optimizer_options,
        space=space,
        shots=shots,
        seed=seed,
        backend=backend,
        device=device,
        success_threshold=threshold,
    )
    reference = {"ground_energy": evaluator.ground_energy}
    if kind != "molecule":
        reference["success_threshold"] = threshold
    return Task(
        name=f"quantum/{name}_{hamiltonian.n_qubits}q_{_noise_label(noise)}",
        space=space,
        evaluator=evaluator,
        test_metric="error_noiseless",
        objective_name="-error",
        reference=reference,
    )
