"""The Pauli terms of the model Hamiltonians (:meth:`~.pauli_sum.Hamiltonian.transverse_field_ising`,
``heisenberg``, ``maxcut``, ``ghz_projector``): plain strings and coefficients, which the class methods
turn into Hamiltonians, so this module does not depend on the class."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["PauliTerms", "ghz_projector_terms", "heisenberg_terms", "maxcut_terms", "tfim_terms"]


class PauliTerms(NamedTuple):
    """The arguments of :meth:`~.pauli_sum.Hamiltonian.from_pauli_strings` for one model."""

    strings: list[str]
    coeffs: list[float]
    name: str
    n_qubits: int
    metadata: dict[str, Any] | None = None


def tfim_terms(n: int, J: float, h: float, periodic: bool) -> PauliTerms:
    """``-J sum_i Z_i Z_{i+1} - h sum_i X_i`` on an open or periodic chain."""
    n = _check_n(n, minimum=1)
    _check_periodic(n, periodic)
    bonds = _chain_bonds(n, periodic)
    strings = [_pauli_on(n, {i: "Z", j: "Z"}) for i, j in bonds] + [_pauli_on(n, {i: "X"}) for i in range(n)]
    coeffs = [-float(J)] * len(bonds) + [-float(h)] * n
    return PauliTerms(strings, coeffs, f"tfim_n{n}_J{J:g}_h{h:g}" + ("_pbc" if periodic else ""), n)


def heisenberg_terms(n: int, J: float | Sequence[float], h: float, periodic: bool) -> PauliTerms:
    """``sum_bonds (Jx XX + Jy YY + Jz ZZ) + h sum_i Z_i``; zero couplings add no term."""
    n = _check_n(n, minimum=2)
    _check_periodic(n, periodic)
    if np.isscalar(J):
        jx = jy = jz = float(J)  # type: ignore[arg-type]
    else:
        js = list(J)  # type: ignore[arg-type]
        if len(js) != 3:
            raise ValueError(f"J must be a number or (Jx, Jy, Jz), got {J!r}")
        jx, jy, jz = (float(v) for v in js)
    strings: list[str] = []
    coeffs: list[float] = []
    for i, j in _chain_bonds(n, periodic):
        for axis, coupling in (("X", jx), ("Y", jy), ("Z", jz)):
            if coupling != 0.0:
                strings.append(_pauli_on(n, {i: axis, j: axis}))
                coeffs.append(coupling)
    if h != 0.0:
        strings += [_pauli_on(n, {i: "Z"}) for i in range(n)]
        coeffs += [float(h)] * n
    name = f"heisenberg_n{n}_J{jx:g},{jy:g},{jz:g}" + (f"_h{h:g}" if h else "") + ("_pbc" if periodic else "")
    return PauliTerms(strings, coeffs, name, n)


def maxcut_terms(
    edges: Iterable[tuple[int, int]] | Iterable[tuple[int, int, float]], n_nodes: int | None
) -> PauliTerms:
    """``sum_(i,j) w_ij / 2 * (Z_i Z_j - 1)``, i.e. minus the cut weight; node k is qubit k."""
    parsed = [_weighted_edge(e) for e in edges]
    if not parsed:
        raise ValueError("maxcut needs at least one edge")
    largest = max(max(i, j) for i, j, _ in parsed)
    n = largest + 1 if n_nodes is None else int(n_nodes)
    if n <= largest:
        raise ValueError(f"n_nodes={n_nodes} but an edge uses node {largest}; need n_nodes > {largest}")
    strings = [_pauli_on(n, {i: "Z", j: "Z"}) for i, j, _ in parsed] + ["I" * n]
    coeffs = [w / 2 for _, _, w in parsed] + [-sum(w for _, _, w in parsed) / 2]
    return PauliTerms(strings, coeffs, f"maxcut_n{n}_m{len(parsed)}", n)


def ghz_projector_terms(n: int) -> PauliTerms:
    """``|GHZ><GHZ| = 2^-n [sum_{S even} Z_S + sum_{T even} (-1)^(|T|/2) P_T]`` (derivation on
    :meth:`~.pauli_sum.Hamiltonian.ghz_projector`): 2^n real strings."""
    n = _check_n(n, minimum=1)
    strings: list[str] = []
    coeffs: list[float] = []
    scale = 0.5**n
    for mask in range(1 << n):
        bits = [(mask >> (n - 1 - q)) & 1 for q in range(n)]
        weight = sum(bits)
        if weight % 2:
            continue
        strings.append("".join("Z" if b else "I" for b in bits))
        coeffs.append(scale)
        strings.append("".join("Y" if b else "X" for b in bits))
        coeffs.append(scale * (-1.0) ** (weight // 2))
    return PauliTerms(strings, coeffs, f"ghz_projector_n{n}", n, {"problem": "ghz_projector"})


def _check_n(n: int, minimum: int) -> int:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_periodic(n: int, periodic: bool) -> None:
    if periodic and n < 3:
        raise ValueError(f"a periodic chain needs n >= 3 qubits (got n={n}); use periodic=False")


def _weighted_edge(edge: Sequence[Any]) -> tuple[int, int, float]:
    """``(i, j)`` or ``(i, j, w)`` as ``(i, j, w)`` (weight 1 by default); no self-loops."""
    e = tuple(edge)
    if len(e) not in (2, 3):
        raise ValueError(f"edge {e!r} must be (i, j) or (i, j, weight)")
    i, j = e[0], e[1]
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (i, j)):
        raise ValueError(f"edge {e!r}: nodes must be non-negative integers")
    i, j = int(i), int(j)
    if i < 0 or j < 0:
        raise ValueError(f"edge {e!r}: nodes must be non-negative integers")
    if i == j:
        raise ValueError(f"edge {e!r} is a self-loop; a self-loop is never cut, remove it")
    return i, j, float(e[2]) if len(e) == 3 else 1.0


def _chain_bonds(n: int, periodic: bool) -> list[tuple[int, int]]:
    bonds = [(i, i + 1) for i in range(n - 1)]
    if periodic:
        bonds.append((n - 1, 0))
    return bonds


def _pauli_on(n: int, ops: dict[int, str]) -> str:
    chars = ["I"] * n
    for q, ch in ops.items():
        chars[q] = ch
    return "".join(chars)
