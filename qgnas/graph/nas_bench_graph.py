"""NAS-Bench-Graph (Qin et al., NeurIPS 2022): its cell space and the tabular evaluator.

The space: an input node and 4 computing nodes; computing node i takes exactly one input, the input
node (0) or an earlier computing node (1..i-1), so ``links = (l1, l2, l3, l4)`` with ``l_i < i``
(24 wirings). Each computing node applies one of 9 ops. Nodes that feed no other node are leaves and
feed the output. Many wirings and op placements compute the same function; the benchmark defines
identity through its own hash (``nas_bench_graph.Arch.valid_hash``): it regularises the wiring to one
of 9 canonical link patterns, moves skip ops and sorts interchangeable branches. We use that hash as
the canonical key instead of re-deriving the equivalence, because the table's keys *are* that hash:
anything else could only disagree with the data. The canonical representative is decoded from the hash
(link-pattern index, then the 4 op indices as decimal digits).

The tables (``light_read``) hold, per canonical architecture, the mean over 3 training seeds of the
validation accuracy (``valid_perf``), test accuracy (``perf``), latency (s) and parameters (millions).
Searchers optimise the validation accuracy; the test accuracy is reported, never optimised.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, Decision, Evaluator, InvalidArchitecture, Registry, Result, SearchSpace

OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
DATASETS: tuple[str, ...] = (
    "cora",
    "citeseer",
    "pubmed",
    "cs",
    "physics",
    "photo",
    "computers",
    "arxiv",
    "proteins",
)
N_NODES = 4
# The benchmark's canonical link patterns, in its hash order (index = leading digit of the hash).
LINK_PATTERNS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)


@dataclass(frozen=True)
class NBGArch:
    """A NAS-Bench-Graph cell: ``links[i]`` is the input of computing node i+1 (0 = the input node),
    ``ops[i]`` its operation."""

    links: tuple[int, ...]
    ops: tuple[str, ...]

    def __str__(self) -> str:
        return f"links={list(self.links)} ops={list(self.ops)}"


_DATASETS: Registry[str] = Registry("NAS-Bench-Graph dataset", {d: d for d in DATASETS})


def check_dataset(dataset: str) -> str:
    """The benchmark's name of ``dataset`` (``"CiteSeer"`` -> ``"citeseer"``); ValueError if unknown."""
    return _DATASETS.resolve(dataset)


@functools.cache
def load_table(dataset: str) -> dict[int, dict[str, float]]:
    """The benchmark's light table for ``dataset`` (shipped with the ``nas-bench-graph`` package)."""
    from nas_bench_graph import light_read

    return light_read(check_dataset(dataset))


def benchmark_hash(arch: NBGArch) -> int:
    """The package's own canonical hash of ``arch`` (its ``Arch.valid_hash``)."""
    from nas_bench_graph import Arch

    return Arch(list(arch.links), list(arch.ops)).valid_hash()


def arch_from_hash(h: int) -> NBGArch:
    """The canonical representative encoded by a benchmark hash."""
    digits = f"{int(h):05d}"
    if len(digits) != 5 or int(digits[0]) >= len(LINK_PATTERNS) or "9" in digits[1:]:
        raise ValueError(
            f"{h!r} is not a NAS-Bench-Graph hash (link pattern digit 0-8, then 4 op digits 0-8)"
        )
    return NBGArch(LINK_PATTERNS[int(digits[0])], tuple(OPS[int(d)] for d in digits[1:]))


