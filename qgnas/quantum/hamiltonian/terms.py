"""Checking and merging the (Pauli string, coefficient) terms a :class:`~.pauli_sum.Hamiltonian` is
built from, so that every Hamiltonian holds one canonical, real term list."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["IMAG_ATOL", "PAULI_CHARS", "merged_terms"]

PAULI_CHARS = "IXYZ"
# Imaginary parts up to this size (absolute, or relative to the largest coefficient) are treated as
# round-off of a Hermitian operator; anything larger means the input is not a Hamiltonian.
IMAG_ATOL = 1e-10


def merged_terms(
    strings: Iterable[str], coeffs: Iterable[complex] | np.ndarray, n_qubits: int | None
) -> tuple[int, list[str], np.ndarray]:
    """(register size, distinct upper-case strings in first-appearance order, their summed real
    coefficients) of the input terms; ValueError names the first bad string or coefficient."""
    strings = _upper_case_strings(strings)
    values = _real_coefficients(coeffs, strings)
    n = _register_size(strings, n_qubits)
    _check_string_shapes(strings, n)
    merged: dict[str, float] = {}
    for s, c in zip(strings, values, strict=True):
        merged[s] = merged.get(s, 0.0) + float(c)
    return n, list(merged), np.fromiter(merged.values(), dtype=np.float64, count=len(merged))


def _upper_case_strings(strings: Iterable[str]) -> list[str]:
    strings = list(strings)
    for k, s in enumerate(strings):
        if not isinstance(s, str):
            raise ValueError(
                f"Pauli string #{k} is {s!r} of type {type(s).__name__}; expected a str over 'IXYZ'"
            )
    return [s.upper() for s in strings]


def _real_coefficients(coeffs: Iterable[complex] | np.ndarray, strings: list[str]) -> np.ndarray:
    """One finite real coefficient per string; a complex one only when its imaginary part is round-off
    (a Hermitian operator has real Pauli coefficients)."""
    raw = np.atleast_1d(np.asarray(list(coeffs) if not isinstance(coeffs, np.ndarray) else coeffs))
    if raw.ndim != 1:
        raise ValueError(f"coeffs must be one-dimensional, got shape {raw.shape}")
    if len(raw) != len(strings):
        raise ValueError(f"got {len(strings)} Pauli strings but {len(raw)} coefficients; need one per string")
    if raw.dtype == object or not np.issubdtype(raw.dtype, np.number):
        for k, c in enumerate(raw):
            if not isinstance(c, int | float | complex | np.number) or isinstance(c, bool):
                raise ValueError(f"coefficient #{k} is {c!r}; coefficients must be real numbers")
    raw = raw.astype(np.complex128)
    if not np.all(np.isfinite(raw)):
        k = int(np.flatnonzero(~np.isfinite(raw))[0])
        raise ValueError(f"coefficient #{k} ({strings[k]!r}) is {raw[k]}; coefficients must be finite")
    scale = max(1.0, float(np.max(np.abs(raw)))) if len(raw) else 1.0
    bad_imag = np.abs(raw.imag) > IMAG_ATOL * scale
    if np.any(bad_imag):
        k = int(np.flatnonzero(bad_imag)[0])
        raise ValueError(
            f"coefficient #{k} of {strings[k]!r} is {raw[k]}: Pauli coefficients of a Hamiltonian "
            f"must be real (imaginary part at most {IMAG_ATOL:g} relative)"
        )
    return raw.real


def _register_size(strings: list[str], n_qubits: int | None) -> int:
    """The strings' length, checked against ``n_qubits``; ``n_qubits`` itself when there is no string."""
    if not strings:
        if n_qubits is None:
            raise ValueError("an empty Hamiltonian needs n_qubits to be given")
        n = int(n_qubits)
    else:
        n = len(strings[0])
        if n_qubits is not None and int(n_qubits) != n:
            raise ValueError(f"n_qubits={n_qubits} but the Pauli strings have length {n}")
    if n < 1:
        raise ValueError(f"n_qubits must be at least 1, got {n}")
    return n


def _check_string_shapes(strings: list[str], n: int) -> None:
    for k, s in enumerate(strings):
        if len(s) != n:
            raise ValueError(
                f"Pauli string #{k} {s!r} has length {len(s)}, but the first one has length {n}; "
                "all strings need one character per qubit"
            )
        bad = set(s) - set(PAULI_CHARS)
        if bad:
            raise ValueError(
                f"Pauli string #{k} {s!r} contains {''.join(sorted(bad))!r}; allowed characters are "
                f"{PAULI_CHARS!r}"
            )
