"""Initial states and measurement: which entries of the final state an energy reads, and how.

Readout error is folded into the measured strings at compile time: each non-identity factor sigma of
a Pauli term is read as ``(1 - p10 - p01) sigma + (p01 - p10) I``, so a term expands into weighted
strings, and the energy is a gather of the needed Pauli entries (indices mapped through the final axis
order) and a dot product with the weights. In the state-vector picture the strings are grouped by
their X-mask: ``<psi|P|psi> = sum_b conj(psi[b ^ x]) psi[b] i^ny (-1)^{b.z}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "PAULI_INDEX",
    "MeasuredStrings",
    "PTMMeasurement",
    "StatevectorMeasurement",
    "expand_readout",
    "pauli_string_indices",
    "zero_state_indices",
]

PAULI_INDEX = {"I": 0, "X": 1, "Y": 2, "Z": 3}


@dataclass
class MeasuredStrings:
    """Pauli terms expanded through readout error into weighted strings.

    The measured expectation of term j is ``sum_e weight[e] <strings[string[e]]>`` over the entries e
    with ``term[e] == j``; without readout every term maps to itself with weight 1.
    """

    strings: list[str]
    term: np.ndarray
    string: np.ndarray
    weight: np.ndarray

    def string_weights(self, coeffs: np.ndarray) -> np.ndarray:
        """Energy weight of each unique string for term coefficients ``coeffs``."""
        w = np.zeros(len(self.strings))
        np.add.at(w, self.string, self.weight * coeffs[self.term])
        return w


def expand_readout(paulis: Sequence[str], readout: tuple[np.ndarray, np.ndarray] | None) -> MeasuredStrings:
    """Expand each Pauli term through readout error (per-qubit factors ``(a, b)``) into weighted strings."""
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
    return MeasuredStrings(
        list(unique), np.array(e_term, dtype=np.int64), np.array(e_str, dtype=np.int64), np.array(e_w)
    )


def zero_state_indices(n: int) -> np.ndarray:
    """Entries of ``|0..0><0..0|``'s Pauli vector that are 1: every P in {I, Z}^n (the rest are 0)."""
    idx = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        idx = (idx[:, None] * 4 + np.array([0, 3])[None, :]).reshape(-1)
    return idx


def pauli_string_indices(strings: Sequence[str], n: int, pos: Sequence[int] | None = None) -> np.ndarray:
    """Index of each string in a Pauli vector whose axis ``pos[q]`` holds qubit q (default: axis q)."""
    pos = list(range(n)) if pos is None else pos
    return np.array(
        [sum(PAULI_INDEX[c] * 4 ** (n - 1 - pos[q]) for q, c in enumerate(s)) for s in strings],
        dtype=np.int64,
    )


class PTMMeasurement:
    """The initial Pauli vector and the gather + dot product that measures the final one."""

    def __init__(
        self,
        n: int,
        strings: list[str],
        weights: np.ndarray,
        pos: list[int],
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        init = np.zeros(4**n)
        init[zero_state_indices(n)] = 1.0
        self.init = torch.tensor(init.reshape(1, 4**n), device=device, dtype=dtype)
        self.index = torch.tensor(pauli_string_indices(strings, n, pos), device=device)
        self.weights = torch.tensor(weights, device=device, dtype=dtype)

    def values(self, x: torch.Tensor) -> torch.Tensor:
        """Expectations of the measured strings ``(B, S)`` from final states ``(B, 4^n)``."""
        return x.index_select(1, self.index)

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """Energies ``(B,)`` from final states."""
        return self.values(x) @ self.weights


class StatevectorMeasurement:
    """``|0..0>`` and the grouped products of amplitudes that measure Pauli strings on a state vector."""

    def __init__(
        self,
        n: int,
        strings: list[str],
        weights: np.ndarray,
        pos: list[int],
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        init = np.zeros(2**n, dtype=np.complex128)
        init[0] = 1.0
        self.init = torch.tensor(init.reshape(1, 2**n), device=device, dtype=dtype)
        N = 2**n
        basis = np.arange(N, dtype=np.int64)
        # natural index b (qubit 0 most significant) -> position in the final-order state
        nat_bits = (basis[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1  # (N, n) bit of qubit q
        to_final = (nat_bits << (n - 1 - np.array(pos))[None, :]).sum(axis=1)
        xmasks, zmasks, phases = _masks(strings, n)
        groups = sorted(set(xmasks))
        gid = {x: i for i, x in enumerate(groups)}
        signs = 1.0 - 2.0 * (_popcount(basis[None, :] & np.array(zmasks)[:, None]) & 1)  # (S, N)
        per_string = np.array(phases)[:, None] * signs  # (S, N): i^ny (-1)^{b.z}
        diag = np.zeros((len(groups), N), dtype=np.complex128)
        for si, x in enumerate(xmasks):
            diag[gid[x]] += weights[si] * per_string[si]
        # in final-order positions: the entry of natural index b sits at to_final[b]
        partner = to_final[basis[None, :] ^ np.array(groups)[:, None]]  # (G, N) final index of b ^ x
        self.b = torch.tensor(to_final, device=device)
        self.partner = torch.tensor(partner.reshape(-1), device=device)
        self.diag = torch.tensor(diag, dtype=dtype, device=device)
        self.n_groups = len(groups)
        # per string: its group and its (N,) phase * sign vector, for the term expectations
        self.string_group = torch.tensor(np.array([gid[x] for x in xmasks], dtype=np.int64), device=device)
        self.string_vec = torch.tensor(per_string, dtype=dtype, device=device)

    def _products(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``psi[b]`` in natural order ``(B, N)`` and ``psi[b ^ x]`` per group ``(B, G, N)``."""
        psi_b = x.index_select(1, self.b)
        partner = x.index_select(1, self.partner).view(x.shape[0], self.n_groups, -1)
        return psi_b, partner

    def values(self, x: torch.Tensor) -> torch.Tensor:
        """Expectations of the measured strings ``(B, S)`` from final states ``(B, 2^n)``."""
        psi_b, partner = self._products(x)
        prod = partner.conj() * psi_b.unsqueeze(1)  # (B, G, N)
        vals = torch.matmul(
            prod.index_select(1, self.string_group).unsqueeze(-2), self.string_vec.unsqueeze(-1)
        )
        return vals.reshape(x.shape[0], -1).real

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """Energies ``(B,)`` from final states."""
        psi_b, partner = self._products(x)
        return ((partner.conj() * self.diag).sum(1) * psi_b).sum(-1).real


def _masks(strings: Sequence[str], n: int) -> tuple[list[int], list[int], list[complex]]:
    """X-mask, Z-mask and phase ``i^(number of Y)`` of each string (qubit 0 the most significant bit)."""
    xmasks, zmasks, phases = [], [], []
    for s in strings:
        x = z = ny = 0
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
    return xmasks, zmasks, phases


def _popcount(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.int64).copy()
    count = np.zeros(a.shape, dtype=np.int64)
    while np.any(a):
        count += a & 1
        a >>= 1
    return count
