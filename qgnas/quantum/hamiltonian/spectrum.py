"""The matrix of a Pauli sum and its lowest eigenvalue (numpy and scipy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["DENSE_MAX_DIM", "lowest_eigenvalue", "pauli_sum_matrix"]

# Up to this dimension the ground energy is found with a dense eigensolver (exact and fast enough);
# above it with Lanczos (scipy eigsh), which needs only matrix-vector products.
DENSE_MAX_DIM = 256


def pauli_sum_matrix(
    paulis: Sequence[str], coeffs: np.ndarray, n_qubits: int, little_endian: bool = False
) -> sp.csr_matrix:
    """``sum_j coeffs[j] * P_j`` as a 2^n x 2^n complex128 CSR matrix; qubit 0 is the most significant
    bit of the basis index unless ``little_endian``."""
    n = n_qubits
    dim = 1 << n
    basis = np.arange(dim, dtype=np.int64)
    rows, cols, vals = [], [], []
    for s, c in zip(paulis, coeffs, strict=True):
        if c == 0.0:
            continue
        xmask = zmask = 0
        n_y = 0
        for q, ch in enumerate(s):
            bit = 1 << (q if little_endian else n - 1 - q)
            if ch in "XY":
                xmask |= bit
            if ch in "ZY":
                zmask |= bit
            n_y += ch == "Y"
        # P|b> = i^{n_y} (-1)^{popcount(b & zmask)} |b ^ xmask>, using Y = i X Z.
        sign = 1.0 - 2.0 * (popcount(basis & zmask) & 1)
        vals.append((c * (1j**n_y)) * sign)
        rows.append(basis ^ xmask)
        cols.append(basis)
    if not vals:
        return sp.csr_matrix((dim, dim), dtype=np.complex128)
    mat = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim)
    ).tocsr()
    mat.sum_duplicates()
    mat.eliminate_zeros()
    return mat


def popcount(a: np.ndarray) -> np.ndarray:
    """Bit count of non-negative int64 values (vectorised, no numpy>=2 bitwise_count needed)."""
    a = a.astype(np.uint64)
    count = np.zeros(a.shape, dtype=np.int64)
    while np.any(a):
        count += (a & np.uint64(1)).astype(np.int64)
        a >>= np.uint64(1)
    return count


def lowest_eigenvalue(mat: sp.spmatrix, real: bool) -> float:
    """Smallest eigenvalue of a Hermitian sparse matrix: dense for small ones, Lanczos otherwise."""
    if real:
        mat = mat.real
    dim = mat.shape[0]
    if dim <= DENSE_MAX_DIM:
        return float(np.linalg.eigvalsh(mat.toarray())[0])
    from scipy.sparse.linalg import eigsh

    # A fixed start vector keeps the result reproducible run to run.
    v0 = np.random.default_rng(0).standard_normal(dim)
    vals = eigsh(mat, k=1, which="SA", v0=v0.astype(mat.dtype), tol=1e-12, maxiter=max(1000, 20 * dim))[0]
    return float(vals[0])
