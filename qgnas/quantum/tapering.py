"""Qubit tapering with Z2 symmetries (Bravyi et al., arXiv:1701.08213; Setia et al., arXiv:1910.14644).

A Pauli string ``tau`` that commutes with every term of a Hamiltonian is a Z2 symmetry. For k
independent such symmetries there is a Clifford ``U = prod_j (X_{q_j} + tau_j) / sqrt(2)`` after which
the Hamiltonian acts on each qubit ``q_j`` only with I or X; replacing those X by the symmetry's
eigenvalue (the *sector*) removes k qubits without changing the spectrum inside that sector.

The heavy lifting is PennyLane's (``qml.symmetry_generators``, ``qml.paulix_ops``, ``qml.taper``,
``qml.qchem.optimal_sector``, ``qml.qchem.taper_hf``). What this module adds, and why by hand:

* **Which symmetries, in which order.** ``qml.symmetry_generators`` returns *some* basis of the
  symmetry group; tapering fewer qubits than the group allows needs a chosen subgroup. We put the
  electron-number parities first (total ``N mod 2``, then ``N_alpha mod 2``) so that tapering one qubit
  is the "checksum code" (CRLQAS's 3-qubit H2: OpenFermion ``checksum_code(4, 0)``, the last mode's
  occupation fixed by the parity of the others) and two qubits is the parity two-qubit reduction,
  up to a Clifford. Picking a basis that contains given elements is small GF(2) linear algebra
  (:func:`_gf2_rank`, :func:`_rref_high_pivots`); PennyLane has no API for it.
* **Pivot form.** ``qml.paulix_ops`` needs each generator to own a qubit where no other generator acts
  (otherwise it silently returns fewer operators); an arbitrary basis need not have that, so the
  generators are brought to reduced row-echelon form over GF(2) with pivots on the highest qubits
  first (PennyLane's own preference: it removes high-index wires first).
* **Our Pauli-string convention** (character i acts on qubit i, :mod:`qgnas.quantum.hamiltonian`):
  conversion to and from PennyLane operators and the relabelling of the kept qubits to ``0..k-1``.

Only Z-type symmetries (I and Z only) are handled; those are the ones of molecular Hamiltonians under
Jordan-Wigner and the only ones ``qml.qchem.optimal_sector`` / ``qml.qchem.taper_hf`` understand.
With Z-type generators the Clifford maps Z-type operators to Z-type operators, so occupation-number
operators stay diagonal after tapering (:meth:`Tapering.apply` to a number operator gives its
diagonal in the tapered basis; see :func:`qgnas.quantum.molecules.molecule`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgnas.core.registry import Registry
from qgnas.quantum.hamiltonian import Hamiltonian

__all__ = [
    "SPIN_ORDERS",
    "Tapering",
    "number_parity_symmetries",
    "ordered_symmetry_generators",
    "symmetry_generators",
    "taper",
    "tapering_for",
]

#: spin-orbital order -> whether mode ``q`` of ``n_modes`` is an alpha spin orbital
SPIN_ORDERS: Registry[Callable[[int, int], bool]] = Registry(
    "spin-orbital order",
    {"interleaved": lambda q, n_modes: q % 2 == 0, "blocked": lambda q, n_modes: q < n_modes // 2},
)

# Tapered coefficients below this (absolute, Hartree) are round-off of cancelling terms and dropped.
_DROP_ATOL = 1e-13


@dataclass(frozen=True)
class Tapering:
    """A fixed tapering: generators in pivot form, the qubit each removes and its sector.

    Attributes:
        n_qubits: size of the untapered register.
        generators: Z-type Pauli strings (length ``n_qubits``), independent and in reduced row-echelon
            form: generator j acts with Z on ``removed[j]`` and no other generator does.
        removed: the qubit removed for each generator (where ``qml.paulix_ops`` puts its X).
        sector: eigenvalue (+1 or -1) of each generator in the tapered subspace.
    """

    n_qubits: int
    generators: tuple[str, ...]
    removed: tuple[int, ...]
    sector: tuple[int, ...]

    @property
    def kept(self) -> list[int]:
        """Untapered qubits that survive, in order; kept[i] becomes tapered qubit i."""
        return [q for q in range(self.n_qubits) if q not in self.removed]

    @property
    def n_tapered_qubits(self) -> int:
        return self.n_qubits - len(self.removed)

    def apply(
        self, ham: Hamiltonian, name: str | None = None, metadata: dict[str, Any] | None = None
    ) -> Hamiltonian:
        """``qml.taper`` of an operator that commutes with all generators, as a :class:`Hamiltonian`
        on qubits ``0..n_tapered_qubits-1`` (tapered qubit i is untapered qubit ``kept[i]``)."""
        import pennylane as qml

        if ham.n_qubits != self.n_qubits:
            raise ValueError(f"operator has {ham.n_qubits} qubits, the tapering is for {self.n_qubits}")
        for s in ham.paulis:
            for g in self.generators:
                if not _commutes(s, g):
                    raise ValueError(f"term {s!r} does not commute with the symmetry {g!r}; cannot taper it")
        if not self.generators:
            return Hamiltonian.from_pauli_strings(
                ham.paulis, ham.coeffs, name or ham.name, n_qubits=ham.n_qubits, metadata=metadata
            )
        tapered = qml.taper(
            ham.to_pennylane(),
            [_to_pennylane(g) for g in self.generators],
            [qml.X(q) for q in self.removed],
            list(self.sector),
        )
        # qml.taper relabels the kept wires to 0..k-1 in increasing order of the original wire.
        strings, coeffs = _from_pennylane(tapered, self.n_tapered_qubits)
        keep = [k for k, c in enumerate(coeffs) if abs(c) > _DROP_ATOL]
        return Hamiltonian.from_pauli_strings(
            [strings[k] for k in keep],
            [coeffs[k] for k in keep],
            name or ham.name,
            n_qubits=self.n_tapered_qubits,
            metadata=metadata,
        )

    def hf_state(self, n_electrons: int) -> list[int]:
        """The tapered image of the Jordan-Wigner Hartree-Fock state with the first ``n_electrons``
        qubits occupied (``qml.qchem.taper_hf``), a basis state of the tapered register."""
        import pennylane as qml

        if not self.generators:
            return [1 if q < n_electrons else 0 for q in range(self.n_qubits)]
        bits = qml.qchem.taper_hf(
            [_to_pennylane(g) for g in self.generators],
            [qml.X(q) for q in self.removed],
            list(self.sector),
            n_electrons,
            self.n_qubits,
        )
        return [int(b) for b in bits]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_qubits": self.n_qubits,
            "generators": list(self.generators),
            "removed_qubits": list(self.removed),
            "sector": list(self.sector),
            "kept_qubits": self.kept,
        }


def symmetry_generators(ham: Hamiltonian) -> list[str]:
    """A basis of the Hamiltonian's Pauli Z2 symmetry group, from ``qml.symmetry_generators``."""
    import pennylane as qml

    gens = qml.symmetry_generators(ham.to_pennylane())
    out = []
    for g in gens:
        (s,) = _from_pennylane(g, ham.n_qubits)[0]
        out.append(s)
    return out


