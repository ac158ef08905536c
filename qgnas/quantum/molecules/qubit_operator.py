"""From active-space integrals to a qubit Hamiltonian: the fermion-to-qubit mapping, the two-qubit
reduction, electron-number sectors and Z2 tapering (conventions in :mod:`qgnas.quantum.molecules`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# the sector-restricted diagonalisation shares the Hamiltonian module's eigensolver
from qgnas.quantum.hamiltonian import Hamiltonian, lowest_eigenvalue

__all__ = [
    "fix_z_qubits",
    "hf_occupation",
    "qubit_terms",
    "sector_ground_energy",
    "sector_indices",
    "taper_jordan_wigner",
    "with_ground_energy",
]


def qubit_terms(
    e_core: float, one: np.ndarray, two: np.ndarray, mapping: str
) -> tuple[list[str], list[complex], str]:
    """Pauli strings and coefficients of the active-space operator under ``mapping``, and the
    spin-orbital order on the qubits (``"interleaved"`` for Jordan-Wigner, ``"blocked"`` for parity)."""
    import pennylane as qml

    m = one.shape[0]
    # PennyLane wants physicist-ordered two-electron integrals: two[p, q, r, s] = (ps|qr).
    fermi = qml.qchem.fermionic_observable(np.array([e_core]), one, np.swapaxes(two, 1, 3), cutoff=1e-14)
    n_modes = 2 * m
    if mapping == "jordan_wigner":
        pauli = qml.jordan_wigner(fermi, ps=True)
        order = "interleaved"
    else:
        # Blocked order: alpha p -> p, beta p -> m + p; needed so that N_alpha parity is one qubit.
        fermi = _relabel_modes(fermi, lambda k: k // 2 if k % 2 == 0 else m + k // 2)
        pauli = qml.parity_transform(fermi, n_modes, ps=True)
        order = "blocked"
    strings, coeffs = _pauli_sentence_to_strings(pauli, n_modes)
    return strings, coeffs, order


def sector_ground_energy(ham: Hamiltonian, indices: np.ndarray) -> float:
    """Lowest eigenvalue of ``ham`` restricted to the given basis states."""
    return lowest_eigenvalue(ham.to_sparse_matrix()[indices][:, indices], real=ham.has_real_matrix)


def with_ground_energy(ham: Hamiltonian, energy: float) -> Hamiltonian:
    """``ham`` with its ground energy pinned to the molecule's sector energy."""
    return Hamiltonian(
        ham.n_qubits, ham.paulis, ham.coeffs, ham.name, ground_energy=energy, metadata=ham.metadata
    )


def taper_jordan_wigner(
    strings: list[str],
    coeffs: list[complex],
    n_modes: int,
    tapered: int,
    m: int,
    n_alpha: int,
    n_beta: int,
    label: str,
    metadata: dict[str, Any],
) -> Hamiltonian:
    """Taper ``tapered`` Z2 symmetries off the (interleaved) Jordan-Wigner operator; fills metadata.

    The ground energy is taken in the molecule's electron sector (fixing the parities alone would
    admit e.g. N +- 2 states): the Jordan-Wigner number operators are tapered with the same Clifford,
    which keeps them diagonal (Z-type symmetries), and select the basis states with ``N_alpha``,
    ``N_beta`` electrons. It is checked against the untapered operator's sector energy, which also
    catches a Hartree-Fock sector that misses the ground state.
    """
    from qgnas.quantum import tapering

    full = Hamiltonian.from_pauli_strings(strings, coeffs, label, n_qubits=n_modes)
    gens = tapering.ordered_symmetry_generators(full, tapering.number_parity_symmetries(n_modes))
    if len(gens) < tapered:
        raise AssertionError(
            f"{label}: found {len(gens)} independent Z2 symmetries ({gens}), need {tapered}; "
            "fix ActiveSpace.z2_symmetries"
        )
    tap = tapering.tapering_for(full, gens[:tapered], n_alpha + n_beta)
    hf_state = tap.hf_state(n_alpha + n_beta)
    metadata["hf_state"] = hf_state
    metadata["tapering"] = {
        **tap.to_dict(),
        "all_generators": gens,
        "method": "qml.taper of the Jordan-Wigner operator, electron-number parities first, "
        "Hartree-Fock sector (qml.qchem.optimal_sector)",
    }
    ham = tap.apply(full, name=label, metadata=metadata)

    # Diagonal of the tapered number operators -> basis states of the right electron sector.
    diag = []
    for spin in (0, 1):  # interleaved: alpha modes even, beta modes odd
        modes = range(spin, n_modes, 2)
        number = Hamiltonian.from_pauli_strings(
            ["I" * n_modes] + ["I" * q + "Z" + "I" * (n_modes - q - 1) for q in modes],
            [len(modes) / 2] + [-0.5] * len(modes),
            n_qubits=n_modes,
        )
        t_number = tap.apply(number)
        if any(set(p) - set("IZ") for p in t_number.paulis):
            raise AssertionError("tapered number operator is not diagonal")
        diag.append(np.real(t_number.to_sparse_matrix().diagonal()))
    idx = np.flatnonzero((np.abs(diag[0] - n_alpha) < 1e-9) & (np.abs(diag[1] - n_beta) < 1e-9))
    energy = sector_ground_energy(ham, idx)
    full_energy = sector_ground_energy(full, sector_indices(m, n_alpha, n_beta, "jordan_wigner", False))
    if abs(energy - full_energy) > 1e-8:
        raise AssertionError(
            f"{label}: tapered ground energy {energy} != untapered {full_energy} (wrong symmetry sector?)"
        )
    return with_ground_energy(ham, energy)