class NASBenchGraphSpace(SearchSpace):
    """The NAS-Bench-Graph space for one op list (all 9 ops, or the 5 the proteins tables cover).

    Decisions: the inputs of computing nodes 2-4 (node 1 always reads the input) and the 4 ops.
    """

    def __init__(self, ops: Sequence[str] = OPS):
        ops = tuple(ops)
        unknown = [o for o in ops if o not in OPS]
        if unknown or not ops:
            raise ValueError(f"unknown ops {unknown or ops!r}; allowed: {', '.join(OPS)}")
        self.ops = ops
        self.name = "nas-bench-graph" if ops == OPS else f"nas-bench-graph[{','.join(ops)}]"
        self._decisions = [Decision(f"link{i + 1}", tuple(range(i + 1))) for i in range(1, N_NODES)] + [
            Decision(f"op{i + 1}", ops) for i in range(N_NODES)
        ]

    @classmethod
    def for_dataset(cls, dataset: str) -> NASBenchGraphSpace:
        return cls(PROTEINS_OPS if check_dataset(dataset) == "proteins" else OPS)

    # decision view
    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decode(self, indices: Sequence[int]) -> NBGArch:
        if len(indices) != len(self._decisions):
            raise InvalidArchitecture(f"expected {len(self._decisions)} decisions, got {len(indices)}")
        for d, i in zip(self._decisions, indices, strict=True):
            if not 0 <= int(i) < len(d):
                raise InvalidArchitecture(f"{d.name} index {i!r} out of range 0..{len(d) - 1}")
        links = (0, *(int(i) for i in indices[: N_NODES - 1]))
        ops = tuple(self.ops[int(i)] for i in indices[N_NODES - 1 :])
        return self.validate(NBGArch(links, ops))

    def encode(self, arch: NBGArch) -> list[int]:
        arch = self.validate(arch)
        return list(arch.links[1:]) + [self.ops.index(o) for o in arch.ops]

    def validate(self, arch: Any) -> NBGArch:
        if not isinstance(arch, NBGArch):
            raise InvalidArchitecture(f"expected an NBGArch(links, ops), got {type(arch).__name__}: {arch!r}")
        links, ops = tuple(arch.links), tuple(arch.ops)
        if len(links) != N_NODES or len(ops) != N_NODES:
            raise InvalidArchitecture(
                f"a NAS-Bench-Graph cell has {N_NODES} links and {N_NODES} ops, got {list(links)} / {list(ops)}"
            )
        for i, link in enumerate(links):
            if not isinstance(link, int | np.integer) or not 0 <= link <= i:
                raise InvalidArchitecture(
                    f"links[{i}] = {link!r}: computing node {i + 1} may read node 0..{i} "
                    f"(0 = input, j = computing node j)"
                )
        bad = [o for o in ops if o not in self.ops]
        if bad:
            raise InvalidArchitecture(f"unknown op {bad[0]!r}; allowed: {', '.join(self.ops)}")
        if all(o == "skip" for o in ops):
            raise InvalidArchitecture(
                "the all-skip cell has no computing op and is not in the benchmark; "
                f"use at least one of: {', '.join(o for o in self.ops if o != 'skip')}"
            )
        return NBGArch(tuple(int(x) for x in links), ops)

    # identity
    def key(self, arch: NBGArch) -> str:
        return str(benchmark_hash(self.validate(arch)))

    def canonical(self, arch: NBGArch) -> NBGArch:
        return arch_from_hash(benchmark_hash(self.validate(arch)))

    def size(self) -> int:
        return _space_size(self.ops)

    # serialisation
    def to_json(self, arch: NBGArch) -> dict[str, list]:
        return {"links": list(arch.links), "ops": list(arch.ops)}

    def from_json(self, obj: Any) -> NBGArch:
        try:
            arch = NBGArch(tuple(obj["links"]), tuple(obj["ops"]))
        except (KeyError, TypeError) as exc:
            raise InvalidArchitecture(
                f"expected {{'links': [4 ints], 'ops': [4 names]}}, got {obj!r}"
            ) from exc
        return self.validate(arch)

    def config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this space (stored with encoders trained on it)."""
        return {"ops": list(self.ops)}

    # graph view: node 0 = input, 1..4 = computing nodes, 5 = output
    def graph_size(self) -> int:
        return N_NODES + 2

    def op_names(self) -> tuple[str, ...]:
        return ("input", *self.ops, "output")

    def to_graph(self, arch: NBGArch) -> ArchGraph:
        arch = self.validate(arch)
        names = self.op_names()
        n = N_NODES + 2
        adj = np.zeros((n, n), dtype=np.int8)
        for i, link in enumerate(arch.links):
            adj[link, i + 1] = 1
        for i in range(1, N_NODES + 1):
            if not adj[i, 1 : N_NODES + 1].any():  # a leaf feeds the output
                adj[i, n - 1] = 1
        ops = np.array([0, *(names.index(o) for o in arch.ops), len(names) - 1])
        return ArchGraph(ops=ops, adjacency=adj, op_names=names)

    def from_graph(self, graph: ArchGraph) -> NBGArch:
        """Inverse of ``to_graph``; a graph that ``to_graph`` cannot produce (wrong node count, input or
        output node misplaced, a computing node without exactly one input, output edges that are not
        the leaves') is an InvalidArchitecture."""
        adj = np.asarray(graph.adjacency)
        names, ops = tuple(graph.op_names), [int(k) for k in np.asarray(graph.ops)]
        n = N_NODES + 2
        if len(ops) != n or adj.shape != (n, n):
            raise InvalidArchitecture(f"a NAS-Bench-Graph cell graph has {n} nodes, got {len(ops)}")
        if names[ops[0]] != "input" or names[ops[-1]] != "output":
            raise InvalidArchitecture(
                "a cell graph starts with its 'input' node and ends with its 'output' node"
            )
        links = []
        for i in range(1, N_NODES + 1):
            parents = np.flatnonzero(adj[:i, i])
            if len(parents) != 1:
                raise InvalidArchitecture(
                    f"computing node {i} must have exactly one input, has {len(parents)}"
                )
            links.append(int(parents[0]))
        arch = self.validate(NBGArch(tuple(links), tuple(names[k] for k in ops[1 : N_NODES + 1])))
        if not np.array_equal(adj != 0, self.to_graph(arch).adjacency != 0):
            raise InvalidArchitecture("the output node's inputs are not the cell's leaves")
        return arch


@functools.cache
def _space_size(ops: tuple[str, ...]) -> int:
    """Distinct canonical architectures over ``ops``, counted by enumeration (26,206 for all 9 ops)."""
    import itertools

    from nas_bench_graph import Arch

    wirings = itertools.product(*[range(i + 1) for i in range(N_NODES)])
    return len(
        {
            Arch(list(links), list(o)).valid_hash()
            for links in wirings
            for o in itertools.product(ops, repeat=N_NODES)
            if any(x != "skip" for x in o)
        }
    )


class NASBenchGraphEvaluator(Evaluator):
    """Tabular look-up: objective = validation accuracy (%); metrics: test accuracy (%), latency (s),
    parameters (millions)."""

    def __init__(self, dataset: str = "cora"):
        self.dataset = check_dataset(dataset)
        self.space = NASBenchGraphSpace.for_dataset(self.dataset)
        self.name = f"nas-bench-graph/{self.dataset}"
        self.table = load_table(self.dataset)

    def _evaluate(self, arch: NBGArch) -> Result:
        h = benchmark_hash(self.space.validate(arch))
        if h not in self.table:
            raise KeyError(f"architecture {arch} (hash {h}) is not in the {self.dataset} table")
        entry = self.table[h]
        return Result(
            objective=100.0 * float(entry["valid_perf"]),
            metrics={
                "test": 100.0 * float(entry["perf"]),
                "latency_s": float(entry["latency"]),
                "params_m": float(entry["para"]),
            },
        )

    def oracle(self) -> dict[str, float]:
        """Best validation accuracy in the table, the test accuracy of that architecture (first in hash
        order on ties), and the best test accuracy overall: the ceilings a search can reach."""
        best_h = max(self.table, key=lambda h: (self.table[h]["valid_perf"], -h))
        return {
            "valid": 100.0 * float(self.table[best_h]["valid_perf"]),
            "test_of_best_valid": 100.0 * float(self.table[best_h]["perf"]),
            "best_test": 100.0 * max(float(v["perf"]) for v in self.table.values()),
        }


def nas_bench_graph_task(dataset: str = "cora"):
    """The benchmark task for one dataset: space, tabular evaluator and the table's oracle."""
    from qgnas.core.task import Task

    evaluator = NASBenchGraphEvaluator(dataset)
    return Task(
        name=f"nas-bench-graph/{evaluator.dataset}",
        space=evaluator.space,
        evaluator=evaluator,
        test_metric="test",
        reference=evaluator.oracle(),
    )
