"""A batched, differentiable noisy simulator in the Pauli-transfer-matrix picture (torch).

The state of n qubits is kept as its vector of Pauli expectations ``r_P = Tr(rho P)`` over the 4^n
Pauli strings: a real vector, on which every gate and every noise channel acts linearly through its
Pauli-transfer matrix (PTM). (This is the normalised-Pauli-basis vector times ``sqrt(2^n)``; the PTMs are
the same in both normalisations, and this scaling makes the entries the expectations themselves.)
The energy is then a dot product of the final vector with the Hamiltonian's coefficients, and readout
error is a fixed linear map on the measured expectations. Without gate noise the same interface runs a
state-vector simulation (2^n complex amplitudes), which is exact and much smaller.

How a circuit is evaluated (the hot path) -- everything that depends only on the circuit, the noise and
the Hamiltonian is done once in :meth:`PTMSimulator.compile`; a call then runs a fixed, short sequence
of batched tensor operations whose number does not grow with the batch and is about two per
*two-qubit* gate, not per gate:

1. **Fusion into layers** (compile time). One-qubit gates, each already fused with the channels that
   follow it into one 4x4 PTM, are collected per qubit into *runs*; every two-qubit gate closes the
   runs pending on its two qubits and becomes a *layer* ``L = G (A (x) B)``, with ``A``, ``B`` the run
   products and ``G`` the two-qubit gate fused with its two-qubit depolarizing channel. ``G`` is
   *monomial* (one non-zero per row: a Clifford permutes Pauli strings up to sign, depolarizing only
   rescales them), so ``L[(i,j),(k,l)] = s_ij A[pa_ij, k] B[pb_ij, l]`` is built by gathering rows, no
   matrix product. Local channels after a two-qubit gate (relaxation, damping) open the next run on
   their qubits; gates after a qubit's last two-qubit gate are folded into that layer from the left;
   qubits that never meet a two-qubit gate are paired into layers of their own. From 5 qubits on,
   consecutive two-qubit gates on the same pair share one layer (a 16x16 product is then cheaper
   than a pass over the state). A circuit with G two-qubit gates costs at most about G + n/2 passes.
2. **All runs at once.** A rotation's PTM is ``C0 + cos(theta) C1 + sin(theta) C2`` (closed form), so
   the matrices of all gates of all runs for all parameter sets are two fused multiply-adds; run
   products are log-depth trees, runs grouped by padded length. These small matrices are kept
   *batch-last* ``(..., 4, 4, B)`` so every elementwise kernel streams over B contiguous numbers.
3. **Applying layers.** The state's axis order is *lazy*: before a layer its two qubits are moved to
   the front only if they are not there already (the compile step plans every move, with merged axes
   so a move is one <= 6-d permute), and not at all when the pair is already the last two axes
   (a GEMM reads a transposed operand for free). States above 4 qubits or 8192 numbers per batch are
   batch-first and each layer is one batched GEMM ``(B, 16, 16) @ (B, 16, 4^(n-2))``; smaller ones
   stay batch-last and a layer is one broadcast product and a sum (there per-kernel overhead, not
   arithmetic, is what costs). A pair already on two adjacent middle axes with >= 256 numbers after
   them is applied where it is (one GEMM per leading index, no axis move). Without autograd on CPU
   the passes and axis moves write into two reused work buffers: fresh multi-megabyte tensors per
   pass cost page faults that measured 2-4x the GEMM itself at 8 qubits.
4. **Measurement.** A gather of the needed Pauli entries (indices mapped through the final axis order)
   and a dot product with the coefficients; readout error is folded into those indices and weights
   at compile time (each non-identity factor sigma is read as ``(1 - p10 - p01) sigma + (p01 - p10) I``).

Calls that record no gradient on the CPU in float64 do not run these torch operations: the same plan
(unmerged) goes to a compiled Numba kernel (:mod:`qgnas.quantum.ptm_kernel`, sparse layers over
cache-sized batch chunks; 3-14x faster than this path in the benchmark, same numbers to 1e-15), and noiseless one-point calls to
the compiled state vector of :mod:`qgnas.quantum.sv_numpy`. Gradients, CUDA and float32 take the torch
path described above.

Only numpy and torch are needed to import this module (Numba is imported with the kernels).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from qgnas.quantum.noise import NoiseModel, apply_shot_noise
from qgnas.quantum.ptm_gates import (
    fixed_gate_ptm,
    gate_unitary,
    rotation_ptm_terms,
)

__all__ = ["CompiledCircuit", "PTMSimulator", "resolve_device"]

_METHODS = ("auto", "ptm", "statevector")
# Small states -- at most _ELEMENTWISE_STATE numbers per parameter set and _ELEMENTWISE_MAX in the
# batch -- take the batch-last elementwise path, larger ones the batched-GEMM path (crossover measured
# on CPU; on a GPU both paths are far from their limits at these sizes).
_ELEMENTWISE_STATE = 256
# Noiseless CPU calls of at most this many amplitudes (batch x 2^n) take the NumPy path (sv_numpy):
# there the per-call kernel launches, not the arithmetic, are the cost.
_NUMPY_MAX = 1 << 12
_ELEMENTWISE_MAX = 1 << 13
# Layers that merge several segments: up to this many extra 16x16 products in all are done one by
# one (no copies), more as padded log-depth trees over all chains at once.
_SEQUENTIAL_CHAIN_PRODUCTS = 12
# The compiled kernel (ptm_kernel) beats the torch path at every batch up to 6 qubits; from 7 on, a
# small batch's state no longer fits a cache and the torch path's GEMMs win (measured at 8 qubits:
# kernel 0.86x of torch at B = 1 and 8, 1.3x at B = 64).
_KERNEL_MAX_QUBITS_ANY_BATCH = 6
_KERNEL_MIN_BATCH_WIDE = 32
# A layer whose pair already sits on two adjacent middle axes is applied in place when at least this
# many numbers per parameter set follow the pair (smaller GEMMs lose to one axis move plus a GEMM).
_MIDDLE_MIN_INNER = 256
_PAULI_INDEX = {"I": 0, "X": 1, "Y": 2, "Z": 3}


# ============================================================================ devices


def resolve_device(device: str | torch.device) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a torch.device), checked against what this machine has."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; allowed: 'cpu', 'cuda', 'cuda:N'") from None
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} is not available here (no CUDA device); allowed: 'cpu'")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise ValueError(f"device {str(device)!r} does not exist; allowed: cpu, cuda:0..cuda:{count - 1}")
        return dev
    raise ValueError(f"device type {dev.type!r} is not supported; allowed: 'cpu', 'cuda', 'cuda:N'")


# ============================================================================ compile-time plan (numpy)


@dataclass
class _Term:
    """One factor of a one-qubit run: ``C0 + cos(f theta_k) C1 + sin(f theta_k) C2`` (k = -1: fixed)."""

    param: int
    mats: np.ndarray  # (3, d, d)


@dataclass
class _Segment:
    """``gate (A (x) B)``: the runs pending on the layer's qubits, then a monomial (or dense) gate."""

    pre: list[list[_Term]]
    gate: np.ndarray  # (d^k, d^k)


