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
tapering), :mod:`.cache` (the JSON cache) and :mod:`.front` (:func:`molecule`, which ties them together).
"""

from __future__ import annotations

from .cache import default_cache_dir
from .catalogue import (
    MOLECULE_ALIASES,
    MOLECULES,
    ActiveSpace,
    MoleculeSpec,
    QubitConfig,
    supported,
)
from .front import molecule

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
