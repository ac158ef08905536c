"""Building a molecule's qubit Hamiltonian with PySCF: Hartree-Fock, the frozen core and active
orbitals, their integrals, then the qubit operator and its exact ground energy in the molecule's sector.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgnas.quantum.hamiltonian import Hamiltonian

from .catalogue import ActiveSpace, MoleculeSpec
from .qubit_operator import (
    fix_z_qubits,
    hf_occupation,
    qubit_terms,
    sector_ground_energy,
    sector_indices,
    taper_jordan_wigner,
    with_ground_energy,
)

__all__ = ["active_integrals", "build_hamiltonian", "select_orbitals"]


def build_hamiltonian(
    spec: MoleculeSpec,
    bond: float,
    space: ActiveSpace,
    mapping: str,
    reduced: bool,
    basis: str,
    tapered: int = 0,
) -> Hamiltonian:
    """The qubit Hamiltonian of ``spec`` at ``bond`` Angstrom on ``space``, mapped with ``mapping``
    (canonical name), with the two-qubit reduction or ``tapered`` Z2 symmetries removed; its
    ``ground_energy`` is the lowest energy with the active space's electrons (CASCI)."""
    mol, mf = _hartree_fock(spec, bond, basis)
    core, active = select_orbitals(mol, mf, space)
    e_core, one, two = active_integrals(mol, mf, core, active)
    m = len(active)
    n_alpha = n_beta = space.n_electrons // 2
    strings, coeffs, order = qubit_terms(e_core, one, two, mapping)
    n_modes = 2 * m

    occupation = hf_occupation(m, n_alpha, n_beta, order)
    bits = np.cumsum(occupation) % 2 if mapping == "parity" else occupation
    removed: list[int] = []
    if reduced:
        removed = [m - 1, 2 * m - 1]
        strings, coeffs = fix_z_qubits(strings, coeffs, {q: int(bits[q]) for q in removed})
    hf_state = [int(b) for q, b in enumerate(bits) if q not in removed]

    n_qubits = n_modes - len(removed) - tapered
    label = f"{spec.name}_{bond:g}A_{n_qubits}q_{mapping}" + ("_reduced" if reduced else "")
    if tapered:
        label += f"_tapered{tapered}"
    metadata: dict[str, Any] = {
        "molecule": spec.name,
        "bond_angstrom": bond,
        "bond_meaning": spec.bond_meaning,
        "basis": basis,
        "geometry_angstrom": [[s, list(xyz)] for s, xyz in spec.geometry(bond)],
        "core_orbitals": core,
        "active_orbitals": active,
        "active_electrons": space.n_electrons,
        "active_space_note": space.note,
        "mapping": mapping,
        "two_qubit_reduction": reduced,
        "spin_orbital_order": order,
        "hf_state": hf_state,
        "hf_energy": float(mf.e_tot),
        "nuclear_repulsion": float(mf.energy_nuc()),
        "ground_energy_sector": {"n_alpha": n_alpha, "n_beta": n_beta},
    }
    if tapered:
        ham = taper_jordan_wigner(strings, coeffs, n_modes, tapered, m, n_alpha, n_beta, label, metadata)
        hf_state = metadata["hf_state"]
    else:
        ham = Hamiltonian.from_pauli_strings(strings, coeffs, label, n_qubits=n_qubits, metadata=metadata)
        ham = with_ground_energy(
            ham, sector_ground_energy(ham, sector_indices(m, n_alpha, n_beta, mapping, reduced))
        )
    hf_index = int("".join(map(str, hf_state)), 2)
    e_hf_qubit = float(ham.to_sparse_matrix()[hf_index, hf_index].real)
    if abs(e_hf_qubit - mf.e_tot) > 1e-7:  # cheap end-to-end check of integrals, mapping and reduction
        raise AssertionError(f"HF energy from the qubit operator {e_hf_qubit} != PySCF's {mf.e_tot}")
    return ham


def _hartree_fock(spec: MoleculeSpec, bond: float, basis: str) -> tuple[Any, Any]:
    """PySCF's molecule and converged restricted Hartree-Fock solution."""
    try:
        from pyscf import gto, scf
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("building molecular Hamiltonians needs PySCF: pip install 'pyscf>=2.5'") from err

    mol = gto.M(
        atom=spec.geometry(bond), basis=basis, charge=spec.charge, spin=spec.spin, unit="Angstrom", verbose=0
    )
    mf = scf.RHF(mol)
    mf.conv_tol = 1e-12
    mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"RHF did not converge for {spec.name} at {bond} A in {basis}")
    return mol, mf


def select_orbitals(mol: Any, mf: Any, space: ActiveSpace) -> tuple[list[int], list[int]]:
    """Core and active MO indices (energy order), skipping pi orbitals among the virtuals if asked."""
    n_mo = mf.mo_coeff.shape[1]
    n_occ = mol.nelectron // 2
    core = list(range(space.n_core))
    n_active_occ = space.n_electrons // 2
    if space.n_core + n_active_occ != n_occ:
        raise AssertionError(f"active space {space} does not match {mol.nelectron} electrons")
    active = list(range(space.n_core, n_occ))
    candidates = list(range(n_occ, n_mo))
    if space.skip_pi:
        labels = mol.ao_labels()
        pi_ao = [i for i, lab in enumerate(labels) if lab.rstrip().endswith(("px", "py"))]
        c = mf.mo_coeff
        weight = np.sum(c[pi_ao, :] ** 2, axis=0) / np.sum(c**2, axis=0)
        if np.any(weight[active] > 1e-6):
            raise AssertionError("an occupied active orbital has pi character; molecule not on the z axis?")
        candidates = [p for p in candidates if weight[p] < 1e-6]
    need = space.n_active - len(active)
    if need > len(candidates):
        raise ValueError(
            f"basis has too few suitable virtual orbitals for the {space.n_active}-orbital space"
        )
    return core, active + candidates[:need]


def active_integrals(
    mol: Any, mf: Any, core: list[int], active: list[int]
) -> tuple[float, np.ndarray, np.ndarray]:
    """Frozen-core constant, effective one-electron and chemist-notation two-electron integrals."""
    from pyscf import ao2mo

    c = mf.mo_coeff
    h_ao = mf.get_hcore()
    e_nuc = float(mf.energy_nuc())
    if core:
        # Core density -> its Coulomb/exchange field, exactly as mcscf.CASCI.get_h1eff does it.
        cc = c[:, core]
        dm_core = 2.0 * cc @ cc.T
        vj, vk = mf.get_jk(mol, dm_core)
        veff = vj - 0.5 * vk
        e_core = e_nuc + float(np.einsum("ij,ji->", dm_core, h_ao + 0.5 * veff))
        h_eff_ao = h_ao + veff
    else:
        e_core, h_eff_ao = e_nuc, h_ao
    ca = c[:, active]
    one = ca.T @ h_eff_ao @ ca
    m = len(active)
    two = ao2mo.restore(1, ao2mo.full(mol, ca, compact=True), m)  # (pq|rs), chemist order
    return e_core, one, two