@dataclass
class _Layer:
    """One pass over the state: ``post (x) post  @  segment_m ... segment_1`` on one or two qubits."""

    qubits: tuple[int, ...]  # the first is the more significant local index
    segments: list[_Segment]
    post: list[list[_Term]]

    def swapped(self, d: int) -> _Layer:
        """The same operation with the two qubits' roles exchanged."""
        segs = [_Segment(sg.pre[::-1], _swap_local(sg.gate, d)) for sg in self.segments]
        return _Layer(self.qubits[::-1], segs, self.post[::-1])


class _Rep:
    """What differs between the PTM and the state-vector representation."""

    def __init__(self, kind: str, noise: NoiseModel | None) -> None:
        self.kind = kind
        self.noise = noise
        self.d = 4 if kind == "ptm" else 2
        self.angle_factor = 1.0 if kind == "ptm" else 0.5
        self.np_dtype = np.float64 if kind == "ptm" else np.complex128

    def _channels(self, gate: Any) -> list[Any]:
        return [] if self.noise is None else self.noise.channels_after(gate)

    def one_qubit(self, gate: Any) -> list[_Term]:
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
        return [_Term(param, mats.astype(self.np_dtype).reshape(3, d, d))]

    def two_qubit(self, gate: Any) -> tuple[np.ndarray, list[list[_Term]]]:
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
                    g = _swap_local(ch.ptm(), 4) @ g
            else:
                pos = gate.qubits.index(ch.qubits[0])
                local[pos] = ch.ptm() @ local[pos]
        runs = [[] if np.allclose(m, np.eye(4)) else [_Term(-1, np.stack([m, 0 * m, 0 * m]))] for m in local]
        return g, runs


def _swap_local(m: np.ndarray, d: int) -> np.ndarray:
    """Exchange the two qubits of a (d^2 x d^2) local matrix."""
    return m.reshape(d, d, d, d).transpose(1, 0, 3, 2).reshape(d * d, d * d)


