"""Qubit Hamiltonians as weighted sums of Pauli strings.

A :class:`Hamiltonian` is the one currency every quantum piece of qgnas speaks: the PTM simulator dots
the state's Pauli vector with :attr:`Hamiltonian.coeffs`, the reference backends convert it with
:meth:`Hamiltonian.to_qiskit` / :meth:`Hamiltonian.to_pennylane`, and the search environments read
:attr:`Hamiltonian.ground_energy` and :attr:`Hamiltonian.lower_bound` for rewards and curricula.

Conventions (fixed; everything else relies on them):

* A Pauli string has one character per qubit over ``"IXYZ"`` and **character i acts on qubit i**
  (PennyLane wire i). Qiskit labels are written the other way round (its rightmost character is qubit
  0), so :meth:`Hamiltonian.to_qiskit` reverses each label.
* :meth:`Hamiltonian.to_sparse_matrix` is the Kronecker product of the characters in string order, i.e.
  **qubit 0 is the most significant bit** of the basis index. That is PennyLane's
  ``qml.matrix(op, wire_order=range(n))``; Qiskit's ``Operator``/``to_matrix()`` of the converted
  operator is the same matrix with the qubit order reversed (``little_endian=True`` gives that one).

Only numpy and scipy are needed to import this module; PennyLane and Qiskit are imported inside the
methods that convert to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["Hamiltonian", "ghz_projector", "heisenberg", "maxcut", "transverse_field_ising"]

_PAULI_CHARS = "IXYZ"
# Imaginary parts up to this size (absolute, or relative to the largest coefficient) are treated as
# round-off of a Hermitian operator; anything larger means the input is not a Hamiltonian.
_IMAG_ATOL = 1e-10
# Up to this dimension the ground energy is found with a dense eigensolver (exact and fast enough);
# above it with Lanczos (scipy eigsh), which needs only matrix-vector products.
_DENSE_MAX_DIM = 256


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
        strings = list(strings)
        for k, s in enumerate(strings):
            if not isinstance(s, str):
                raise ValueError(
                    f"Pauli string #{k} is {s!r} of type {type(s).__name__}; expected a str over 'IXYZ'"
                )
        strings = [s.upper() for s in strings]
        raw = np.atleast_1d(np.asarray(list(coeffs) if not isinstance(coeffs, np.ndarray) else coeffs))
        if raw.ndim != 1:
            raise ValueError(f"coeffs must be one-dimensional, got shape {raw.shape}")
        if len(raw) != len(strings):
            raise ValueError(
                f"got {len(strings)} Pauli strings but {len(raw)} coefficients; need one per string"
            )
        if raw.dtype == object or not np.issubdtype(raw.dtype, np.number):
            for k, c in enumerate(raw):
                if not isinstance(c, int | float | complex | np.number) or isinstance(c, bool):
                    raise ValueError(f"coefficient #{k} is {c!r}; coefficients must be real numbers")
        raw = raw.astype(np.complex128)
        if not np.all(np.isfinite(raw)):
            k = int(np.flatnonzero(~np.isfinite(raw))[0])
            raise ValueError(f"coefficient #{k} ({strings[k]!r}) is {raw[k]}; coefficients must be finite")
        scale = max(1.0, float(np.max(np.abs(raw)))) if len(raw) else 1.0
        bad_imag = np.abs(raw.imag) > _IMAG_ATOL * scale
        if np.any(bad_imag):
            k = int(np.flatnonzero(bad_imag)[0])
            raise ValueError(
                f"coefficient #{k} of {strings[k]!r} is {raw[k]}: Pauli coefficients of a Hamiltonian "
                f"must be real (imaginary part at most {_IMAG_ATOL:g} relative)"
            )
        values = raw.real

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
        for k, s in enumerate(strings):
            if len(s) != n:
                raise ValueError(
                    f"Pauli string #{k} {s!r} has length {len(s)}, but the first one has length {n}; "
                    "all strings need one character per qubit"
                )
            bad = set(s) - set(_PAULI_CHARS)
            if bad:
                raise ValueError(
                    f"Pauli string #{k} {s!r} contains {''.join(sorted(bad))!r}; allowed characters are "
                    f"{_PAULI_CHARS!r}"
                )

        merged: dict[str, float] = {}
        for s, c in zip(strings, values, strict=True):
            merged[s] = merged.get(s, 0.0) + float(c)
        return cls(
            n,
            list(merged),
            np.fromiter(merged.values(), dtype=np.float64, count=len(merged)),
            name or "hamiltonian",
            metadata=metadata,
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
        n = _check_n(n, minimum=1)
        if periodic and n < 3:
            raise ValueError(f"a periodic chain needs n >= 3 qubits (got n={n}); use periodic=False")
        bonds = _chain_bonds(n, periodic)
        strings = [_pauli_on(n, {i: "Z", j: "Z"}) for i, j in bonds] + [
            _pauli_on(n, {i: "X"}) for i in range(n)
        ]
        coeffs = [-float(J)] * len(bonds) + [-float(h)] * n
        return cls.from_pauli_strings(
            strings, coeffs, f"tfim_n{n}_J{J:g}_h{h:g}" + ("_pbc" if periodic else ""), n_qubits=n
        )

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
        n = _check_n(n, minimum=2)
        if periodic and n < 3:
            raise ValueError(f"a periodic chain needs n >= 3 qubits (got n={n}); use periodic=False")
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
        name = (
            f"heisenberg_n{n}_J{jx:g},{jy:g},{jz:g}"
            + (f"_h{h:g}" if h else "")
            + ("_pbc" if periodic else "")
        )
        return cls.from_pauli_strings(strings, coeffs, name, n_qubits=n)

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
        parsed: list[tuple[int, int, float]] = []
        for e in edges:
            e = tuple(e)
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
            parsed.append((i, j, float(e[2]) if len(e) == 3 else 1.0))
        if not parsed:
            raise ValueError("maxcut needs at least one edge")
        largest = max(max(i, j) for i, j, _ in parsed)
        n = largest + 1 if n_nodes is None else int(n_nodes)
        if n <= largest:
            raise ValueError(f"n_nodes={n_nodes} but an edge uses node {largest}; need n_nodes > {largest}")
        strings = [_pauli_on(n, {i: "Z", j: "Z"}) for i, j, _ in parsed] + ["I" * n]
        coeffs = [w / 2 for _, _, w in parsed] + [-sum(w for _, _, w in parsed) / 2]
        return cls.from_pauli_strings(strings, coeffs, f"maxcut_n{n}_m{len(parsed)}", n_qubits=n)

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
        return cls.from_pauli_strings(
            strings, coeffs, f"ghz_projector_n{n}", n_qubits=n, metadata={"problem": "ghz_projector"}
        )

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
        n = self.n_qubits
        dim = 1 << n
        basis = np.arange(dim, dtype=np.int64)
        rows, cols, vals = [], [], []
        for s, c in zip(self.paulis, self.coeffs, strict=True):
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
            sign = 1.0 - 2.0 * (_popcount(basis & zmask) & 1)
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


# ---------------------------------------------------------------------- helpers


def _check_n(n: int, minimum: int) -> int:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    return int(n)


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


def _popcount(a: np.ndarray) -> np.ndarray:
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
    if dim <= _DENSE_MAX_DIM:
        return float(np.linalg.eigvalsh(mat.toarray())[0])
    from scipy.sparse.linalg import eigsh

    # A fixed start vector keeps the result reproducible run to run.
    v0 = np.random.default_rng(0).standard_normal(dim)
    vals = eigsh(mat, k=1, which="SA", v0=v0.astype(mat.dtype), tol=1e-12, maxiter=max(1000, 20 * dim))[0]
    return float(vals[0])


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
