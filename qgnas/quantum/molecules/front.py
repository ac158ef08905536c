"""The front door of the package: :func:`molecule` checks a request against the catalogue, answers it
from the on-disk cache when it can, and builds (then caches) the Hamiltonian otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from qgnas.quantum.hamiltonian import Hamiltonian

from . import cache
from .building import build_hamiltonian
from .cache import default_cache_dir
from .catalogue import resolve_request

__all__ = ["molecule"]


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
        name: a name of :data:`~.catalogue.MOLECULES` (``"H2"``, ``"LiH"``, ``"BeH2"``, ``"H2O"``) or an
            alias (``"water"``), in any case and punctuation.
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
    ham = build_hamiltonian(
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
