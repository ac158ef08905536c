"""The :class:`Hamiltonian` class: a real weighted sum of Pauli strings, its properties and its
conversions (conventions in :mod:`qgnas.quantum.hamiltonian`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from .models import PauliTerms, ghz_projector_terms, heisenberg_terms, maxcut_terms, tfim_terms
from .spectrum import lowest_eigenvalue, pauli_sum_matrix
from .terms import merged_terms

__all__ = ["Hamiltonian", "ghz_projector", "heisenberg", "maxcut", "transverse_field_ising"]


class Hamiltonian:
    """A real linear combination of Pauli strings, ``H = sum_j coeffs[j] * P_j``.

    Build one with :meth:`from_pauli_strings` (or :func:`qgnas.quantum.molecule`, or one of the model
    constructors); the constructor itself assumes already validated, merged input.

    Attributes:
        n_qubits: number of qubits.
        paulis: Pauli strings of length ``n_qubits`` over ``"IXYZ"``; character i acts on qubit i.
            Each string appears once (duplicates are merged on construction); the identity term, if
            any, is ``"I" * n_qubits``.
        coeffs: real coefficients (float64, read-only), aligned with :attr:`paulis`.
        name: a human-readable label (used in logs and run directories).
        metadata: free-form facts about where the Hamiltonian came from (molecule, mapping, active
            space, ...); JSON-serialisable by convention.
    """

    def __init__(
        self,
        n_qubits: int,
        paulis: Sequence[str],
        coeffs: np.ndarray,
        name: str = "hamiltonian",
        *,
        ground_energy: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.n_qubits = int(n_qubits)
        self.paulis: list[str] = list(paulis)
        coeffs = np.array(coeffs, dtype=np.float64)
        coeffs.setflags(write=False)  # shared by reference with simulators: nobody may edit it in place
        self.coeffs: np.ndarray = coeffs
        self.name = name
        self.metadata: dict[str, Any] = dict(metadata or {})
        if ground_energy is not None:
            # A caller that knows the exact energy of the physically relevant sector (a molecule's
            # electron number) pins it here; see the ground_energy property.
            self.__dict__["ground_energy"] = float(ground_energy)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_pauli_strings(
        cls,
        strings: Iterable[str],
        coeffs: Iterable[complex] | np.ndarray,
        name: str | None = None,
        *,
        n_qubits: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Hamiltonian:
        """Build ``sum_j coeffs[j] * strings[j]`` from Pauli strings.

        Character i of each string acts on qubit i (PennyLane wire i): ``"XZI"`` is X on qubit 0, Z on
        qubit 1. Qiskit writes its labels the other way round (``SparsePauliOp("IZX")`` is the same
        operator), so do not pass Qiskit labels here unreversed.

        Lower-case letters are accepted. Repeated strings are merged by adding their coefficients
        (first-appearance order is kept), so the term list is canonical for a given operator.

        Args:
            strings: Pauli strings, all of the same length, over ``"IXYZ"``.
            coeffs: one real coefficient per string. Complex numbers are accepted only if their
                imaginary part is round-off (a Hermitian operator has real Pauli coefficients).
            name: label; defaults to ``"hamiltonian"``.
            n_qubits: needed only when ``strings`` is empty; checked against the strings otherwise.
            metadata: optional provenance dictionary.

        Raises:
            ValueError: on an unknown Pauli character, strings of different lengths, a count mismatch
                between strings and coefficients, a non-finite or genuinely complex coefficient.
        """
        n, paulis, values = merged_terms(strings, coeffs, n_qubits)
        return cls(n, paulis, values, name or "hamiltonian", metadata=metadata)

    @classmethod
    def _from_terms(cls, terms: PauliTerms) -> Hamiltonian:
        return cls.from_pauli_strings(
            terms.strings, terms.coeffs, terms.name, n_qubits=terms.n_qubits, metadata=terms.metadata
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hamiltonian:
        """Inverse of :meth:`to_dict` (used by the on-disk cache)."""
        ham = cls.from_pauli_strings(
            data["paulis"],
            data["coeffs"],
            data.get("name"),
            n_qubits=data["n_qubits"],
            metadata=data.get("metadata"),
        )
        if data.get("ground_energy") is not None:
            ham.__dict__["ground_energy"] = float(data["ground_energy"])
        return ham

    def to_dict(self, include_ground_energy: bool = True) -> dict[str, Any]:
        """A JSON-serialisable description (strings, coefficients, name, metadata)."""
        out: dict[str, Any] = {
            "n_qubits": self.n_qubits,
            "paulis": list(self.paulis),
            "coeffs": [float(c) for c in self.coeffs],
            "name": self.name,
            "metadata": self.metadata,
        }
        if include_ground_energy and "ground_energy" in self.__dict__:
            out["ground_energy"] = float(self.__dict__["ground_energy"])
        return out

    # ------------------------------------------------------------------ model Hamiltonians

    @classmethod
    def transverse_field_ising(
        cls, n: int, J: float = 1.0, h: float = 1.0, periodic: bool = False
    ) -> Hamiltonian:
        """Transverse-field Ising chain ``H = -J sum_i Z_i Z_{i+1} - h sum_i X_i``.

        The minus signs make ``J > 0`` ferromagnetic and put the critical point at ``J = h`` (the usual
        benchmark). ``periodic`` adds the bond (n-1, 0); it needs ``n >= 3`` so that it is a new bond.
        """
        return cls._from_terms(tfim_terms(n, J, h, periodic))

    @classmethod
    def heisenberg(
        cls,
        n: int,
        J: float | Sequence[float] = (1.0, 1.0, 1.0),
        h: float = 0.0,
        periodic: bool = False,
    ) -> Hamiltonian:
        """Heisenberg (XYZ) chain ``H = sum_bonds (Jx XX + Jy YY + Jz ZZ) + h sum_i Z_i``.

        ``J`` is one number (isotropic XXX) or ``(Jx, Jy, Jz)``; positive J is antiferromagnetic.
        ``periodic`` adds the bond (n-1, 0) and needs ``n >= 3``.
        """
        return cls._from_terms(heisenberg_terms(n, J, h, periodic))

    @classmethod
    def maxcut(
        cls,
        edges: Iterable[tuple[int, int]] | Iterable[tuple[int, int, float]],
        n_nodes: int | None = None,
    ) -> Hamiltonian:
        """Max-Cut cost Hamiltonian ``H = sum_(i,j) w_ij / 2 * (Z_i Z_j - 1)``.

        Sign convention: ``H = -cut``, so the energy of a computational basis state is minus the weight
        of the cut it defines, minimising the energy maximises the cut, and ``-ground_energy`` is the
        max-cut value. Node k is qubit k.

        Args:
            edges: pairs ``(i, j)`` (weight 1) or triples ``(i, j, w)``. Repeated edges add up.
            n_nodes: number of nodes; defaults to the largest node index + 1.
        """
        return cls._from_terms(maxcut_terms(edges, n_nodes))

    @classmethod
    def ghz_projector(cls, n: int) -> Hamiltonian:
        """The projector ``|GHZ><GHZ|`` on ``|GHZ> = (|0..0> + |1..1>) / sqrt(2)`` as a Pauli sum.

        Its expectation is the fidelity with the GHZ state, which the PTM simulator reads with the same
        dot product as any energy, so state preparation is scored by the energy code path. With
        ``|0><0| = (I + Z) / 2``, ``|1><1| = (I - Z) / 2`` and ``|0><1| = (X + iY) / 2``:

        * ``|0..0><0..0| + |1..1><1..1| = 2^(1-n) sum_{S even} Z_S`` (the odd Z-strings cancel);
        * ``|0..0><1..1| + h.c. = 2^(1-n) sum_{T even} (-1)^(|T|/2) P_T``, where ``P_T`` has Y on the
          qubits in ``T`` and X elsewhere (the odd-Y strings are imaginary and cancel with the h.c.);

        so ``P = 2^-n [sum_{S even} Z_S + sum_{T even} (-1)^(|T|/2) P_T]``: 2^n strings, all real.
        """
        return cls._from_terms(ghz_projector_terms(n))

    @classmethod
    def ghz(cls, n: int) -> Hamiltonian:
        """``H = -|GHZ><GHZ|`` (see :meth:`ghz_projector`): minimising the energy maximises the fidelity
        ``F``, the ground energy is exactly -1 (pinned, not diagonalised, so that ``E - E_ground`` is
        ``1 - F`` without eigensolver round-off), and the energy error of a state is its infidelity."""
        proj = cls.ghz_projector(n)
        ham = cls.from_pauli_strings(
            proj.paulis,
            -proj.coeffs,
            f"ghz_n{proj.n_qubits}",
            n_qubits=proj.n_qubits,
            metadata={"problem": "ghz"},
        )
        ham.__dict__["ground_energy"] = -1.0
        return ham

    def diagonal_levels(self, decimals: int = 9) -> np.ndarray:
        """The distinct eigenvalues (ascending) of a diagonal Hamiltonian (only I and Z in its strings),
        read off the matrix diagonal; values equal to ``decimals`` places are one level. Raises
        ValueError for a Hamiltonian with X or Y terms, whose diagonal is not its spectrum."""
        off = [s for s in self.paulis if set(s) - set("IZ")]
        if off:
            raise ValueError(
                f"{self.name} is not diagonal (term {off[0]!r} has X or Y); diagonal_levels needs only "
                "I and Z terms"
            )
        return np.unique(np.round(self.to_sparse_matrix().diagonal().real, decimals))

    # ------------------------------------------------------------------ properties

    @property
    def n_terms(self) -> int:
        """Number of distinct Pauli strings (identity included)."""
        return len(self.paulis)

    def __len__(self) -> int:
        return self.n_terms

    @property
    def constant(self) -> float:
        """Coefficient of the identity term (0.0 if there is none)."""
        ident = "I" * self.n_qubits
        for s, c in zip(self.paulis, self.coeffs, strict=True):
            if s == ident:
                return float(c)
        return 0.0

    @property
    def lower_bound(self) -> float:
        """``-sum_j |c_j|`` over **all** coefficients, the identity term's included.

        This is the bound CRLQAS uses as its curriculum's ``mu`` (every Pauli string has eigenvalues
        +-1, so no state goes below it). It is looser than ``constant - sum_{j != I} |c_j|`` when the
        identity coefficient is positive; we keep the paper's definition so its thresholds carry over.
        """
        return -float(np.sum(np.abs(self.coeffs)))

    @cached_property
    def min_eigenvalue(self) -> float:
        """Lowest eigenvalue of the operator on the full 2^n-dimensional qubit space."""
        return lowest_eigenvalue(self.to_sparse_matrix(), real=self.has_real_matrix)

    @cached_property
    def ground_energy(self) -> float:
        """Exact ground energy (Ha for molecules).

        By default the lowest eigenvalue on the whole qubit space (dense diagonalisation up to
        dimension 256, Lanczos via ``scipy.sparse.linalg.eigsh`` above). Molecular Hamiltonians from
        :func:`qgnas.quantum.molecule` instead carry the lowest energy with the molecule's electron
        number and spin projection (the FCI / CASCI energy), computed the same way in that sector,
        because JW operators also contain ions whose energy can be lower; :attr:`min_eigenvalue`
        always gives the unrestricted value.
        """
        return self.min_eigenvalue

    @property
    def has_real_matrix(self) -> bool:
        """Whether the matrix is real: Y carries a factor i, so strings with an even number of Ys are real."""
        return all(s.count("Y") % 2 == 0 for s in self.paulis)

    # ------------------------------------------------------------------ conversions

    def to_sparse_matrix(self, little_endian: bool = False) -> sp.csr_matrix:
        """The 2^n x 2^n matrix (complex128, CSR).

        Args:
            little_endian: ``False`` (default): qubit 0 is the most significant bit of the basis index,
                i.e. ``kron(P_0, P_1, ..., P_{n-1})``, as PennyLane's
                ``qml.matrix(..., wire_order=range(n))``.
                ``True``: qubit 0 is the least significant bit, as Qiskit's ``to_matrix()`` of
                :meth:`to_qiskit`.
        """
        return pauli_sum_matrix(self.paulis, self.coeffs, self.n_qubits, little_endian)

    def to_pennylane(self) -> Any:
        """A PennyLane Hamiltonian (``qml.Hamiltonian``, a ``LinearCombination``) on wires 0..n-1."""
        import pennylane as qml

        ops = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}
        observables = []
        for s in self.paulis:
            factors = [ops[ch](q) for q, ch in enumerate(s) if ch != "I"]
            if not factors:
                observables.append(qml.Identity(0))
            elif len(factors) == 1:
                observables.append(factors[0])
            else:
                observables.append(qml.prod(*factors))
        return qml.Hamiltonian([float(c) for c in self.coeffs], observables)

    def to_qiskit(self) -> Any:
        """A ``qiskit.quantum_info.SparsePauliOp``; each label is our string reversed (Qiskit's qubit 0
        is the rightmost character)."""
        from qiskit.quantum_info import SparsePauliOp

        return SparsePauliOp(
            [s[::-1] for s in self.paulis], coeffs=np.asarray(self.coeffs, dtype=np.complex128)
        )

    # ------------------------------------------------------------------ misc

    def __repr__(self) -> str:
        return f"Hamiltonian(name={self.name!r}, n_qubits={self.n_qubits}, n_terms={self.n_terms})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hamiltonian):
            return NotImplemented
        return self.n_qubits == other.n_qubits and dict(
            zip(self.paulis, self.coeffs.tolist(), strict=True)
        ) == dict(zip(other.paulis, other.coeffs.tolist(), strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable-by-convention container, compared by value


# ---------------------------------------------------------------------- module-level aliases


def transverse_field_ising(n: int, J: float = 1.0, h: float = 1.0, periodic: bool = False) -> Hamiltonian:
    """Module-level alias of :meth:`Hamiltonian.transverse_field_ising`."""
    return Hamiltonian.transverse_field_ising(n, J=J, h=h, periodic=periodic)


def heisenberg(
    n: int, J: float | Sequence[float] = (1.0, 1.0, 1.0), h: float = 0.0, periodic: bool = False
) -> Hamiltonian:
    """Module-level alias of :meth:`Hamiltonian.heisenberg`."""
    return Hamiltonian.heisenberg(n, J=J, h=h, periodic=periodic)


def maxcut(
    edges: Iterable[tuple[int, int]] | Iterable[tuple[int, int, float]], n_nodes: int | None = None
) -> Hamiltonian:
    """Module-level alias of :meth:`Hamiltonian.maxcut`."""
    return Hamiltonian.maxcut(edges, n_nodes=n_nodes)


def ghz_projector(n: int) -> Hamiltonian:
    """Module-level alias of :meth:`Hamiltonian.ghz_projector`."""
    return Hamiltonian.ghz_projector(n)
