"""The layer matrices of one call, built from the angles by a fixed, short sequence of tensor ops.

A rotation's matrix is ``C0 + cos(theta) C1 + sin(theta) C2`` (closed form), so the matrices of all
gates of all runs for all parameter sets are two fused multiply-adds; run products are log-depth
trees, runs grouped by padded length. A layer ``G (A (x) B)`` with G monomial is built by gathering
rows, ``L[(i,j),(k,l)] = s_ij A[pa_ij, k] B[pb_ij, l]``, no matrix product. These small matrices are
kept *batch-last*, ``(..., d, d, B)``, so every elementwise kernel streams over B contiguous numbers
instead of d = 4, which is what makes torch's CPU kernels fast; only the finished layer matrices are
turned batch-first for the GEMM path.
"""

from __future__ import annotations

import numpy as np
import torch

from .plan import Layer, Representation, Segment, Term, monomial

__all__ = ["SEQUENTIAL_CHAIN_PRODUCTS", "LayerMatrices", "bl_matmul"]

# Layers that merge several segments: up to this many extra 16x16 products in all are done one by
# one (no copies), more as padded log-depth trees over all chains at once.
SEQUENTIAL_CHAIN_PRODUCTS = 12


def bl_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Batch-last matrix product: ``(..., i, j, B) x (..., j, k, B) -> (..., i, k, B)``."""
    return (a.unsqueeze(-2) * b.unsqueeze(-4)).sum(-3)


def _slots(length: int) -> int:
    """A run's length padded with identity factors to a power of two (its product is a tree)."""
    return 1 if length <= 1 else 1 << (length - 1).bit_length()


