"""Noisy energies without gradients: the circuit plan run by one compiled (Numba) kernel per batch.

Why a hand-written kernel: an optimiser that needs no gradient (COBYLA, SPSA, Adam-SPSA, every
architecture-search evaluation) calls the simulator with a few or a few dozen parameter sets on a few
qubits. There the torch path of :class:`~qgnas.quantum.ptm.CompiledCircuit` is bound by kernel launches
(35 kernels and 50 views per call at 2 qubits, ~1.6 us each here), and at 6 qubits by the dense 16x16
products of its fused layers. No library offers a noisy PTM simulator with this structure, so the plan
is compiled with Numba (a well-kept JIT for exactly this kind of loop) into one call that:

* processes the batch in chunks (at most 64 parameter sets and 4 MiB of state, ``4^n x chunk``
  float64 with the batch index innermost) that stay in cache while every layer passes over them, in
  tiles of 64 contiguous numbers;
* builds each one-qubit *run* (the gates between two-qubit gates on a wire, each fused with its noise)
  per parameter set from the closed form ``C0 + cos(theta) C1 + sin(theta) C2``, touching only the
  non-zeros of ``C0, C1, C2``;
* applies each layer ``G (A (x) B)`` (G monomial: a Clifford permuting Pauli strings up to sign, times
  its Pauli-diagonal two-qubit channel) as a *sparse* 16x16 matrix whose pattern is fixed when the plan
  is built; a depolarized rotation is 6 of 16 entries, a CNOT with depolarizing noise 16 of 256, so a
  pass costs a few multiply-adds per number instead of 16;
* reads the measured Pauli strings (readout error already folded into their weights) at the end.

The layers are a :class:`~qgnas.quantum.ptm.plan.CircuitPlan` without merged segments. Noise whose
two-qubit part is not monomial falls back to the torch path (:func:`build_kernel_plan` returns None).
The simulator imports this module (and Numba) only when a kernel plan is first built; the compiled code
is cached on disk after the first call.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from .measure import pauli_string_indices, zero_state_indices
from .plan import CircuitPlan, Layer, Representation, Term, monomial

__all__ = ["PTMKernelPlan", "build_kernel_plan"]

#: numbers of one chunk's state at most (float64: 4 MiB; measured best at 6 and 8 qubits here)
_CHUNK_NUMBERS = 1 << 19
#: widest batch chunk, and the tile of the innermost loop (numbers; 64 measured faster than 128 or
#: 256 at 4 and 6 qubits: two tiles of 16 rows then stay in the L1 cache)
_MAX_CHUNK = 64
_TILE = 64


def _support(m: np.ndarray) -> np.ndarray:
    return np.abs(m) > 0.0


class _RunTable:
    """The runs' factors as sparse rows ``(i, l, C0[i,l], C1[i,l], C2[i,l])``, with their patterns."""

    def __init__(self) -> None:
        self.term_param: list[int] = []
        self.term_rows: list[tuple[int, int, float, float, float]] = []
        self.term_ptr = [0]  # entries of term t: term_rows[term_ptr[t]:term_ptr[t + 1]]
        self.run_ptr = [0]  # terms of run r: term_ptr indices run_ptr[r]..run_ptr[r + 1]
        self.support: list[np.ndarray] = []
        self.fixed_rows: list[np.ndarray] = []  # row i of the run is exactly e_i whatever the angles
        self.identity = self.add([])

    def add(self, terms: list[Term]) -> int:
        """Append a run; returns its index."""
        sup = np.eye(4, dtype=bool)
        fixed = np.ones(4, dtype=bool)
        for term in terms:
            mats = np.asarray(term.mats, dtype=np.float64)  # (3, 4, 4)
            fixed &= np.all(mats[0] == np.eye(4), axis=1) & ~mats[1].any(axis=1) & ~mats[2].any(axis=1)
            nz = _support(mats[0]) | _support(mats[1]) | _support(mats[2])
            for i, l in zip(*np.nonzero(nz), strict=True):
                self.term_rows.append((i, l, mats[0, i, l], mats[1, i, l], mats[2, i, l]))
            self.term_ptr.append(len(self.term_rows))
            self.term_param.append(int(term.param))
            sup = (nz.astype(np.int64) @ sup.astype(np.int64)) > 0  # later term @ earlier product
        self.run_ptr.append(len(self.term_param))
        self.support.append(sup)
        self.fixed_rows.append(fixed)
        return len(self.support) - 1

    def add_or_identity(self, terms: list[Term]) -> int:
        return self.add(terms) if terms else self.identity


