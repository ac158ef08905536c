"""The compiled-circuit plan: a circuit and its noise fused into a few passes over the state (numpy).

One-qubit gates, each already fused with the channels that follow it, are collected per qubit into
*runs*; every two-qubit gate closes the runs pending on its two qubits and becomes a *layer*
``L = G (A (x) B)``, with ``A``, ``B`` the run products and ``G`` the two-qubit gate fused with its
two-qubit channel. ``G`` is *monomial* (one non-zero per row: a Clifford permutes Pauli strings up to
sign, depolarizing only rescales them), which the torch path and the kernel both exploit. Local
channels after a two-qubit gate open the next run on their qubits; gates after a qubit's last
two-qubit gate are folded into that layer from the left; qubits that never meet a two-qubit gate are
paired into layers of their own. With ``merge``, consecutive two-qubit gates on the same pair share
one layer as several *segments*. A circuit with G two-qubit gates costs at most about G + n/2 passes.

The same plan serves the PTM (real 4x4 blocks) and the noiseless state vector (complex 2x2 blocks);
:class:`Representation` holds what differs. Both the torch runtime
(:class:`~qgnas.quantum.ptm.compiled.CompiledCircuit`) and the Numba kernel
(:mod:`qgnas.quantum.ptm.kernel`) are built from a :class:`CircuitPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .gates import fixed_gate_ptm, gate_unitary, rotation_ptm_terms

if TYPE_CHECKING:
    from qgnas.quantum.noise import NoiseModel

__all__ = ["CircuitPlan", "Layer", "Representation", "Segment", "Term", "monomial", "swap_local"]


@dataclass
class Term:
    """One factor of a one-qubit run: ``C0 + cos(f theta_k) C1 + sin(f theta_k) C2`` (k = -1: fixed)."""

    param: int
    mats: np.ndarray  # (3, d, d)


@dataclass
class Segment:
    """``gate (A (x) B)``: the runs pending on the layer's qubits, then a monomial (or dense) gate."""

    pre: list[list[Term]]
    gate: np.ndarray  # (d^k, d^k)


@dataclass
class Layer:
    """One pass over the state: ``post (x) post  @  segment_m ... segment_1`` on one or two qubits."""

    qubits: tuple[int, ...]  # the first is the more significant local index
    segments: list[Segment]
    post: list[list[Term]]

    def swapped(self, d: int) -> Layer:
        """The same operation with the two qubits' roles exchanged."""
        segs = [Segment(sg.pre[::-1], swap_local(sg.gate, d)) for sg in self.segments]
        return Layer(self.qubits[::-1], segs, self.post[::-1])


def swap_local(m: np.ndarray, d: int) -> np.ndarray:
    """Exchange the two qubits of a (d^2 x d^2) local matrix."""
    return m.reshape(d, d, d, d).transpose(1, 0, 3, 2).reshape(d * d, d * d)