def _monomial(m: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(perm, scale)`` with ``m[i, perm[i]] = scale[i]`` the only non-zero of row i, or None."""
    perm = np.argmax(np.abs(m), axis=1)
    scale = m[np.arange(len(m)), perm]
    rebuilt = np.zeros_like(m)
    rebuilt[np.arange(len(m)), perm] = scale
    if not np.allclose(rebuilt, m, atol=1e-14, rtol=0):
        return None
    return perm, scale


@dataclass
class _IndexedGate:
    name: str
    qubits: tuple[int, ...]
    param_index: int

    @property
    def is_parametric(self) -> bool:
        return self.param_index >= 0


def _schedule(circuit: Any, rep: _Rep, merge: bool) -> tuple[list[_Layer], int]:
    """Fuse the circuit into layers (see the module docstring); returns layers and the local size k.

    With ``merge``, a two-qubit gate whose two qubits were last touched by the same layer (same pair,
    nothing in between on those wires) is appended to that layer as a new segment instead of opening
    a pass; that pays only when a pass over the state costs more than a 16x16 matrix product.
    """
    n = circuit.n_qubits
    d = rep.d
    pending: list[list[_Term]] = [[] for _ in range(n)]
    last: list[_Layer | None] = [None] * n
    layers: list[_Layer] = []
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
                g = _swap_local(g, d)
            layer.segments.append(_Segment([pending[q] for q in layer.qubits], g))
        else:
            layer = _Layer((a, b), [_Segment([pending[a], pending[b]], g)], [[], []])
            layers.append(layer)
        pending[a], pending[b] = local
        last[a] = last[b] = layer
    loose = []
    for q in range(n):
        if not pending[q]:
            continue
        if last[q] is not None:
            layer = last[q]
            layer.post[layer.qubits.index(q)] = pending[q]
        else:
            loose.append(q)
    # qubits never touched by a two-qubit gate: pair them up into layers of their own (they commute
    # with everything else, so they go first, where the state is still a product state)
    extra: list[_Layer] = []
    if n == 1:
        if loose:
            extra.append(_Layer((0,), [_Segment([pending[0]], np.eye(d, dtype=rep.np_dtype))], [[]]))
        return extra, 1
    while loose:
        a = loose.pop(0)
        if loose:
            b = loose.pop(0)
            runs = [pending[a], pending[b]]
        else:  # odd one out: pair it with any other qubit, which gets an identity run
            b = 1 if a == 0 else 0
            runs = [pending[a], []]
        extra.append(_Layer((a, b), [_Segment(runs, np.eye(d * d, dtype=rep.np_dtype))], [[], []]))
    return extra + layers, 2


def _pauli_strings_expanded(
    paulis: Sequence[str], readout: tuple[np.ndarray, np.ndarray] | None
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Expand each Pauli term through readout error into weighted strings.

    Returns ``(unique_strings, entry_term, entry_string, entry_weight)``: the measured expectation of
    term j is ``sum_e weight_e <unique_strings[string_e]>`` over entries e with ``term_e == j``.
    Without readout every term maps to itself with weight 1.
    """
    unique: dict[str, int] = {}
    e_term, e_str, e_w = [], [], []
    for j, s in enumerate(paulis):
        options: list[list[tuple[str, float]]] = []
        for q, ch in enumerate(s):
            if ch == "I" or readout is None:
                options.append([(ch, 1.0)])
            else:
                a, b = readout[0][q], readout[1][q]
                opts = [(ch, float(a))]
                if b != 0.0:
                    opts.append(("I", float(b)))
                options.append(opts)
        combos: list[tuple[str, float]] = [("", 1.0)]
        for opts in options:
            combos = [(pre + ch, w * wc) for pre, w in combos for ch, wc in opts]
        for string, w in combos:
            if w == 0.0:
                continue
            idx = unique.setdefault(string, len(unique))
            e_term.append(j)
            e_str.append(idx)
            e_w.append(w)
    return list(unique), np.array(e_term, dtype=np.int64), np.array(e_str, dtype=np.int64), np.array(e_w)


# ============================================================================ compiled circuit (torch)


class CompiledCircuit:
    """A circuit, a Hamiltonian and a noise model turned into index plans and constant tensors.

    Call it with parameters ``[B, n_params]`` (or ``[n_params]``) to get exact energies ``[B]`` (or a
    scalar); :meth:`pauli_expectations` gives the measured term expectations for shot sampling.
    Build it with :meth:`PTMSimulator.compile`.
    """

    def __init__(
        self,
        circuit: Any,
        hamiltonian: Any,
        noise: NoiseModel | None,
        method: str,
        device: torch.device,
        dtype: torch.dtype,
        kernel: bool = True,
    ) -> None:
        if hamiltonian.n_qubits != circuit.n_qubits:
            raise ValueError(
                f"the Hamiltonian acts on {hamiltonian.n_qubits} qubits but the circuit has {circuit.n_qubits}"
            )
        self.n_qubits = n = circuit.n_qubits
        self.n_params = circuit.n_params
        self.n_gates = circuit.n_gates
        self.method = method
        self.device = device
        self.dtype = dtype
        self.noise = noise
        self.paulis = list(hamiltonian.paulis)
        self.n_terms = len(self.paulis)
        # One-point-at-a-time callers (COBYLA) on a few noiseless qubits: NumPy is ~4x cheaper per call
        # than launching this path's kernels (see sv_numpy). Used only when no gradient is recorded.
        self._numpy_energy = None
        if method == "statevector" and noise is None and device.type == "cpu" and dtype == torch.float64:
            from .sv_numpy import MAX_QUBITS, NumpyStatevectorEnergy

            if n <= MAX_QUBITS:
                self._numpy_energy = NumpyStatevectorEnergy(circuit, hamiltonian)
        rep = _Rep("ptm" if method == "ptm" else "sv", noise)
        self._rep = rep
        d = rep.d
        sdtype = (
            dtype if method == "ptm" else (torch.complex64 if dtype == torch.float32 else torch.complex128)
        )
        self._sdtype = sdtype

        layers, k = _schedule(circuit, rep, merge=d ** max(n - 2, 0) >= 64)
        self.n_layers = len(layers)
        self._k = k
        D = d**k
        tk = {"device": device, "dtype": sdtype}

        # ---------------------------------------------------------------- axis-order plan
        # order[i] = qubit on axis i of the state tensor. A layer needs its two qubits as the first two
        # axes ("front") or the last two ("end"): a batched GEMM reads either without a copy (the end
        # case as a transposed operand) and writes its result with the pair in front (writing it at
        # the end would make the GEMM's output skinny, which measured 2-3x slower). Axes are moved
        # only when neither holds, to whichever target copies faster (copies whose innermost
        # contiguous block is tiny are several times slower than a plain copy). A pair already on
        # two adjacent axes in the middle is applied where it is when at least _MIDDLE_MIN_INNER
        # numbers follow it (one GEMM per leading index: no copy, and the order is unchanged). The
        # layer is stored with the qubit on the first of its two axes as its first qubit.
        order = list(range(n))
        self._steps: list[_Step] = []
        oriented: list[_Layer] = []
        for layer in layers:
            if k == 1:
                self._steps.append(_Step(None, True))
                oriented.append(layer)
                continue
            pair = set(layer.qubits)
            perm = None
            pos = min(order.index(q) for q in pair)
            if (
                0 < pos < n - 2
                and set(order[pos : pos + 2]) == pair
                and d ** (n - pos - 2) >= _MIDDLE_MIN_INNER
            ):
                # adjacent axes in the middle, with long enough rows after them: the GEMM runs on
                # (B * d^pos) blocks in place, cheaper than moving the axes (measured at 8 qubits)
                first = order[pos : pos + 2]
                if list(layer.qubits) != first:
                    layer = layer.swapped(d)
                self._steps.append(_Step(None, True, d**pos))
                oriented.append(layer)
                continue
            if set(order[:2]) == pair:
                in_front = True
            elif set(order[-2:]) == pair:
                in_front = False
            else:
                target, in_front = _cheapest_target(order, pair, d)
                perm = _axis_permutation(order, target, d)
                order = target
            first = order[:2] if in_front else order[-2:]
            if list(layer.qubits) != first:
                layer = layer.swapped(d)
            order = first + [q for q in order if q not in pair]
            self._steps.append(_Step(perm, in_front))
            oriented.append(layer)
        self.final_order = order

        # ---------------------------------------------------------------- runs, grouped by length
        raw_runs: list[list[_Term]] = []

        def run_id(terms: list[_Term]) -> int:
            if not terms:
                return -1
            raw_runs.append(terms)
            return len(raw_runs) - 1

        segments: list[_Segment] = []
        seg_pre: list[list[int]] = []
        chains: list[list[int]] = []
        post_raw: list[list[int]] = []
        for layer in oriented:
            chain = []
            for sg in layer.segments:
                seg_pre.append([run_id(r) for r in sg.pre])
                segments.append(sg)
                chain.append(len(segments) - 1)
            chains.append(chain)
            post_raw.append([run_id(r) for r in layer.post])

        # Runs are padded with identity factors to a power-of-two length and grouped by that length,
        # so long runs do not make every run pay for their tree depth; when padding everything to the
        # longest run wastes little, one group (fewer kernels) is used instead. The identity (run 0)
        # is an empty run, i.e. all padding.
        def slots_of(length: int) -> int:
            return 1 if length <= 1 else 1 << (length - 1).bit_length()

        all_runs = [[], *raw_runs]
        lengths = [len(r) for r in all_runs]
        longest = slots_of(max(lengths))
        grouped = sum(slots_of(ln) for ln in lengths)
        if len(all_runs) * longest <= 2 * grouped + 16:
            groups = [list(range(len(all_runs)))]
        else:
            classes = sorted({slots_of(ln) for ln in lengths})
            groups = [[i for i, ln in enumerate(lengths) if slots_of(ln) == c] for c in classes]
        final_id: dict[int, int] = {}
        self._run_groups: list[tuple[int, int, torch.Tensor, torch.Tensor, torch.Tensor]] = []
        pidx_all: list[np.ndarray] = []
        for members in groups:
            slots = max(slots_of(lengths[i]) for i in members)
            mats = np.zeros((len(members), slots, 3, d, d), dtype=rep.np_dtype)
            mats[:, :, 0] = np.eye(d)
            pidx = np.zeros((len(members), slots), dtype=np.int64)  # fixed slots: C1 = C2 = 0
            for r, i in enumerate(members):
                final_id[i - 1] = len(final_id)  # raw run i-1 (-1 is the identity)
                for t, term in enumerate(all_runs[i]):
                    mats[r, t] = term.mats
                    if term.param >= 0:
                        pidx[r, t] = term.param
            shape = (len(members), slots, d, d, 1)
            self._run_groups.append(
                (
                    len(members),
                    slots,
                    torch.tensor(mats[:, :, 0].reshape(shape), **tk),
                    torch.tensor(mats[:, :, 1].reshape(shape), **tk),
                    torch.tensor(mats[:, :, 2].reshape(shape), **tk),
                )
            )
            pidx_all.append(pidx.reshape(-1))
        assert final_id[-1] == 0, "the identity run must come first"
        self.n_runs = len(all_runs)
        self.run_slots = longest
        self._pidx = torch.tensor(np.concatenate(pidx_all), device=device)
        self._has_params = self.n_params > 0
        self._angle_factor = rep.angle_factor
        self._state_size = d**n

        # ---------------------------------------------------------------- segments
        n_seg = len(segments)
        self.n_segments = n_seg
        pre = np.array([[final_id[i] for i in row] for row in seg_pre], dtype=np.int64).reshape(n_seg, k)
        monos = [_monomial(sg.gate) for sg in segments]
        self._all_monomial = all(m is not None for m in monos)
        if k == 2 and self._all_monomial:
            perm = np.stack([m[0] for m in monos]) if n_seg else np.zeros((0, D), np.int64)
            scale = np.stack([m[1] for m in monos]) if n_seg else np.zeros((0, D), rep.np_dtype)
            # row (seg, r) of the gathered run matrices: run pre[seg] row perm[seg, r] // d (resp. % d)
            self._seg_rows_a = torch.tensor((pre[:, :1] * d + perm // d).reshape(-1), device=device)
            self._seg_rows_b = torch.tensor((pre[:, 1:2] * d + perm % d).reshape(-1), device=device)
            self._seg_scale = torch.tensor(scale.reshape(n_seg, D, 1, 1, 1), **tk)  # batch-last
        else:
            self._seg_pre = torch.tensor(pre, device=device)
            if n_seg:
                self._seg_gate = torch.tensor(np.stack([sg.gate for sg in segments]), **tk).unsqueeze(-1)

        # ---------------------------------------------------------------- chains of segments
        self._eye_D = torch.eye(D, **tk)
        self._simple_chains = all(len(c) == 1 for c in chains)
        self._chains = chains
        self._short_chains = sum(len(c) - 1 for c in chains) <= _SEQUENTIAL_CHAIN_PRODUCTS
        self._chain_groups: list[tuple[int, int, torch.Tensor]] = []
        if not self._simple_chains:
            chain_classes = sorted({1 << (len(c) - 1).bit_length() for c in chains})
            layer_pos = []
            for slots in chain_classes:
                members = [i for i, c in enumerate(chains) if 1 << (len(c) - 1).bit_length() == slots]
                idx = np.full((len(members), slots), n_seg, dtype=np.int64)  # n_seg -> identity
                for r, i in enumerate(members):
                    idx[r, : len(chains[i])] = chains[i]
                    layer_pos.append(i)
                self._chain_groups.append((len(members), slots, torch.tensor(idx.reshape(-1), device=device)))
            self._chain_order = torch.tensor(np.argsort(np.array(layer_pos)), device=device)

        # ---------------------------------------------------------------- post-runs
        post = np.array([[final_id[i] for i in row] for row in post_raw], dtype=np.int64).reshape(-1, k)
        post_layers = np.flatnonzero(post.any(axis=1)) if len(post) else np.zeros(0, np.int64)
        self._n_post = len(post_layers)
        self._post_layers = torch.tensor(post_layers, device=device)
        self._post_layer_list = [int(i) for i in post_layers]
        self._post_a = torch.tensor(post[post_layers, 0], device=device)
        self._post_b = torch.tensor(post[post_layers, k - 1], device=device)

        # ---------------------------------------------------------------- initial state and measurement
        readout = noise.readout_factors(n) if noise is not None and noise.has_readout_error else None
        strings, e_term, e_str, e_w = _pauli_strings_expanded(self.paulis, readout)
        coeffs = np.asarray(hamiltonian.coeffs, dtype=np.float64)
        # energy weights per unique measured string
        w_unique = np.zeros(len(strings))
        np.add.at(w_unique, e_str, e_w * coeffs[e_term])
        self._identity_terms = np.array([set(s) <= {"I"} for s in self.paulis], dtype=bool)
        self._coeffs = torch.tensor(coeffs, device=device, dtype=dtype)
        pos = [order.index(q) for q in range(n)]  # axis of each qubit at the end
        if method == "ptm":
            init = np.zeros(4**n)
            zi = np.array([0, 3])
            idx0 = np.zeros(1, dtype=np.int64)
            for _ in range(n):
                idx0 = (idx0[:, None] * 4 + zi[None, :]).reshape(-1)
            init[idx0] = 1.0  # |0><0| has <P> = 1 for every P in {I, Z}^n
            self._init = torch.tensor(init.reshape(1, 4**n), device=device, dtype=dtype)
            sidx = np.array(
                [sum(_PAULI_INDEX[c] * 4 ** (n - 1 - pos[q]) for q, c in enumerate(s)) for s in strings],
                dtype=np.int64,
            )
            self._meas_idx = torch.tensor(sidx, device=device)
            self._meas_w = torch.tensor(w_unique, device=device, dtype=dtype)
        else:
            init = np.zeros(2**n, dtype=np.complex128)
            init[0] = 1.0
            self._init = torch.tensor(init.reshape(1, 2**n), **tk)
            self._sv_setup(strings, w_unique, pos)
        # Noisy CPU float64 calls that record no gradient take the compiled kernel (ptm_kernel), built
        # on the first such call; it needs the measured strings in natural qubit order.
        self._kernel_wanted = kernel and method == "ptm" and device.type == "cpu" and dtype == torch.float64
        self._kernel_args = (circuit, noise, strings)
        self._kernel_plan: Any = None
        self._kernel_w = w_unique
        self._e_term = torch.tensor(e_term, device=device)
        self._e_str = torch.tensor(e_str, device=device)
        self._e_w = torch.tensor(e_w, device=device, dtype=dtype)
        self.n_measured_strings = len(strings)

    # ------------------------------------------------------------------ state-vector measurement set-up

    def _sv_setup(self, strings: list[str], weights: np.ndarray, pos: list[int]) -> None:
        """Group strings by X-mask: ``<psi|P|psi> = sum_b conj(psi[b ^ x]) psi[b] i^ny (-1)^{b.z}``."""
        n = self.n_qubits
        N = 2**n
        basis = np.arange(N, dtype=np.int64)
        # natural index b (qubit 0 most significant) -> position in the final-order state
        nat_bits = (basis[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1  # (N, n) bit of qubit q
        to_final = (nat_bits << (n - 1 - np.array(pos))[None, :]).sum(axis=1)
        xmasks, zmasks, phases = [], [], []
        for s in strings:
            x = z = 0
            ny = 0
            for q, ch in enumerate(s):
                bit = 1 << (n - 1 - q)
                if ch in "XY":
                    x |= bit
                if ch in "YZ":
                    z |= bit
                ny += ch == "Y"
            xmasks.append(x)
            zmasks.append(z)
            phases.append(1j**ny)
        xmasks_arr = np.array(xmasks, dtype=np.int64)
        groups = sorted(set(xmasks))
        gid = {x: i for i, x in enumerate(groups)}
        signs = 1.0 - 2.0 * (_popcount(basis[None, :] & np.array(zmasks)[:, None]) & 1)  # (S, N)
        per_string = np.array(phases)[:, None] * signs  # (S, N): i^ny (-1)^{b.z}
        diag = np.zeros((len(groups), N), dtype=np.complex128)
        for si, x in enumerate(xmasks):
            diag[gid[x]] += weights[si] * per_string[si]
        # rewrite in final-order positions: entry at final index f = to_final[b]
        partner = to_final[basis[None, :] ^ np.array(groups)[:, None]]  # (G, N) final index of b ^ x
        order_b = to_final  # final index of b
        tk = {"device": self.device}
        cd = self._sdtype
        self._sv_b = torch.tensor(order_b, **tk)
        self._sv_partner = torch.tensor(partner.reshape(-1), **tk)
        self._sv_diag = torch.tensor(diag, dtype=cd, **tk)
        self._sv_groups = len(groups)
        # per string: its group and its (N,) phase*sign vector, for pauli_expectations
        self._sv_string_group = torch.tensor(np.array([gid[x] for x in xmasks_arr], dtype=np.int64), **tk)
        self._sv_string_vec = torch.tensor(per_string, dtype=cd, **tk)

    # ------------------------------------------------------------------ hot path

    def _params(self, params: Any) -> tuple[torch.Tensor, bool]:
        real = self.dtype
        if isinstance(params, torch.Tensor):
            p = params
            if p.dtype != real or p.device != self.device:
                p = p.to(device=self.device, dtype=real)
        else:
            p = torch.as_tensor(np.asarray(params, dtype=np.float64), device=self.device, dtype=real)
        single = p.dim() == 1
        if single:
            p = p.unsqueeze(0)
        if p.dim() != 2 or p.shape[1] != self.n_params:
            raise ValueError(
                f"params must have shape [B, {self.n_params}] or [{self.n_params}] (one angle per rotation gate), "
                f"got {tuple(p.shape)}"
            )
        return p, single

    # The many small matrices (runs, segments, chains) are kept batch-last, (..., d, d, B): every
    # elementwise product then runs over B contiguous numbers instead of d = 4, which is what makes
    # torch's CPU kernels fast; only the finished layer matrices are turned batch-first for bmm.

    @staticmethod
    def _bl_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Batch-last matrix product: ``(..., i, j, B) x (..., j, k, B) -> (..., i, k, B)``."""
        return (a.unsqueeze(-2) * b.unsqueeze(-4)).sum(-3)

    def _runs(self, p: torch.Tensor) -> torch.Tensor:
        """Products of all one-qubit runs, (R, d, d, B) batch-last; run 0 is the identity."""
        B = p.shape[0]
        d = self._rep.d
        if self._has_params:
            ang = p.t()
            if self._angle_factor != 1.0:
                ang = ang * self._angle_factor
            cos_p, sin_p = torch.cos(ang), torch.sin(ang)  # (P, B)
            if self._sdtype.is_complex:
                cos_p, sin_p = cos_p.to(self._sdtype), sin_p.to(self._sdtype)
            cos_all = cos_p.index_select(0, self._pidx)  # (slots, B)
            sin_all = sin_p.index_select(0, self._pidx)
        parts = []
        start = 0
        for count, slots, c0, c1, c2 in self._run_groups:
            size = count * slots
            if self._has_params:
                cos = cos_all[start : start + size].view(count, slots, 1, 1, B)
                sin = sin_all[start : start + size].view(count, slots, 1, 1, B)
                m = torch.addcmul(torch.addcmul(c0, cos, c1), sin, c2)  # (count, slots, d, d, B)
            else:
                m = c0.expand(count, slots, d, d, B)
            start += size
            while m.shape[1] > 1:
                m = self._bl_matmul(m[:, 1::2], m[:, 0::2])  # later slot @ earlier slot
            parts.append(m[:, 0])
        return torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]

    def _segments(self, runs: torch.Tensor, batch_first: bool = False) -> torch.Tensor:
        """All segment matrices, batch-last (S, D, D, B) or batch-first (S, B, D, D)."""
        d = self._rep.d
        R, B = runs.shape[0], runs.shape[-1]
        S = self.n_segments
        if self._k == 1:
            # n = 1: the only segment is a run on its own (gate = identity)
            m = runs.index_select(0, self._seg_pre[:, 0])
            return m.permute(0, 3, 1, 2).contiguous() if batch_first else m
        D = d * d
        if self._all_monomial:
            # rows of A (x) B picked by the monomial gate: M[(i,j),(k,l)] = s_ij A[pa_ij,k] B[pb_ij,l]
            if batch_first:
                # gather rows as (B, d) blocks, multiply in (S, D, B, d, d) and transpose with the
                # 16 numbers of each (k, l) block contiguous -- much cheaper than transposing a
                # batch-last (S, D, D, B) result whose innermost axis is B
                rows = runs.permute(0, 1, 3, 2).reshape(R * d, B, d)
                ag = rows.index_select(0, self._seg_rows_a).view(S, D, B, d, 1)
                bg = rows.index_select(0, self._seg_rows_b).view(S, D, B, 1, d)
                m = ag * self._seg_scale.view(S, D, 1, 1, 1) * bg
                return m.transpose(1, 2).reshape(S, B, D, D)
            rows = runs.reshape(R * d, d, B)
            ag = rows.index_select(0, self._seg_rows_a).view(S, D, d, 1, B)
            bg = rows.index_select(0, self._seg_rows_b).view(S, D, 1, d, B)
            return (ag * self._seg_scale * bg).view(S, D, D, B)
        a = runs.index_select(0, self._seg_pre[:, 0])
        b = runs.index_select(0, self._seg_pre[:, 1])
        kron = (a[:, :, None, :, None, :] * b[:, None, :, None, :, :]).reshape(S, D, D, B)
        m = self._bl_matmul(self._seg_gate, kron)
        return m.permute(0, 3, 1, 2).contiguous() if batch_first else m

    def _layers(self, runs: torch.Tensor, batch_first: bool) -> list[torch.Tensor]:
        """All layer matrices: chained segments, then the post-runs.

        Returned as a list of batch-last ``(D, D, B)`` matrices for the elementwise path, or of
        batch-first ``(B, D, D)`` ones for the GEMM path; in the latter the 16x16 products are done by
        batched GEMMs too.
        """
        d = self._rep.d
        segs = self._segments(runs, batch_first)  # (S, B, D, D) or (S, D, D, B)
        B, D = runs.shape[-1], d**self._k
        if batch_first:
            eye = self._eye_D.expand(1, B, D, D)
            matmul = torch.matmul
            shape = (B, D, D)
        else:
            eye = self._eye_D.view(1, D, D, 1).expand(1, D, D, B)
            matmul = self._bl_matmul
            shape = (D, D, B)
        if self._simple_chains:
            mats: torch.Tensor | list[torch.Tensor] = segs
        elif self._short_chains:
            # few merged segments: a handful of products on views beats gathering every segment
            # matrix into padded groups (cat + index_select copy all of them)
            seg_list = segs.unbind(0)
            mats = []
            for chain in self._chains:
                m = seg_list[chain[0]]
                for j in chain[1:]:
                    m = matmul(seg_list[j], m)
                mats.append(m)
        else:
            ext = torch.cat([segs, eye], dim=0)
            parts = []
            for count, slots, idx in self._chain_groups:
                m = ext.index_select(0, idx).view(count, slots, *shape)
                while m.shape[1] > 1:
                    m = matmul(m[:, 1::2], m[:, 0::2])
                parts.append(m[:, 0])
            mats = torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]
            mats = mats.index_select(0, self._chain_order)
        if self._n_post:
            if isinstance(mats, list):
                sub = torch.stack([mats[i] for i in self._post_layer_list])
            else:
                sub = mats.index_select(0, self._post_layers)
            pa = runs.index_select(0, self._post_a)  # (P, d, d, B)
            pb = runs.index_select(0, self._post_b)
            P = sub.shape[0]
            if self._k == 1:
                sub = matmul(pa.permute(0, 3, 1, 2).contiguous(), sub) if batch_first else matmul(pa, sub)
            elif batch_first:
                # (A2 (x) B2) built batch-last (cheap elementwise), then one batched 16x16 GEMM
                kron = (pa[:, :, None, :, None, :] * pb[:, None, :, None, :, :]).reshape(P, D, D, B)
                sub = torch.matmul(kron.permute(0, 3, 1, 2).contiguous(), sub)
            else:
                sub = sub.view(P, d, d, D, B)
                # first qubit's post-run on row index i, then the second's on row index j
                sub = (pa.view(P, d, d, 1, 1, B) * sub.unsqueeze(1)).sum(2)
                sub = (pb.view(P, 1, d, d, 1, B) * sub.unsqueeze(2)).sum(3)
                sub = sub.reshape(P, D, D, B)
            # replace the P affected layers in the list (an index_copy would copy every layer matrix)
            mats = list(mats) if isinstance(mats, list) else list(mats.unbind(0))
            for i, m in zip(self._post_layer_list, sub.unbind(0), strict=True):
                mats[i] = m
            return mats
        return mats if isinstance(mats, list) else list(mats.unbind(0))

    def final_state(self, params: Any) -> torch.Tensor:
        """The final state ``[B, 4^n]`` (PTM) or ``[B, 2^n]`` (state vector), axes in
        :attr:`final_order` (qubit ``final_order[0]`` is the most significant digit)."""
        p, _ = self._params(params)
        return self._state(p)

    def _scratch_ok(self, p: torch.Tensor) -> bool:
        """Work buffers are used only when nothing is recorded for autograd, and on CPU."""
        return self.device.type == "cpu" and not (torch.is_grad_enabled() and p.requires_grad)

    def uses_gemm(self, batch: int) -> bool:
        """Whether a batch of this size takes the batch-first GEMM path (else the elementwise one)."""
        return self._state_size > _ELEMENTWISE_STATE or self._state_size * batch > _ELEMENTWISE_MAX

    def _state(self, p: torch.Tensor, scratch: bool = False) -> torch.Tensor:
        """Final state, batch-first ``(B, 4^n)``.

        With ``scratch`` (only when no gradient is recorded, on CPU) the GEMM path writes every
        pass into two reusable work buffers (see :func:`_work_buffers`) instead of fresh tensors: a
        state of more than ~32 MB is otherwise mmap-ed anew, and page-faulted, by every pass, which
        measured 2-4x the cost of the GEMM itself. The returned state then lives in a work buffer,
        valid until the next call on this thread.
        """
        B = p.shape[0]
        if self.n_layers == 0:
            return self._init.expand(B, -1)
        runs = self._runs(p)
        D = self._rep.d**self._k
        if not self.uses_gemm(B):
            # small state: keep it batch-last and apply each layer as one broadcast product and a
            # sum (a few vectorised kernels over B); axis moves are cheap row copies here
            mats = self._layers(runs, batch_first=False)  # L x (D, D, B)
            x = self._init.t().expand(-1, B)
            for mat, step in zip(mats, self._steps, strict=True):
                if step.lead > 1:
                    xs = x.reshape(step.lead, 1, D, -1, B)
                    x = (mat.view(1, D, D, 1, B) * xs).sum(2)  # (lead, D, S, B)
                    continue
                if step.perm is not None:
                    x = x.reshape(step.perm.shape_bl).permute(step.perm.axes_bl)
                xs = (
                    x.reshape(D, -1, B) if step.in_front else x.reshape(-1, D, B).transpose(0, 1)
                )  # (D, R, B)
                x = (mat.unsqueeze(2) * xs.unsqueeze(0)).sum(1)  # (D, R, B)
            return x.reshape(-1, B).t()
        # large state: batch-first, one batched GEMM (B, D, D) x (B, D, rest) per layer
        mats = self._layers(runs, batch_first=True)  # L x (B, D, D)
        x = self._init.expand(B, -1)
        N = B * self._state_size
        bufs = _work_buffers(N, self._sdtype, self.device) if scratch else None
        cur = 1  # which work buffer holds x (the initial state is in neither)
        for mat, step in zip(mats, self._steps, strict=True):
            if step.lead > 1:
                xs = x.reshape(B, step.lead, D, -1)
                if bufs is None:
                    x = torch.matmul(mat.unsqueeze(1), xs)  # (B, lead, D, S), same axis order
                else:
                    cur = 1 - cur
                    x = torch.matmul(mat.unsqueeze(1), xs, out=bufs[cur][:N].view(xs.shape))
                continue
            if step.perm is not None:
                x = x.reshape(step.perm.shape_bf).permute(step.perm.axes_bf)
                if bufs is not None:  # the axis move, copied into the free buffer
                    cur = 1 - cur
                    x = bufs[cur][:N].view(x.shape).copy_(x)
            xs = x.reshape(B, D, -1) if step.in_front else x.reshape(B, -1, D).transpose(1, 2)  # (B, D, R)
            if bufs is None:
                x = torch.matmul(mat, xs)  # (B, D, R); a transposed operand costs BLAS nothing
            else:
                cur = 1 - cur
                x = torch.matmul(mat, xs, out=bufs[cur][:N].view(B, D, -1))
        return x.reshape(B, -1)

    def _kernel(self, p: torch.Tensor) -> Any:
        """The compiled no-gradient kernel's plan when it serves this call, else None."""
        if not self._scratch_ok(p):
            return None
        return self._kernel_for(p.shape[0])

    def _kernel_for(self, batch: int) -> Any:
        """The kernel's plan when it serves a no-gradient batch of this size, else None."""
        if not self._kernel_wanted:
            return None
        if self.n_qubits > _KERNEL_MAX_QUBITS_ANY_BATCH and batch < _KERNEL_MIN_BATCH_WIDE:
            return None
        if self._kernel_plan is None:
            from .ptm_kernel import build

            self._kernel_plan = build(*self._kernel_args)
            if self._kernel_plan is None:  # does not apply (one qubit, non-monomial noise): never again
                self._kernel_wanted = False
        return self._kernel_plan

    def _measured_values(self, p: torch.Tensor) -> torch.Tensor:
        """Expectations of the unique measured strings, (B, S), by the kernel or the torch path."""
        plan = self._kernel(p)
        if plan is not None:
            return torch.from_numpy(plan.measured(p.detach().numpy()))
        return self._measured(self._state(p, self._scratch_ok(p)))

    def _measured(self, x: torch.Tensor) -> torch.Tensor:
        """Expectations of the unique measured strings, (B, S)."""
        if self.method == "ptm":
            return x.index_select(1, self._meas_idx)
        B = x.shape[0]
        psi_b = x.index_select(1, self._sv_b)  # psi[b] in natural order
        partner = x.index_select(1, self._sv_partner).view(B, self._sv_groups, -1)  # psi[b ^ x]
        prod = partner.conj() * psi_b.unsqueeze(1)  # (B, G, N)
        vals = torch.matmul(
            prod.index_select(1, self._sv_string_group).unsqueeze(-2),
            self._sv_string_vec.unsqueeze(-1),
        )
        return vals.reshape(B, -1).real

    def energy_from_state(self, x: torch.Tensor) -> torch.Tensor:
        if self.method == "ptm":
            return x.index_select(1, self._meas_idx) @ self._meas_w
        B = x.shape[0]
        psi_b = x.index_select(1, self._sv_b)
        partner = x.index_select(1, self._sv_partner).view(B, self._sv_groups, -1)
        return ((partner.conj() * self._sv_diag).sum(1) * psi_b).sum(-1).real

    def __call__(self, params: Any) -> torch.Tensor:
        """Exact (shot-free) energies ``[B]``, or a scalar for 1-D ``params``."""
        p, single = self._params(params)
        scratch = self._scratch_ok(p)  # no gradient recorded, on the CPU
        fast = self.energies_numpy(p.detach().numpy()) if scratch else None
        e = torch.from_numpy(fast) if fast is not None else self.energy_from_state(self._state(p, scratch))
        return e[0] if single else e

    def energies_numpy(self, X: np.ndarray) -> np.ndarray | None:
        """Exact energies ``[B]`` of float64 angles ``X [B, n_params]`` without touching torch, when a
        torch-free path serves them (the NumPy state vector or the compiled PTM kernel; the same numbers
        as :meth:`__call__`), else None. For one-point-at-a-time optimisers, whose calls are otherwise
        mostly tensor conversions."""
        B = X.shape[0]
        if X.dtype != np.float64:  # float32 simulators keep their own precision on the torch path
            return None
        if self._numpy_energy is not None and B << self.n_qubits <= _NUMPY_MAX:
            return self._numpy_energy(X)
        plan = self._kernel_for(B)
        if plan is not None:
            return plan.measured(X) @ self._kernel_w
        return None

    def pauli_expectations(self, params: Any) -> torch.Tensor:
        """Measured expectation of every Hamiltonian term (readout error included): ``[B, T]``."""
        p, single = self._params(params)
        vals = self._measured_values(p)
        contrib = vals.index_select(1, self._e_str) * self._e_w
        out = contrib.new_zeros(contrib.shape[0], self.n_terms).index_add(1, self._e_term, contrib)
        return out[0] if single else out

    def sample(self, params: Any, shots: int, mode: str = "exact", rng: Any = None) -> torch.Tensor:
        """Energies estimated from ``shots`` measurements per Pauli term (see
        :func:`qgnas.quantum.noise.apply_shot_noise`)."""
        p, single = self._params(params)
        vals = self._measured_values(p)
        contrib = vals.index_select(1, self._e_str) * self._e_w
        exp = contrib.new_zeros(contrib.shape[0], self.n_terms).index_add(1, self._e_term, contrib)
        e = apply_shot_noise(exp, self._coeffs, shots, mode, rng, identity=self._identity_terms)
        return e[0] if single else e

    def stats(self) -> dict[str, Any]:
        """Sizes of the plan (for profiling and the benchmark table)."""
        return {
            "method": self.method,
            "n_qubits": self.n_qubits,
            "n_gates": self.n_gates,
            "n_layers": self.n_layers,
            "n_segments": self.n_segments,
            "n_runs": self.n_runs,
            "run_slots": self.run_slots,
            "n_permutes": sum(st.perm is not None for st in self._steps),
            "n_in_place": sum(st.lead > 1 for st in self._steps),
            "n_measured_strings": self.n_measured_strings,
        }


@dataclass(frozen=True)
class _Permutation:
    """An axis move as a view shape plus a permute, for batch-first and batch-last states."""

    shape_bf: tuple[int, ...]
    axes_bf: tuple[int, ...]
    shape_bl: tuple[int, ...]
    axes_bl: tuple[int, ...]
    inner: int  # numbers in the innermost contiguous block the copy moves (batch-first)


@dataclass(frozen=True)
class _Step:
    perm: _Permutation | None  # axis move before the layer, if any
    in_front: bool  # the layer's qubits are then the first two axes (else the last two); the result
    # always has them first
    lead: int = 1  # > 1: the pair sits on two adjacent middle axes after this many leading entries,
    # and the layer is applied there (result in the same order)


def _segments(src: list[int], dst: list[int]) -> list[list[int]]:
    """Maximal runs of ``src`` that appear consecutively, in the same order, in ``dst``."""
    where = {q: i for i, q in enumerate(dst)}
    runs = [[src[0]]]
    for q in src[1:]:
        if where[q] == where[runs[-1][-1]] + 1:
            runs[-1].append(q)
        else:
            runs.append([q])
    return runs


def _axis_permutation(src: list[int], dst: list[int], d: int) -> _Permutation:
    """The view shape and permute turning a state with axes ``src`` into one with axes ``dst``."""
    runs = _segments(src, dst)
    sizes = [d ** len(r) for r in runs]
    order = sorted(range(len(runs)), key=lambda i: dst.index(runs[i][0]))
    inner = sizes[order[-1]]
    return _Permutation(
        shape_bf=(-1, *sizes),
        axes_bf=(0, *(1 + i for i in order)),
        shape_bl=(*sizes, -1),
        axes_bl=(*order, len(runs)),
        inner=inner,
    )


def _copy_cost(src: list[int], dst: list[int], d: int) -> float:
    """Relative cost of the move, in plain copies: tiny innermost blocks make torch's copy slow."""
    if src == dst:
        return 0.0
    inner = _axis_permutation(src, dst, d).inner
    return 1.0 if inner >= 16 else (3.0 if inner >= 4 else 4.0)


def _targets(order: list[int], pair: set[int]) -> tuple[list[int], list[int]]:
    p = [q for q in order if q in pair]  # keep their current relative order
    rest = [q for q in order if q not in pair]
    return p + rest, rest + p


def _cheapest_target(order: list[int], pair: set[int], d: int) -> tuple[list[int], bool]:
    front, end = _targets(order, pair)
    if _copy_cost(order, front, d) <= _copy_cost(order, end, d):
        return front, True
    return end, False


def _popcount(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.int64).copy()
    count = np.zeros(a.shape, dtype=np.int64)
    while np.any(a):
        count += a & 1
        a >>= 1
    return count


_WORK = threading.local()
_WORK_CACHE_MAX = 1 << 28  # bytes: work buffers up to this size (each) are kept between calls


def _work_buffers(numel: int, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Two flat scratch tensors of at least ``numel`` elements, reused between calls on this thread.

    Kept (per thread, dtype and device) up to ``_WORK_CACHE_MAX`` bytes each, so holding them costs
    at most twice the largest state evaluated; larger ones are allocated per call (still only two per
    call instead of one per pass). On CUDA the caching allocator already reuses memory, so they are
    not kept there.
    """
    key = (dtype, str(device))
    cache = getattr(_WORK, "bufs", None)
    if cache is None:
        cache = _WORK.bufs = {}
    hit = cache.get(key)
    if hit is not None and hit[0].numel() >= numel:
        return hit
    bufs = (torch.empty(numel, dtype=dtype, device=device), torch.empty(numel, dtype=dtype, device=device))
    if device.type == "cpu" and numel * bufs[0].element_size() <= _WORK_CACHE_MAX:
        cache[key] = bufs
    return bufs


# ============================================================================ simulator


class PTMSimulator:
    """Noisy expectation values of circuits, batched over parameter sets, differentiable by autograd.

    Args:
        noise: a :class:`~qgnas.quantum.noise.NoiseModel` (or a config accepted by
            ``NoiseModel.from_config``); ``None`` for a noiseless simulation.
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        dtype: ``torch.float64`` (default) or ``torch.float32``; the state-vector path uses the
            matching complex type.
        method: ``"auto"`` (state vector when there is no gate noise, PTM otherwise), ``"ptm"`` or
            ``"statevector"`` (an error if the model has gate noise).
        cache_size: compiled circuits kept by :meth:`expectation` (least recently used dropped).
        kernel: let noisy CPU float64 evaluations that record no gradient run the compiled Numba
            kernel (:mod:`qgnas.quantum.ptm_kernel`; same numbers, several times faster on small
            batches); ``False`` keeps every call on the torch path.

    Example::

        sim = PTMSimulator(noise=NoiseModel.depolarizing(0.001, 0.005))
        E = sim.expectation(circuit, H, params)          # params [B, n_params] -> [B]
        f = sim.compile(circuit, H); E = f(params)        # compile once, evaluate many times
    """

    name = "ptm"

    def __init__(
        self,
        noise: NoiseModel | dict[str, Any] | str | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float64,
        method: str = "auto",
        cache_size: int = 256,
        kernel: bool = True,
    ) -> None:
        self.kernel = bool(kernel)
        self.noise = None if noise is None else NoiseModel.from_config(noise)
        self.device = resolve_device(device)
        if dtype not in (torch.float64, torch.float32):
            raise ValueError(f"dtype {dtype} is not supported; allowed: torch.float64, torch.float32")
        self.dtype = dtype
        if method not in _METHODS:
            raise ValueError(f"method {method!r} is not allowed; choose one of {', '.join(_METHODS)}")
        gate_noise = self.noise is not None and self.noise.has_gate_noise
        if method == "statevector" and gate_noise:
            raise ValueError("method='statevector' cannot simulate gate noise; use 'ptm' or 'auto'")
        self.method = method if method != "auto" else ("ptm" if gate_noise else "statevector")
        self._cache: OrderedDict[Any, CompiledCircuit] = OrderedDict()
        self._cache_size = int(cache_size)

    def __repr__(self) -> str:
        noise = "None" if self.noise is None else self.noise.name
        return f"PTMSimulator(noise={noise}, device={self.device}, dtype={self.dtype}, method={self.method})"

    def compile(self, circuit: Any, hamiltonian: Any) -> CompiledCircuit:
        """Plan ``circuit`` measured on ``hamiltonian`` once; the result is called with parameters."""
        return CompiledCircuit(
            circuit, hamiltonian, self.noise, self.method, self.device, self.dtype, kernel=self.kernel
        )

    def _compiled(self, circuit: Any, hamiltonian: Any) -> CompiledCircuit:
        key = (circuit.key(), tuple(hamiltonian.paulis), np.asarray(hamiltonian.coeffs).tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        compiled = self.compile(circuit, hamiltonian)
        self._cache[key] = compiled
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return compiled

    def expectation(
        self,
        circuit: Any,
        hamiltonian: Any,
        params: Any,
        *,
        shots: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> torch.Tensor:
        """Energies ``[B]`` for parameters ``[B, n_params]`` (a scalar tensor for ``[n_params]``).

        Shot noise is added when ``shots`` is given or the noise model sets ``shots`` (mode from the
        model, default exact binomial sampling), drawn from ``rng``. Compiled circuits are cached.
        """
        compiled = self._compiled(circuit, hamiltonian)
        n_shots = shots if shots is not None else (self.noise.shots if self.noise is not None else None)
        if n_shots is None:
            return compiled(params)
        mode = self.noise.shot_noise if self.noise is not None else "exact"
        return compiled.sample(params, n_shots, mode, rng)

    def pauli_expectations(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        """Measured expectation of each Hamiltonian term ``[B, T]`` (readout error included)."""
        return self._compiled(circuit, hamiltonian).pauli_expectations(params)