def _relabel_modes(fermi: Any, new_index: Callable[[int], int]) -> Any:
    from pennylane.fermi import FermiSentence, FermiWord

    out = FermiSentence({})
    for word, coeff in fermi.items():
        new_word = FermiWord({(pos, new_index(mode)): op for (pos, mode), op in word.items()})
        out[new_word] = out.get(new_word, 0.0) + coeff
    return out


def _pauli_sentence_to_strings(pauli: Any, n: int) -> tuple[list[str], list[complex]]:
    strings, coeffs = [], []
    for word, coeff in pauli.items():
        chars = ["I"] * n
        for wire, op in word.items():
            chars[int(wire)] = op
        strings.append("".join(chars))
        coeffs.append(complex(coeff))
    return strings, coeffs


def fix_z_qubits(
    strings: list[str], coeffs: list[complex], fixed: dict[int, int]
) -> tuple[list[str], list[complex]]:
    """Replace conserved qubits (only I or Z on them) by their Z eigenvalue ``(-1)^bit`` and drop them."""
    out_s, out_c = [], []
    for s, c in zip(strings, coeffs, strict=True):
        for q, bit in fixed.items():
            if s[q] in "XY":
                raise AssertionError(f"qubit {q} is not conserved: term {s!r} acts on it with {s[q]}")
            if s[q] == "Z" and bit:
                c = -c
        out_s.append("".join(ch for q, ch in enumerate(s) if q not in fixed))
        out_c.append(c)
    return out_s, out_c


def hf_occupation(m: int, n_alpha: int, n_beta: int, order: str) -> np.ndarray:
    """Occupation (0/1) of the spin orbitals in the Hartree-Fock state, in the given orbital order."""
    alpha = np.array([1] * n_alpha + [0] * (m - n_alpha))
    beta = np.array([1] * n_beta + [0] * (m - n_beta))
    if order == "interleaved":
        return np.ravel(np.column_stack([alpha, beta]))
    return np.concatenate([alpha, beta])


def sector_indices(m: int, n_alpha: int, n_beta: int, mapping: str, reduced: bool) -> np.ndarray:
    """Basis-state indices (qubit 0 = most significant bit) with the given alpha and beta electron counts."""
    n_modes = 2 * m
    n_qubits = n_modes - (2 if reduced else 0)
    index = np.arange(1 << n_qubits)
    bits = (index[:, None] >> (n_qubits - 1 - np.arange(n_qubits))[None, :]) & 1
    if reduced:  # re-insert the fixed parity qubits
        full = np.zeros((len(index), n_modes), dtype=np.int64)
        keep = [q for q in range(n_modes) if q not in (m - 1, n_modes - 1)]
        full[:, keep] = bits
        full[:, m - 1] = n_alpha % 2
        full[:, n_modes - 1] = (n_alpha + n_beta) % 2
        bits = full
    if mapping == "parity":
        occ = bits.copy()
        occ[:, 1:] = bits[:, 1:] ^ bits[:, :-1]
        na, nb = occ[:, :m].sum(1), occ[:, m:].sum(1)
    else:
        na, nb = bits[:, 0::2].sum(1), bits[:, 1::2].sum(1)
    return np.flatnonzero((na == n_alpha) & (nb == n_beta))