def number_parity_symmetries(n_modes: int, order: str = "interleaved") -> list[str]:
    """Jordan-Wigner images of ``(-1)^N`` and ``(-1)^N_alpha`` (Z on all modes, Z on alpha modes).

    ``order``: a name of :data:`SPIN_ORDERS`, ``"interleaved"`` (alpha0, beta0, alpha1, ...;
    PennyLane's) or ``"blocked"`` (all alpha, then all beta).
    """
    is_alpha = SPIN_ORDERS[order]
    alpha = [is_alpha(q, n_modes) for q in range(n_modes)]
    return ["Z" * n_modes, "".join("Z" if a else "I" for a in alpha)]


def ordered_symmetry_generators(ham: Hamiltonian, preferred: Sequence[str] = ()) -> list[str]:
    """A basis of the symmetry group that starts with those ``preferred`` strings that belong to it
    (skipping ones dependent on earlier picks), completed by ``qml.symmetry_generators``'s basis."""
    group = symmetry_generators(ham)
    for s in group:
        if set(s) - set("IZ"):
            raise NotImplementedError(f"symmetry {s!r} is not Z-type; only I/Z symmetries are supported")
    rank_group = _gf2_rank(group)
    chosen: list[str] = []
    for cand in [p.upper() for p in preferred] + group:
        if len(cand) != ham.n_qubits:
            raise ValueError(f"symmetry {cand!r} does not have {ham.n_qubits} characters")
        in_group = _gf2_rank([*group, cand]) == rank_group
        independent = _gf2_rank([*chosen, cand]) == len(chosen) + 1
        if in_group and independent:
            chosen.append(cand)
    return chosen