class _OpTable:
    """The kernel's operations: one per two-qubit layer and one per post-run, with sparse patterns."""

    def __init__(self, runs: _RunTable) -> None:
        self.runs = runs
        self.ops: list[tuple[int, int, int, int, int, int]] = []  # kind, q0, q1, run0, run1, gate
        self.pats: list[list[tuple[int, int]]] = []
        self.skips: list[np.ndarray] = []  # rows that are e_i (output = input): neither computed nor written
        self.perms: list[np.ndarray] = []
        self.scales: list[np.ndarray] = []

    def add_layer(self, layer: Layer) -> None:
        if len(layer.segments) != 1 or len(layer.qubits) != 2:
            raise ValueError("the kernel takes unmerged two-qubit layers")
        seg = layer.segments[0]
        mono = monomial(np.asarray(seg.gate, dtype=np.float64))
        if mono is None:
            raise ValueError("the kernel needs monomial two-qubit gates")
        perm, scale = mono
        runs = self.runs
        ra, rb = runs.add_or_identity(seg.pre[0]), runs.add_or_identity(seg.pre[1])
        sa, sb = runs.support[ra], runs.support[rb]
        pat = []
        for i in range(16):
            if scale[i] == 0.0:
                continue
            for k in range(4):
                if not sa[perm[i] // 4, k]:
                    continue
                for l in range(4):
                    if sb[perm[i] % 4, l]:
                        pat.append((i, 4 * k + l))
        self.ops.append((2, layer.qubits[0], layer.qubits[1], ra, rb, len(self.perms)))
        self.pats.append(pat)
        fa, fb = runs.fixed_rows[ra], runs.fixed_rows[rb]
        self.skips.append(
            np.array([perm[i] == i and scale[i] == 1.0 and fa[i // 4] and fb[i % 4] for i in range(16)])
        )
        self.perms.append(perm.astype(np.int64))
        self.scales.append(scale.astype(np.float64))
        for q, post in zip(layer.qubits, layer.post, strict=True):
            if post:
                self._add_post(q, post)

    def _add_post(self, q: int, post: list[Term]) -> None:
        r = self.runs.add(post)
        self.ops.append((1, q, -1, r, self.runs.identity, -1))
        self.pats.append([(i, k) for i in range(4) for k in range(4) if self.runs.support[r][i, k]])
        self.skips.append(np.concatenate([self.runs.fixed_rows[r], np.zeros(12, dtype=bool)]))

    def row_pointers(self) -> np.ndarray:
        """Each op's entries as CSR rows (relative to the op's first entry), patterns sorted by row.

        Every row gets at least one entry (an exact zero where the pattern is empty) so that its first
        entry can assign.
        """
        row_ptr = np.zeros((len(self.ops), 17), dtype=np.int64)
        for o, (pat, (kind, *_rest)) in enumerate(zip(self.pats, self.ops, strict=True)):
            size = 4 if kind == 1 else 16
            rows_seen = {i for i, _ in pat}
            pat.extend((i, i) for i in range(size) if i not in rows_seen)  # reads an exact zero
            pat.sort(key=lambda rc: rc[0])
            counts = np.bincount([i for i, _ in pat], minlength=size)
            row_ptr[o, 1 : size + 1] = np.cumsum(counts)
        return row_ptr


class PTMKernelPlan:
    """The arrays the kernel reads, built from a plan's layers (see :func:`build_kernel_plan`)."""

    def __init__(self, n: int, n_params: int, layers: list[Any], meas_strings: list[str]) -> None:
        self.n_qubits = n
        self.n_params = n_params
        runs = _RunTable()
        ops = _OpTable(runs)
        for layer in layers:
            ops.add_layer(layer)
        self.row_ptr = ops.row_pointers()  # also completes and sorts the patterns
        self.skip = np.array(ops.skips, dtype=np.bool_).reshape(-1, 16)
        self.n_ops = len(ops.ops)
        self.n_runs = len(runs.support)
        self.term_param = np.array(runs.term_param, dtype=np.int64)
        self.term_ptr = np.array(runs.term_ptr, dtype=np.int64)
        rows = np.array(runs.term_rows, dtype=np.float64).reshape(-1, 5)
        self.term_il = rows[:, :2].astype(np.int64).copy()
        self.term_c = rows[:, 2:].copy()
        self.run_ptr = np.array(runs.run_ptr, dtype=np.int64)
        self.ops = np.array(ops.ops, dtype=np.int64).reshape(-1, 6)
        self.pat_ptr = np.cumsum([0] + [len(p) for p in ops.pats]).astype(np.int64)
        self.pat_rc = np.array([rc for p in ops.pats for rc in p], dtype=np.int64).reshape(-1, 2)
        self.perms = np.array(ops.perms, dtype=np.int64).reshape(-1, 16)
        self.scales = np.array(ops.scales, dtype=np.float64).reshape(-1, 16)
        self.max_nnz = int(max((len(p) for p in ops.pats), default=1))
        self.meas_idx = pauli_string_indices(meas_strings, n)
        self.init_idx = zero_state_indices(n)
        chunk = max(1, min(_MAX_CHUNK, _CHUNK_NUMBERS >> (2 * n)))
        self.chunk = 1 << (chunk.bit_length() - 1)  # a power of two, so tiles divide rows evenly

    def stats(self) -> dict[str, int]:
        return {"ops": self.n_ops, "runs": self.n_runs, "nnz": int(len(self.pat_rc)), "chunk": self.chunk}

    def measured(self, params: np.ndarray) -> np.ndarray:
        """Expectations ``[B, S]`` of the measured strings for angles ``params [B, n_params]``."""
        p = np.ascontiguousarray(params, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != self.n_params:
            raise ValueError(f"params must have shape [B, {self.n_params}], got {p.shape}")
        return _measured(
            p,
            self.n_qubits,
            self.chunk,
            self.term_param,
            self.term_ptr,
            self.term_il,
            self.term_c,
            self.run_ptr,
            self.ops,
            self.pat_ptr,
            self.pat_rc,
            self.row_ptr,
            self.skip,
            self.perms,
            self.scales,
            self.max_nnz,
            self.init_idx,
            self.meas_idx,
        )


def build_kernel_plan(circuit: Any, noise: Any, meas_strings: list[str]) -> PTMKernelPlan | None:
    """The kernel plan of a circuit under ``noise``, or None where it does not apply (one qubit,
    non-monomial two-qubit noise)."""
    if circuit.n_qubits < 2:
        return None
    plan = CircuitPlan.build(circuit, Representation("ptm", noise), merge=False)
    if plan.k != 2:
        return None
    try:
        return PTMKernelPlan(circuit.n_qubits, circuit.n_params, plan.layers, meas_strings)
    except ValueError:
        return None


# ============================================================================ compiled code
# Plain loops on purpose (Numba compiles them); the innermost loops run over contiguous numbers (the
# batch, or a tile of positions x batch) so that LLVM vectorises them.

# contract: a multiply-add may become one FMA (one rounding instead of two); nothing is reordered
_JIT = {"cache": True, "nogil": True, "fastmath": {"contract"}}


@numba.njit(**_JIT)
def _rows(o, src, start, vt, cols, row_ptr, skip, D, tw):  # pragma: no cover - compiled
    """``o[i, :tw] = sum_e vt[e, :tw] * src[start[cols[e]] : ... + tw]`` over row i's entries.

    Rows flagged in ``skip`` are identity rows, left alone. Every loop body indexes 1-d views from 0,
    so Numba emits no wrap-around checks and LLVM vectorises the loops. (Measured and dropped: taking
    entries in pairs, 1.4x slower; a compile-time trip count for full tiles, no faster.)
    """
    for i in range(D):
        if skip[i]:
            continue
        oi = o[i]
        e = row_ptr[i]
        a = src[start[cols[e]] : start[cols[e]] + tw]
        va = vt[e]
        for j in range(tw):
            oi[j] = va[j] * a[j]
        for e in range(row_ptr[i] + 1, row_ptr[i + 1]):
            a = src[start[cols[e]] : start[cols[e]] + tw]
            va = vt[e]
            for j in range(tw):
                oi[j] += va[j] * a[j]


@numba.njit(**_JIT)
def _fill_runs(
    runs, tmp, cos_p, sin_p, bc, term_param, term_ptr, term_il, term_c, run_ptr
):  # pragma: no cover - compiled
    """Products of the one-qubit runs for the chunk: ``M <- T M`` for each factor
    ``T = C0 + cos C1 + sin C2``, over T's non-zeros."""
    for r in range(run_ptr.shape[0] - 1):
        for i in range(4):
            for j in range(4):
                v = 1.0 if i == j else 0.0
                for b in range(bc):
                    runs[r, i, j, b] = v
        for t in range(run_ptr[r], run_ptr[r + 1]):
            k = term_param[t]
            for i in range(4):
                for j in range(4):
                    for b in range(bc):
                        tmp[i, j, b] = 0.0
            for e in range(term_ptr[t], term_ptr[t + 1]):
                i = term_il[e, 0]
                l = term_il[e, 1]  # noqa: E741
                c0 = term_c[e, 0]
                c1 = term_c[e, 1]
                c2 = term_c[e, 2]
                for j in range(4):
                    if k >= 0:
                        for b in range(bc):
                            tmp[i, j, b] += (c0 + c1 * cos_p[k, b] + c2 * sin_p[k, b]) * runs[r, l, j, b]
                    else:
                        for b in range(bc):
                            tmp[i, j, b] += c0 * runs[r, l, j, b]
            for i in range(4):
                for j in range(4):
                    for b in range(bc):
                        runs[r, i, j, b] = tmp[i, j, b]


@numba.njit(**_JIT)
def _op_values(vals, cols, op, ops, pat_ptr, pat_rc, runs, perms, scales, bc):  # pragma: no cover - compiled
    """The op's non-zeros for each parameter set of the chunk, and their columns."""
    kind = ops[op, 0]
    ra = ops[op, 3]
    rb = ops[op, 4]
    g = ops[op, 5]
    p0 = pat_ptr[op]
    for e in range(pat_ptr[op + 1] - p0):
        i = pat_rc[p0 + e, 0]
        c = pat_rc[p0 + e, 1]
        cols[e] = c
        if kind == 1:
            for b in range(bc):
                vals[e, b] = runs[ra, i, c, b]
        else:
            s = scales[g, i]
            pa = perms[g, i] // 4
            pb = perms[g, i] % 4
            for b in range(bc):
                vals[e, b] = s * runs[ra, pa, c // 4, b] * runs[rb, pb, c % 4, b]


@numba.njit(**_JIT)
def _op_geometry(off, bases, kind, q0, q1, n, bc):  # pragma: no cover - compiled
    """View the state as ``[outer, 4, (middle, 4,) W]`` with ``W = 4^(n-1-q_last) * bc`` contiguous:
    fills each local row's offset ``off`` and each block's start ``bases``; returns ``(W, blocks, D)``."""
    if kind == 1:
        W = 4 ** (n - 1 - q0) * bc
        outer = 4**q0
        middle = 1
        W_hi = 4 * W
        D = 4
        for i in range(4):
            off[i] = i * W
    else:
        qa = min(q0, q1)
        qb = max(q0, q1)
        W = 4 ** (n - 1 - qb) * bc
        Wa = 4 ** (n - 1 - qa) * bc
        outer = 4**qa
        middle = 4 ** (qb - qa - 1)
        W_hi = 4 * Wa
        D = 16
        for i in range(16):
            s0 = i // 4  # Pauli on q0 (the more significant local digit)
            s1 = i % 4
            off[i] = s0 * (4 ** (n - 1 - q0) * bc) + s1 * (4 ** (n - 1 - q1) * bc)
    for h in range(outer):
        for m in range(middle):
            bases[h * middle + m] = h * W_hi + m * 4 * W
    return W, outer * middle, D


@numba.njit(**_JIT)
def _apply_direct(x, o, vt, cols, rp, sk, off, start, bases, nblk, W, D, tw):  # pragma: no cover - compiled
    """Long contiguous rows: tiles of ``tw`` numbers read and written in place."""
    for blk in range(nblk):
        for j0 in range(0, W, tw):
            for c in range(D):
                start[c] = bases[blk] + off[c] + j0
            _rows(o, x, start, vt, cols, rp, sk, D, tw)
            for i in range(D):
                if sk[i]:
                    continue
                xd = x[start[i] : start[i] + tw]
                oi = o[i]
                for j in range(tw):
                    xd[j] = oi[j]


@numba.njit(**_JIT)
def _apply_gathered(x, o, tile, vt, cols, rp, sk, off, start, bases, nblk, per, W, D):  # pragma: no cover
    """Short rows (an op on one of the last qubits with a small batch): the rows of ``per`` blocks are
    gathered into one tile, so that the multiply-adds still run over _TILE numbers."""
    for c in range(D):
        start[c] = c * _TILE
    for g0 in range(0, nblk, per):
        gn = min(per, nblk - g0)
        tw = gn * W
        bg = bases[g0 : g0 + gn]
        for c in range(D):
            tc = tile[c * _TILE : (c + 1) * _TILE]
            oc = off[c]
            if W == 1:
                for gi in range(gn):
                    tc[gi] = x[bg[gi] + oc]
            else:
                for gi in range(gn):
                    xs = x[bg[gi] + oc : bg[gi] + oc + W]
                    tg = tc[gi * W : gi * W + W]
                    for j in range(W):
                        tg[j] = xs[j]
        _rows(o, tile, start, vt, cols, rp, sk, D, tw)
        for i in range(D):
            if sk[i]:
                continue
            oi = o[i]
            oc = off[i]
            if W == 1:
                for gi in range(gn):
                    x[bg[gi] + oc] = oi[gi]
            else:
                for gi in range(gn):
                    xd = x[bg[gi] + oc : bg[gi] + oc + W]
                    og = oi[gi * W : gi * W + W]
                    for j in range(W):
                        xd[j] = og[j]


@numba.njit(**_JIT)
def _apply_op(x, op, ops, nnz, vals, cols, rp, sk, n, bc, vt, o, tile, off, start, bases):  # pragma: no cover
    """One op (a layer's sparse 16x16 matrix, or a post-run's 4x4) over the chunk's state ``x``."""
    W, nblk, D = _op_geometry(off, bases, ops[op, 0], ops[op, 1], ops[op, 2], n, bc)
    direct = W >= _TILE or nblk == 1
    t = 1
    per = 0
    if direct:
        # tiles of t positions x bc numbers (t a power of two dividing W / bc, itself a power of four)
        while 2 * t * bc <= _TILE and 2 * t * bc <= W:
            t *= 2
        reps = t
    else:
        per = _TILE // W  # blocks gathered into one tile
        reps = per * W // bc
    for e in range(nnz):  # the chunk's values repeated along a tile (no modulo: slow)
        for rep in range(reps):
            for b in range(bc):
                vt[e, rep * bc + b] = vals[e, b]
    if direct:
        _apply_direct(x, o, vt, cols, rp, sk, off, start, bases, nblk, W, D, t * bc)
    else:
        _apply_gathered(x, o, tile, vt, cols, rp, sk, off, start, bases, nblk, per, W, D)


@numba.njit(**_JIT)
def _measured(
    params,
    n,
    chunk,
    term_param,
    term_ptr,
    term_il,
    term_c,
    run_ptr,
    ops,
    pat_ptr,
    pat_rc,
    row_ptr,
    skip,
    perms,
    scales,
    max_nnz,
    init_idx,
    meas_idx,
):  # pragma: no cover - compiled
    """Expectations ``[B, S]`` of the measured strings, chunk by chunk of the batch."""
    B = params.shape[0]
    N = 4**n
    out = np.empty((B, meas_idx.shape[0]))
    x = np.empty(N * chunk)
    runs = np.empty((run_ptr.shape[0] - 1, 4, 4, chunk))
    tmp = np.empty((4, 4, chunk))
    cos_p = np.empty((params.shape[1], chunk))
    sin_p = np.empty((params.shape[1], chunk))
    vals = np.empty((max_nnz, chunk))
    vt = np.empty((max_nnz, _TILE))
    o = np.empty((16, _TILE))
    tile = np.empty(16 * _TILE)
    off = np.empty(16, dtype=np.int64)
    start = np.empty(16, dtype=np.int64)
    cols = np.empty(max_nnz, dtype=np.int64)
    bases = np.empty(4 ** (n - 1), dtype=np.int64)  # start of each block of an op's rows
    for b0 in range(0, B, chunk):
        bc = min(chunk, B - b0)
        for k in range(params.shape[1]):
            for b in range(bc):
                cos_p[k, b] = np.cos(params[b0 + b, k])
                sin_p[k, b] = np.sin(params[b0 + b, k])
        _fill_runs(runs, tmp, cos_p, sin_p, bc, term_param, term_ptr, term_il, term_c, run_ptr)
        # initial state |0..0><0..0|
        for i in range(N * bc):
            x[i] = 0.0
        for i in init_idx:
            for b in range(bc):
                x[i * bc + b] = 1.0
        for op in range(ops.shape[0]):
            nnz = pat_ptr[op + 1] - pat_ptr[op]
            _op_values(vals, cols, op, ops, pat_ptr, pat_rc, runs, perms, scales, bc)
            _apply_op(
                x, op, ops, nnz, vals, cols, row_ptr[op], skip[op], n, bc, vt, o, tile, off, start, bases
            )
        for s in range(meas_idx.shape[0]):
            for b in range(bc):
                out[b0 + b, s] = x[meas_idx[s] * bc + b]
    return out