class LayerMatrices:
    """Index plans and constant tensors that turn angles ``(B, P)`` into the layers' matrices.

    Args:
        layers: the layers, oriented as the axis plan applies them.
        k: qubits per layer (2, or 1 for a one-qubit circuit).
        rep: the representation (PTM or state vector).
        n_params: angles per parameter set.
        device, dtype: where the tensors live and their (real or complex) type.
    """

    def __init__(
        self,
        layers: list[Layer],
        k: int,
        rep: Representation,
        n_params: int,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        self.k = k
        self.d = rep.d
        self.D = rep.d**k
        self.dtype = dtype
        self.device = device
        self.has_params = n_params > 0
        self.angle_factor = rep.angle_factor
        raw_runs: list[list[Term]] = []
        segments: list[Segment] = []
        seg_pre: list[list[int]] = []
        chains: list[list[int]] = []
        post_raw: list[list[int]] = []

        def run_id(terms: list[Term]) -> int:
            if not terms:
                return -1
            raw_runs.append(terms)
            return len(raw_runs) - 1

        for layer in layers:
            chain = []
            for sg in layer.segments:
                seg_pre.append([run_id(r) for r in sg.pre])
                segments.append(sg)
                chain.append(len(segments) - 1)
            chains.append(chain)
            post_raw.append([run_id(r) for r in layer.post])
        final_id = self._set_runs(raw_runs, rep)
        self._set_segments(segments, [[final_id[i] for i in row] for row in seg_pre])
        self._set_chains(chains)
        self._set_post([[final_id[i] for i in row] for row in post_raw])

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        return torch.tensor(a, device=self.device, dtype=self.dtype)

    def _index(self, a: np.ndarray) -> torch.Tensor:
        return torch.tensor(a, device=self.device)

    # ------------------------------------------------------------------ compile-time set-up

    def _set_runs(self, raw_runs: list[list[Term]], rep: Representation) -> dict[int, int]:
        """Group the runs by padded length; returns the final index of each raw run (-1: identity).

        Grouping by length keeps long runs from making every run pay for their tree depth; when padding
        everything to the longest run wastes little, one group (fewer kernels) is used instead. The
        identity (final run 0) is an empty run, i.e. all padding.
        """
        d = self.d
        all_runs = [[], *raw_runs]
        lengths = [len(r) for r in all_runs]
        longest = _slots(max(lengths))
        if len(all_runs) * longest <= 2 * sum(_slots(ln) for ln in lengths) + 16:
            groups = [list(range(len(all_runs)))]
        else:
            classes = sorted({_slots(ln) for ln in lengths})
            groups = [[i for i, ln in enumerate(lengths) if _slots(ln) == c] for c in classes]
        final_id: dict[int, int] = {}
        self.run_groups: list[tuple[int, int, torch.Tensor, torch.Tensor, torch.Tensor]] = []
        pidx_all: list[np.ndarray] = []
        for members in groups:
            slots = max(_slots(lengths[i]) for i in members)
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
            c0, c1, c2 = (self._tensor(mats[:, :, j].reshape(shape)) for j in range(3))
            self.run_groups.append((len(members), slots, c0, c1, c2))
            pidx_all.append(pidx.reshape(-1))
        assert final_id[-1] == 0, "the identity run must come first"
        self.n_runs = len(all_runs)
        self.run_slots = longest
        self.param_index = self._index(np.concatenate(pidx_all))
        return final_id

    def _set_segments(self, segments: list[Segment], pre_ids: list[list[int]]) -> None:
        """Gather plans for monomial segments, or the dense gates."""
        d, D, k = self.d, self.D, self.k
        n_seg = len(segments)
        self.n_segments = n_seg
        pre = np.array(pre_ids, dtype=np.int64).reshape(n_seg, k)
        monos = [monomial(sg.gate) for sg in segments]
        self.all_monomial = all(m is not None for m in monos)
        if k == 2 and self.all_monomial:
            perm = np.stack([m[0] for m in monos]) if n_seg else np.zeros((0, D), np.int64)
            scale = np.stack([m[1] for m in monos]) if n_seg else np.zeros((0, D))
            # row (seg, r) of the gathered run matrices: run pre[seg] row perm[seg, r] // d (resp. % d)
            self.seg_rows_a = self._index((pre[:, :1] * d + perm // d).reshape(-1))
            self.seg_rows_b = self._index((pre[:, 1:2] * d + perm % d).reshape(-1))
            self.seg_scale = self._tensor(scale.reshape(n_seg, D, 1, 1, 1))  # batch-last
        else:
            self.seg_pre = self._index(pre)
            if n_seg:
                self.seg_gate = self._tensor(np.stack([sg.gate for sg in segments])).unsqueeze(-1)

    def _set_chains(self, chains: list[list[int]]) -> None:
        """Plans for multiplying the segments of each layer (one per layer unless merged)."""
        self.eye = torch.eye(self.D, device=self.device, dtype=self.dtype)
        self.simple_chains = all(len(c) == 1 for c in chains)
        self.chains = chains
        self.short_chains = sum(len(c) - 1 for c in chains) <= SEQUENTIAL_CHAIN_PRODUCTS
        self.chain_groups: list[tuple[int, int, torch.Tensor]] = []
        if self.simple_chains:
            return
        layer_pos = []
        for slots in sorted({_slots(len(c)) for c in chains}):
            members = [i for i, c in enumerate(chains) if _slots(len(c)) == slots]
            idx = np.full((len(members), slots), self.n_segments, dtype=np.int64)  # n_segments: identity
            for r, i in enumerate(members):
                idx[r, : len(chains[i])] = chains[i]
                layer_pos.append(i)
            self.chain_groups.append((len(members), slots, self._index(idx.reshape(-1))))
        self.chain_order = self._index(np.argsort(np.array(layer_pos)))

    def _set_post(self, post_ids: list[list[int]]) -> None:
        """Which layers end with one-qubit runs (the gates after a qubit's last two-qubit gate)."""
        k = self.k
        post = np.array(post_ids, dtype=np.int64).reshape(-1, k)
        post_layers = np.flatnonzero(post.any(axis=1)) if len(post) else np.zeros(0, np.int64)
        self.n_post = len(post_layers)
        self.post_layers = self._index(post_layers)
        self.post_layer_list = [int(i) for i in post_layers]
        self.post_a = self._index(post[post_layers, 0])
        self.post_b = self._index(post[post_layers, k - 1])

    # ------------------------------------------------------------------ per call

    def runs(self, p: torch.Tensor) -> torch.Tensor:
        """Products of all one-qubit runs, (R, d, d, B) batch-last; run 0 is the identity."""
        B = p.shape[0]
        d = self.d
        if self.has_params:
            ang = p.t()
            if self.angle_factor != 1.0:
                ang = ang * self.angle_factor
            cos_p, sin_p = torch.cos(ang), torch.sin(ang)  # (P, B)
            if self.dtype.is_complex:
                cos_p, sin_p = cos_p.to(self.dtype), sin_p.to(self.dtype)
            cos_all = cos_p.index_select(0, self.param_index)  # (slots, B)
            sin_all = sin_p.index_select(0, self.param_index)
        parts = []
        start = 0
        for count, slots, c0, c1, c2 in self.run_groups:
            size = count * slots
            if self.has_params:
                cos = cos_all[start : start + size].view(count, slots, 1, 1, B)
                sin = sin_all[start : start + size].view(count, slots, 1, 1, B)
                m = torch.addcmul(torch.addcmul(c0, cos, c1), sin, c2)  # (count, slots, d, d, B)
            else:
                m = c0.expand(count, slots, d, d, B)
            start += size
            while m.shape[1] > 1:
                m = bl_matmul(m[:, 1::2], m[:, 0::2])  # later slot @ earlier slot
            parts.append(m[:, 0])
        return torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]

    def segments(self, runs: torch.Tensor, batch_first: bool = False) -> torch.Tensor:
        """All segment matrices, batch-last (S, D, D, B) or batch-first (S, B, D, D)."""
        d, D = self.d, self.D
        R, B = runs.shape[0], runs.shape[-1]
        S = self.n_segments
        if self.k == 1:
            # n = 1: the only segment is a run on its own (gate = identity)
            m = runs.index_select(0, self.seg_pre[:, 0])
            return m.permute(0, 3, 1, 2).contiguous() if batch_first else m
        if self.all_monomial:
            # rows of A (x) B picked by the monomial gate: M[(i,j),(k,l)] = s_ij A[pa_ij,k] B[pb_ij,l]
            if batch_first:
                # gather rows as (B, d) blocks, multiply in (S, D, B, d, d) and transpose with the
                # 16 numbers of each (k, l) block contiguous -- much cheaper than transposing a
                # batch-last (S, D, D, B) result whose innermost axis is B
                rows = runs.permute(0, 1, 3, 2).reshape(R * d, B, d)
                ag = rows.index_select(0, self.seg_rows_a).view(S, D, B, d, 1)
                bg = rows.index_select(0, self.seg_rows_b).view(S, D, B, 1, d)
                m = ag * self.seg_scale.view(S, D, 1, 1, 1) * bg
                return m.transpose(1, 2).reshape(S, B, D, D)
            rows = runs.reshape(R * d, d, B)
            ag = rows.index_select(0, self.seg_rows_a).view(S, D, d, 1, B)
            bg = rows.index_select(0, self.seg_rows_b).view(S, D, 1, d, B)
            return (ag * self.seg_scale * bg).view(S, D, D, B)
        a = runs.index_select(0, self.seg_pre[:, 0])
        b = runs.index_select(0, self.seg_pre[:, 1])
        kron = (a[:, :, None, :, None, :] * b[:, None, :, None, :, :]).reshape(S, D, D, B)
        m = bl_matmul(self.seg_gate, kron)
        return m.permute(0, 3, 1, 2).contiguous() if batch_first else m

    def layers(self, runs: torch.Tensor, batch_first: bool) -> list[torch.Tensor]:
        """All layer matrices: chained segments, then the post-runs.

        Returned as a list of batch-last ``(D, D, B)`` matrices for the elementwise path, or of
        batch-first ``(B, D, D)`` ones for the GEMM path; in the latter the 16x16 products are done by
        batched GEMMs too.
        """
        segs = self.segments(runs, batch_first)  # (S, B, D, D) or (S, D, D, B)
        mats = self._chained(segs, runs.shape[-1], batch_first)
        if self.n_post:
            return self._with_post(mats, runs, batch_first)
        return mats if isinstance(mats, list) else list(mats.unbind(0))

    def _chained(self, segs: torch.Tensor, B: int, batch_first: bool) -> torch.Tensor | list[torch.Tensor]:
        """Each layer's segments multiplied in order: a tensor of layers, or a list of them."""
        D = self.D
        if batch_first:
            eye = self.eye.expand(1, B, D, D)
            matmul = torch.matmul
            shape = (B, D, D)
        else:
            eye = self.eye.view(1, D, D, 1).expand(1, D, D, B)
            matmul = bl_matmul
            shape = (D, D, B)
        if self.simple_chains:
            return segs
        if self.short_chains:
            # few merged segments: a handful of products on views beats gathering every segment
            # matrix into padded groups (cat + index_select copy all of them)
            seg_list = segs.unbind(0)
            mats = []
            for chain in self.chains:
                m = seg_list[chain[0]]
                for j in chain[1:]:
                    m = matmul(seg_list[j], m)
                mats.append(m)
            return mats
        ext = torch.cat([segs, eye], dim=0)
        parts = []
        for count, slots, idx in self.chain_groups:
            m = ext.index_select(0, idx).view(count, slots, *shape)
            while m.shape[1] > 1:
                m = matmul(m[:, 1::2], m[:, 0::2])
            parts.append(m[:, 0])
        chained = torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]
        return chained.index_select(0, self.chain_order)

    def _with_post(
        self, mats: torch.Tensor | list[torch.Tensor], runs: torch.Tensor, batch_first: bool
    ) -> list[torch.Tensor]:
        """The layer matrices with the post-runs of the layers that have them applied from the left."""
        d, D = self.d, self.D
        B = runs.shape[-1]
        if isinstance(mats, list):
            sub = torch.stack([mats[i] for i in self.post_layer_list])
        else:
            sub = mats.index_select(0, self.post_layers)
        pa = runs.index_select(0, self.post_a)  # (P, d, d, B)
        pb = runs.index_select(0, self.post_b)
        P = sub.shape[0]
        if self.k == 1:
            sub = (
                torch.matmul(pa.permute(0, 3, 1, 2).contiguous(), sub) if batch_first else bl_matmul(pa, sub)
            )
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
        out = list(mats) if isinstance(mats, list) else list(mats.unbind(0))
        for i, m in zip(self.post_layer_list, sub.unbind(0), strict=True):
            out[i] = m
        return out