def tapering_for(ham: Hamiltonian, generators: Sequence[str], n_electrons: int) -> Tapering:
    """The tapering by the group the ``generators`` span, in the Hartree-Fock state's sector.

    The Hartree-Fock state is the Jordan-Wigner one with qubits ``0..n_electrons-1`` occupied
    (PennyLane's interleaved spin orbitals), as ``qml.qchem.optimal_sector`` assumes.
    """
    import pennylane as qml

    if not generators:
        return Tapering(ham.n_qubits, (), (), ())
    for g in generators:
        if set(g) - set("IZ"):
            raise NotImplementedError(f"symmetry {g!r} is not Z-type; only I/Z symmetries are supported")
        for s in ham.paulis:
            if not _commutes(s, g):
                raise ValueError(f"{g!r} is not a symmetry: it anticommutes with the term {s!r}")
    pivot_form = _rref_high_pivots(list(generators))
    if len(pivot_form) != len(generators):
        raise ValueError(f"symmetry generators {list(generators)} are not independent")
    ops = [_to_pennylane(g) for g in pivot_form]
    paulix = qml.paulix_ops(ops, ham.n_qubits)
    if len(paulix) != len(ops):  # cannot happen for a pivot form; guards a PennyLane behaviour change
        raise AssertionError(f"qml.paulix_ops found {len(paulix)} qubits for {len(ops)} generators")
    h_pl = ham.to_pennylane()
    if len(h_pl.wires) != ham.n_qubits:
        # optimal_sector counts the Hamiltonian's wires to build the Hartree-Fock bit string.
        raise ValueError("the Hamiltonian must act on every qubit to choose the Hartree-Fock sector")
    sector = qml.qchem.optimal_sector(h_pl, ops, n_electrons)
    return Tapering(
        n_qubits=ham.n_qubits,
        generators=tuple(pivot_form),
        removed=tuple(int(op.wires[0]) for op in paulix),
        sector=tuple(int(v) for v in sector),
    )


def taper(
    ham: Hamiltonian,
    n_symmetries: int,
    n_electrons: int,
    preferred: Sequence[str] = (),
    name: str | None = None,
) -> tuple[Hamiltonian, Tapering]:
    """Remove ``n_symmetries`` qubits from a Jordan-Wigner molecular Hamiltonian.

    Uses the first ``n_symmetries`` generators of :func:`ordered_symmetry_generators` (``preferred``
    first, e.g. :func:`number_parity_symmetries`) in the Hartree-Fock sector.

    Raises:
        ValueError: the Hamiltonian has fewer independent Z2 symmetries than ``n_symmetries``.
    """
    gens = ordered_symmetry_generators(ham, preferred)
    if not 0 <= n_symmetries <= len(gens):
        raise ValueError(
            f"cannot taper {n_symmetries} qubits: {ham.name} has {len(gens)} independent Z2 symmetries"
        )
    tap = tapering_for(ham, gens[:n_symmetries], n_electrons)
    return tap.apply(ham, name=name, metadata=ham.metadata), tap


# ---------------------------------------------------------------------- helpers


def _commutes(a: str, b: str) -> bool:
    clashes = sum(1 for x, y in zip(a, b, strict=True) if x != "I" and y != "I" and x != y)
    return clashes % 2 == 0


def _z_rows(strings: Sequence[str]) -> np.ndarray:
    """Binary (Z-part) matrix of Z-type strings."""
    if not strings:
        return np.zeros((0, 0), dtype=np.uint8)
    return np.array([[ch == "Z" for ch in s] for s in strings], dtype=np.uint8)


def _gf2_rank(strings: Sequence[str]) -> int:
    return len(_rref_high_pivots(list(strings)))


def _rref_high_pivots(strings: list[str]) -> list[str]:
    """Reduced row-echelon form over GF(2) of Z-type strings, pivots from the highest qubit down;
    zero rows dropped. Each returned string has a pivot qubit where no other one has a Z."""
    mat = _z_rows(strings)
    if mat.size == 0:
        return []
    n_rows, n_cols = mat.shape
    row = 0
    for col in range(n_cols - 1, -1, -1):
        hits = [r for r in range(row, n_rows) if mat[r, col]]
        if not hits:
            continue
        mat[[row, hits[0]]] = mat[[hits[0], row]]
        for r in range(n_rows):
            if r != row and mat[r, col]:
                mat[r] ^= mat[row]
        row += 1
        if row == n_rows:
            break
    return ["".join("Z" if b else "I" for b in r) for r in mat[:row]]


def _to_pennylane(s: str) -> Any:
    import pennylane as qml

    ops = {"X": qml.X, "Y": qml.Y, "Z": qml.Z}
    factors = [ops[ch](q) for q, ch in enumerate(s) if ch != "I"]
    if not factors:
        return qml.Identity(0)
    return factors[0] if len(factors) == 1 else qml.prod(*factors)


def _from_pennylane(op: Any, n: int) -> tuple[list[str], list[complex]]:
    """Pauli strings (character i = wire i) and coefficients of a PennyLane operator on wires 0..n-1."""
    import pennylane as qml

    ps = op.pauli_rep if getattr(op, "pauli_rep", None) is not None else qml.pauli.pauli_sentence(op)
    strings, coeffs = [], []
    for word, coeff in ps.items():
        chars = ["I"] * n
        for wire, p in word.items():
            w = int(wire)
            if not 0 <= w < n:
                raise AssertionError(f"operator acts on wire {wire}, outside 0..{n - 1}")
            chars[w] = p
        strings.append("".join(chars))
        coeffs.append(complex(coeff))
    return strings, coeffs