def monomial(m: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(perm, scale)`` with ``m[i, perm[i]] = scale[i]`` the only non-zero of row i, or None."""
    perm = np.argmax(np.abs(m), axis=1)
    scale = m[np.arange(len(m)), perm]
    rebuilt = np.zeros_like(m)
    rebuilt[np.arange(len(m)), perm] = scale
    if not np.allclose(rebuilt, m, atol=1e-14, rtol=0):
        return None
    return perm, scale


class Representation:
    """What differs between the PTM (``"ptm"``) and the state-vector (``"sv"``) representation."""

    def __init__(self, kind: str, noise: NoiseModel | None) -> None:
        self.kind = kind
        self.noise = noise
        self.d = 4 if kind == "ptm" else 2
        self.angle_factor = 1.0 if kind == "ptm" else 0.5
        self.np_dtype = np.float64 if kind == "ptm" else np.complex128

    def _channels(self, gate: Any) -> list[Any]:
        return [] if self.noise is None else self.noise.channels_after(gate)

    def one_qubit(self, gate: Any) -> list[Term]:
        """The gate, fused with the channels after it, as one run factor."""
        d = self.d
        if self.kind == "ptm":
            noise = np.eye(4)
            for ch in self._channels(gate):
                noise = ch.ptm() @ noise
            if gate.is_parametric:
                a, c, s = rotation_ptm_terms(gate.name)
                mats = np.stack([noise @ a, noise @ c, noise @ s])
            else:
                mats = np.stack([noise @ fixed_gate_ptm(gate.name), np.zeros((4, 4)), np.zeros((4, 4))])
        else:
            if self._channels(gate):
                raise AssertionError("state-vector path used with gate noise")
            if gate.is_parametric:
                axis = gate_unitary(gate.name, np.pi)  # -i P
                mats = np.stack([np.zeros((2, 2)), np.eye(2), axis]).astype(np.complex128)
            else:
                mats = np.stack([gate_unitary(gate.name), np.zeros((2, 2)), np.zeros((2, 2))])
        param = gate.param_index if gate.is_parametric else -1
        return [Term(param, mats.astype(self.np_dtype).reshape(3, d, d))]

    def two_qubit(self, gate: Any) -> tuple[np.ndarray, list[list[Term]]]:
        """The monomial part (gate + two-qubit channels) and the local channels that follow it."""
        if self.kind == "sv":
            return gate_unitary(gate.name).astype(np.complex128), [[], []]
        g = fixed_gate_ptm(gate.name)
        local: list[np.ndarray] = [np.eye(4), np.eye(4)]
        for ch in self._channels(gate):
            if len(ch.qubits) == 2:
                if any(not np.allclose(m, np.eye(4)) for m in local):
                    raise AssertionError("a two-qubit channel after a local one is not supported")
                if ch.qubits == gate.qubits:
                    g = ch.ptm() @ g
                else:  # same pair, other order
                    g = swap_local(ch.ptm(), 4) @ g
            else:
                pos = gate.qubits.index(ch.qubits[0])
                local[pos] = ch.ptm() @ local[pos]
        runs = [[] if np.allclose(m, np.eye(4)) else [Term(-1, np.stack([m, 0 * m, 0 * m]))] for m in local]
        return g, runs


@dataclass
class _IndexedGate:
    name: str
    qubits: tuple[int, ...]
    param_index: int

    @property
    def is_parametric(self) -> bool:
        return self.param_index >= 0


@dataclass
class CircuitPlan:
    """A circuit fused into layers: what every executor of the simulator runs.

    ``k`` is the number of qubits each layer acts on (2, or 1 for a one-qubit circuit); layers are in
    the order they are applied to the initial state.
    """

    n_qubits: int
    layers: list[Layer]
    k: int
    rep: Representation

    @classmethod
    def build(cls, circuit: Any, rep: Representation, merge: bool) -> CircuitPlan:
        """Fuse ``circuit`` into layers (see the module docstring).

        With ``merge``, a two-qubit gate whose two qubits were last touched by the same layer (same
        pair, nothing in between on those wires) is appended to that layer as a new segment instead of
        opening a pass; that pays only when a pass over the state costs more than a 16x16 product.
        """
        n = circuit.n_qubits
        pending, last, layers = _fuse_two_qubit_gates(circuit, rep, merge)
        loose = _fold_trailing_runs(n, pending, last)
        if n == 1:
            eye = np.eye(rep.d, dtype=rep.np_dtype)
            extra = [Layer((0,), [Segment([pending[0]], eye)], [[]])] if loose else []
            return cls(n, extra, 1, rep)
        # qubits never touched by a two-qubit gate commute with everything else, so their layers go
        # first, where the state is still a product state
        return cls(n, _pair_loose_qubits(loose, pending, rep) + layers, 2, rep)


def _fuse_two_qubit_gates(
    circuit: Any, rep: Representation, merge: bool
) -> tuple[list[list[Term]], list[Layer | None], list[Layer]]:
    """One layer per two-qubit gate (or segment, when merged); returns the runs still pending on each
    qubit, the layer each qubit last met, and the layers."""
    n = circuit.n_qubits
    pending: list[list[Term]] = [[] for _ in range(n)]
    last: list[Layer | None] = [None] * n
    layers: list[Layer] = []
    k = 0
    for gate in circuit.gates:
        ig = _IndexedGate(gate.name, gate.qubits, k if gate.is_parametric else -1)
        k += gate.is_parametric
        if len(gate.qubits) == 1:
            pending[gate.qubits[0]].extend(rep.one_qubit(ig))
            continue
        a, b = gate.qubits
        g, local = rep.two_qubit(ig)
        if merge and last[a] is not None and last[a] is last[b]:
            layer = last[a]
            if layer.qubits != (a, b):
                g = swap_local(g, rep.d)
            layer.segments.append(Segment([pending[q] for q in layer.qubits], g))
        else:
            layer = Layer((a, b), [Segment([pending[a], pending[b]], g)], [[], []])
            layers.append(layer)
        pending[a], pending[b] = local
        last[a] = last[b] = layer
    return pending, last, layers


def _fold_trailing_runs(n: int, pending: list[list[Term]], last: list[Layer | None]) -> list[int]:
    """Fold each qubit's trailing run into its last layer; returns the qubits that have no layer."""
    loose = []
    for q in range(n):
        if not pending[q]:
            continue
        layer = last[q]
        if layer is not None:
            layer.post[layer.qubits.index(q)] = pending[q]
        else:
            loose.append(q)
    return loose


def _pair_loose_qubits(loose: list[int], pending: list[list[Term]], rep: Representation) -> list[Layer]:
    """Layers of their own for the runs of qubits that meet no two-qubit gate, two qubits each."""
    eye = np.eye(rep.d * rep.d, dtype=rep.np_dtype)
    extra: list[Layer] = []
    while loose:
        a = loose.pop(0)
        if loose:
            b = loose.pop(0)
            runs = [pending[a], pending[b]]
        else:  # odd one out: pair it with any other qubit, which gets an identity run
            b = 1 if a == 0 else 0
            runs = [pending[a], []]
        extra.append(Layer((a, b), [Segment(runs, eye)], [[], []]))
    return extra
