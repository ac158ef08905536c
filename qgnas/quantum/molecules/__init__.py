"""Molecular qubit Hamiltonians for the benchmark set (H2, LiH, BeH2, H2O), built offline and cached.

Pipeline (all local, nothing is downloaded):

1. PySCF restricted Hartree-Fock in the requested basis (STO-3G by default); geometries in Angstrom.
2. Frozen core + active space: the core orbitals' electrons are folded into a constant and an effective
   one-electron operator (the same integrals PySCF's ``mcscf.CASCI`` uses), so the ground energy of the
   qubit operator in the molecule's electron sector *is* the CASCI energy (FCI when nothing is frozen).
3. PennyLane qchem turns the active-space integrals into a fermionic operator
   (``qml.qchem.fermionic_observable``) and maps it to qubits (``qml.jordan_wigner`` /
   ``qml.parity_transform``).
4. Parity mapping optionally drops two qubits (the "two-qubit reduction"): with spin orbitals ordered
   all-alpha then all-beta, parity qubit ``m-1`` holds ``N_alpha mod 2`` and qubit ``2m-1`` holds
   ``N mod 2``. Both are conserved, appear only as I or Z, and are replaced by their eigenvalues in the
   Hartree-Fock state's sector. This is the tapering CRLQAS used for LiH on 4 qubits.
5. Other qubit counts below ``2 * n_active`` come from Z2-symmetry tapering of the Jordan-Wigner
   operator (:mod:`qgnas.quantum.tapering`, PennyLane's ``qml.taper``) in the Hartree-Fock sector,
   tapering the electron-number parities first: one tapered qubit (``(-1)^N``) is exactly the
   "checksum code" of CRLQAS's 3-qubit H2 (OpenFermion ``checksum_code(4, 0)``: qubits hold the
   occupations of modes 0..2, mode 3's follows from the even total parity). Further qubits use the
   molecule's remaining (spatial) Z2 symmetries, as many as ``ActiveSpace.z2_symmetries`` says exist.

Why PySCF integrals plus PennyLane mappings rather than ``qml.qchem.molecular_hamiltonian`` alone:
PennyLane only takes contiguous active spaces, but for linear molecules the contiguous choice cuts
through a degenerate pi pair (an arbitrary, orientation-dependent orbital) or spends qubits on pi
orbitals. We pick sigma orbitals instead (for LiH that is Qiskit's "remove orbitals 3 and 4" space that
CRLQAS used), which needs explicit orbital lists.

Conventions of the result (see :mod:`qgnas.quantum.hamiltonian`): character i of a Pauli string acts
on qubit i; coefficients are real and in Hartree, the nuclear repulsion and frozen-core energy
included in the identity term. Spin-orbital order on qubits: Jordan-Wigner uses PennyLane's
interleaved order (alpha0, beta0, alpha1, beta1, ...), so ``qml.qchem.hf_state`` applies; parity uses
the blocked order (alpha0..alpha_{m-1}, beta0..beta_{m-1}) that the two-qubit reduction needs.
``H.metadata["hf_state"]`` gives the Hartree-Fock basis state in either case (after tapering, the
basis state the tapering Clifford maps it to, ``qml.qchem.taper_hf``).

Every Hamiltonian is cached on disk as JSON (strings, coefficients, ground energy, metadata), keyed by
all the arguments; see :func:`default_cache_dir`.

Modules: :mod:`.catalogue` (the molecules, their active spaces and qubit counts), :mod:`.building`
(PySCF: Hartree-Fock, orbitals, integrals), :mod:`.qubit_operator` (mapping, reduction, sectors,
tapering) and :mod:`.cache` (the JSON cache); :func:`molecule` here ties them together.
"""

from __future__ import annotations

import os
from pathlib import Path

from qgnas.quantum.hamiltonian import Hamiltonian

from . import cache
from .building import build_hamiltonian as _build  # a module global, so a test can swap the builder out
from .cache import default_cache_dir
from .catalogue import (
    MOLECULE_ALIASES,
    MOLECULES,
    ActiveSpace,
    MoleculeSpec,
    QubitConfig,
    resolve_request,
    supported,
)

__all__ = [
    "MOLECULES",
    "MOLECULE_ALIASES",
    "MoleculeSpec",
    "ActiveSpace",
    "QubitConfig",
    "default_cache_dir",
    "molecule",
    "supported",
]


def molecule(
    name: str,
    bond: float | None = None,
    qubits: int | None = None,
    mapping: str | None = None,
    basis: str = "sto-3g",
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    use_cache: bool = True,
) -> Hamiltonian:
    """The qubit Hamiltonian of a molecule, with its exact ground energy.

    Args:
        name: a key of :data:`MOLECULES` (case-insensitive): ``"H2"``, ``"LiH"``, ``"BeH2"``, ``"H2O"``.
        bond: bond length in **Angstrom** (see ``MOLECULES[name].bond_meaning``); defaults to the
            molecule's equilibrium value. (PennyLane's ``molecular_hamiltonian`` would read coordinates
            in Bohr; we never hand it raw coordinates.)
        qubits: qubit count; selects the active space and how qubits are removed: ``2 * n_active``
            none, ``2 * n_active - 2`` the parity two-qubit reduction, any other count down to
            ``2 * n_active - z2_symmetries`` Z2 tapering of the Jordan-Wigner operator (e.g. H2 on 3
            qubits, CRLQAS's checksum-code Hamiltonian, or on 1 qubit). :func:`supported` lists them.
            Defaults to ``MOLECULES[name].default_qubits``.
        mapping: ``"jordan_wigner"`` (alias ``"jw"``) or ``"parity"``. Default: parity when the qubit
            count needs the two-qubit reduction, Jordan-Wigner otherwise (tapered counts need it).
        basis: Gaussian basis set name understood by PySCF. The active spaces are designed for STO-3G.
        cache_dir: directory of the JSON cache; default :func:`default_cache_dir`.
        use_cache: ``False`` rebuilds without reading or writing the cache.

    Returns:
        A :class:`~qgnas.quantum.hamiltonian.Hamiltonian` with real coefficients in Hartree whose
        ``ground_energy`` is the lowest eigenvalue within the molecule's sector (active electron
        numbers ``N_alpha = N_beta``), i.e. the CASCI energy in the active space (FCI for H2), from
        sparse diagonalisation of the qubit operator itself. ``metadata`` records the active orbitals,
        mapping, reduction or tapering (``metadata["tapering"]``: generators, removed qubits, sector),
        Hartree-Fock state and energy.

    Raises:
        ValueError: unknown molecule, unsupported (molecule, qubits) pair, bad mapping or bond.
    """
    request = resolve_request(name, bond, qubits, mapping, basis)
    key = cache.cache_key(request)
    path = cache.cache_path(Path(cache_dir) if cache_dir is not None else default_cache_dir(), key)
    if use_cache:
        cached = cache.load(path, key)
        if cached is not None:
            return cached
    ham = _build(
        request.spec,
        request.bond,
        request.space,
        request.mapping,
        request.reduced,
        request.basis,
        request.tapered,
    )
    if use_cache:
        cache.store(path, key, ham)
    return ham
