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
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from qgnas.quantum.hamiltonian import Hamiltonian, _lowest_eigenvalue

__all__ = [
    "MOLECULES",
    "MoleculeSpec",
    "ActiveSpace",
    "QubitConfig",
    "default_cache_dir",
    "molecule",
    "supported",
]

# Bump when anything that changes the numbers in a cached file changes.
_CACHE_VERSION = 1
# Bump when the choice or order of the tapered Z2 symmetries changes (only tapered entries use it).
_TAPERING_VERSION = 1
_MAPPINGS = {"jordan_wigner": "jordan_wigner", "jw": "jordan_wigner", "parity": "parity"}

Geometry = list[tuple[str, tuple[float, float, float]]]


@dataclass(frozen=True)
class ActiveSpace:
    """Which orbitals are frozen and which are active.

    Attributes:
        n_core: lowest-energy spatial orbitals kept doubly occupied (frozen core).
        n_active: active spatial orbitals; the qubit count is ``2 * n_active`` (JW or parity) or
            ``2 * n_active - 2`` (parity with the two-qubit reduction).
        n_electrons: active electrons (the rest of the molecule's electrons sit in the core).
        skip_pi: for molecules on the z axis, choose the active virtual orbitals among the sigma
            orbitals only (pi orbitals come in degenerate pairs, so a contiguous space would pick one of
            a pair arbitrarily).
        note: one line for the table and the docs.
        z2_symmetries: independent Pauli Z2 symmetries of the Jordan-Wigner operator (found by
            ``qml.symmetry_generators``; at least the two electron-number parities). Qubit counts
            ``2 * n_active - t`` for ``t = 1 .. z2_symmetries`` (other than the two-qubit reduction's
            ``2 * n_active - 2``) are built by tapering ``t`` of them; checked when building.
    """

    n_core: int
    n_active: int
    n_electrons: int
    skip_pi: bool = False
    note: str = ""
    z2_symmetries: int = 2


class QubitConfig(NamedTuple):
    """How a qubit count is reached for a molecule: active space, two-qubit reduction (parity mapping)
    or number of Z2 symmetries tapered from the Jordan-Wigner operator (0 for neither)."""

    space: ActiveSpace
    reduced: bool
    tapered: int


@dataclass(frozen=True)
class MoleculeSpec:
    """A supported molecule: geometry as a function of the bond length, and its active spaces."""

    name: str
    geometry: Callable[[float], Geometry]
    default_bond: float
    active_spaces: tuple[ActiveSpace, ...]
    bond_meaning: str
    charge: int = 0
    spin: int = 0  # 2S; only closed shells are supported (RHF reference, na == nb)
    default_qubits: int = 4
    references: dict[float, float] = field(default_factory=dict)  # bond -> full-space FCI (Ha)

    def configs(self) -> dict[int, QubitConfig]:
        """qubit count -> how it is built (active space, two-qubit reduction, tapered symmetries)."""
        out: dict[int, QubitConfig] = {}
        for space in self.active_spaces:
            full = 2 * space.n_active
            out.setdefault(full, QubitConfig(space, False, 0))
            out.setdefault(full - 2, QubitConfig(space, True, 0))
            for t in range(1, space.z2_symmetries + 1):
                if full - t >= 1:
                    out.setdefault(full - t, QubitConfig(space, False, t))
        return out


def _diatomic(a: str, b: str) -> Callable[[float], Geometry]:
    def geometry(bond: float) -> Geometry:
        return [(a, (0.0, 0.0, 0.0)), (b, (0.0, 0.0, bond))]

    return geometry


def _beh2(bond: float) -> Geometry:
    return [("Be", (0.0, 0.0, 0.0)), ("H", (0.0, 0.0, -bond)), ("H", (0.0, 0.0, bond))]


_H2O_ANGLE_DEG = 104.48


def _h2o(bond: float) -> Geometry:
    half = math.radians(_H2O_ANGLE_DEG) / 2
    x, z = bond * math.sin(half), bond * math.cos(half)
    return [("O", (0.0, 0.0, 0.0)), ("H", (x, 0.0, z)), ("H", (-x, 0.0, z))]


MOLECULES: dict[str, MoleculeSpec] = {
    "H2": MoleculeSpec(
        name="H2",
        geometry=_diatomic("H", "H"),
        default_bond=0.7414,
        bond_meaning="H-H distance",
        active_spaces=(ActiveSpace(0, 2, 2, note="full space: 2 electrons in 2 orbitals", z2_symmetries=3),),
        default_qubits=4,
        references={0.7414: -1.1372702, 0.735: -1.1373060},
    ),
    "LiH": MoleculeSpec(
        name="LiH",
        geometry=_diatomic("Li", "H"),
        default_bond=1.5949,
        bond_meaning="Li-H distance",
        active_spaces=(
            ActiveSpace(
                1,
                3,
                2,
                skip_pi=True,
                note="Li 1s frozen; 2 electrons in the 3 lowest sigma orbitals (pi pair removed), as CRLQAS",
                z2_symmetries=2,
            ),
        ),
        default_qubits=4,
        references={1.5949: -7.8824034},
    ),
    "BeH2": MoleculeSpec(
        name="BeH2",
        geometry=_beh2,
        default_bond=1.3264,
        bond_meaning="Be-H distance (linear H-Be-H)",
        active_spaces=(
            ActiveSpace(
                1,
                3,
                4,
                skip_pi=True,
                note="Be 1s frozen; 4 electrons in the 2 occupied sigma orbitals + lowest sigma virtual",
                z2_symmetries=3,
            ),
        ),
        default_qubits=6,
        references={1.3264: -15.5951769},
    ),
    "H2O": MoleculeSpec(
        name="H2O",
        geometry=_h2o,
        default_bond=0.9578,
        bond_meaning=f"O-H distance (H-O-H angle {_H2O_ANGLE_DEG} deg)",
        active_spaces=(
            ActiveSpace(
                3,
                4,
                4,
                note="3 lowest orbitals frozen; 4 electrons in HOMO-1, HOMO, LUMO, LUMO+1",
                z2_symmetries=4,
            ),
        ),
        default_qubits=8,
        references={0.9578: -75.0125859},
    ),
}
_NAME_LOOKUP = {k.lower(): k for k in MOLECULES} | {"water": "H2O", "hydrogen": "H2"}


def supported() -> list[tuple[str, int, str]]:
    """All supported ``(name, qubits, mapping)`` combinations."""
    return [(name, q, how) for name, spec in MOLECULES.items() for q, how in _describe(spec)]


def default_cache_dir() -> Path:
    """``$QGNAS_CACHE/hamiltonians`` if the variable is set, else ``~/.cache/qgnas/hamiltonians``."""
    root = os.environ.get("QGNAS_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "qgnas") / "hamiltonians"


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
    key = _NAME_LOOKUP.get(str(name).lower())
    if key is None:
        raise ValueError(f"unknown molecule {name!r}; supported molecules: {', '.join(MOLECULES)}")
    spec = MOLECULES[key]
    bond = spec.default_bond if bond is None else bond
    if not isinstance(bond, int | float | np.floating) or isinstance(bond, bool) or not (0 < bond < 50):
        raise ValueError(f"bond={bond!r} must be a distance in Angstrom between 0 and 50")
    bond = float(bond)
    qubits = spec.default_qubits if qubits is None else qubits
    configs = spec.configs()
    if qubits not in configs:
        options = "; ".join(f"{q} ({how})" for q, how in _describe(spec))
        raise ValueError(f"{key} is not supported on qubits={qubits!r}; supported qubit counts: {options}")
    space, reduced, tapered = configs[qubits]
    if mapping is None:
        mapping = "parity" if reduced else "jordan_wigner"
    resolved = _MAPPINGS.get(str(mapping).lower())
    if resolved is None:
        raise ValueError(f"unknown mapping {mapping!r}; allowed: 'jordan_wigner' (or 'jw'), 'parity'")
    if reduced and resolved != "parity":
        raise ValueError(
            f"{key} on {qubits} qubits needs the parity mapping with the two-qubit reduction, "
            f"not {mapping!r}; Jordan-Wigner gives {qubits + 2} qubits"
        )
    if tapered and resolved != "jordan_wigner":
        raise ValueError(
            f"{key} on {qubits} qubits is the Jordan-Wigner operator with {tapered} Z2 symmetr"
            f"{'y' if tapered == 1 else 'ies'} tapered, not {mapping!r}; use mapping='jordan_wigner' (or None)"
        )
    basis = str(basis).lower()

    args = {
        "name": key,
        "bond": bond,
        "qubits": int(qubits),
        "mapping": resolved,
        "basis": basis,
        "version": _CACHE_VERSION,
    }
    if tapered:  # only tapered entries carry the key, so the other cache files keep their names
        args["tapering"] = f"z2-{tapered}-v{_TAPERING_VERSION}"
    path = _cache_path(Path(cache_dir) if cache_dir is not None else default_cache_dir(), args)
    if use_cache and path.exists():
        try:
            data = json.loads(path.read_text())
            if data.get("args") == args:
                return Hamiltonian.from_dict(data["hamiltonian"])
        except (OSError, ValueError, KeyError) as err:  # a corrupt file is rebuilt, never fatal
            warnings.warn(f"ignoring unreadable Hamiltonian cache file {path}: {err}", stacklevel=2)

    ham = _build(spec, bond, space, resolved, reduced, basis, tapered)
    if use_cache:
        _write_json(path, {"args": args, "hamiltonian": ham.to_dict()})
    return ham


# ---------------------------------------------------------------------- building


def _describe(spec: MoleculeSpec) -> list[tuple[int, str]]:
    out = []
    for q, (_, red, tapered) in sorted(spec.configs().items()):
        if red:
            how = "parity + two-qubit reduction"
        elif tapered:
            how = f"jordan_wigner + {tapered} Z2 symmetr{'y' if tapered == 1 else 'ies'} tapered"
        else:
            how = "jordan_wigner or parity"
        out.append((q, how))
    return out


def _select_orbitals(mol: Any, mf: Any, space: ActiveSpace) -> tuple[list[int], list[int]]:
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


def _active_integrals(
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


def _build(
    spec: MoleculeSpec,
    bond: float,
    space: ActiveSpace,
    mapping: str,
    reduced: bool,
    basis: str,
    tapered: int = 0,
) -> Hamiltonian:
    try:
        from pyscf import gto, scf
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("building molecular Hamiltonians needs PySCF: pip install 'pyscf>=2.5'") from err
    import pennylane as qml

    mol = gto.M(
        atom=spec.geometry(bond), basis=basis, charge=spec.charge, spin=spec.spin, unit="Angstrom", verbose=0
    )
    mf = scf.RHF(mol)
    mf.conv_tol = 1e-12
    mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"RHF did not converge for {spec.name} at {bond} A in {basis}")
    core, active = _select_orbitals(mol, mf, space)
    e_core, one, two = _active_integrals(mol, mf, core, active)
    m = len(active)
    n_alpha = n_beta = space.n_electrons // 2

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

    occupation = _hf_occupation(m, n_alpha, n_beta, order)
    if mapping == "parity":
        bits = np.cumsum(occupation) % 2
    else:
        bits = occupation
    removed: list[int] = []
    if reduced:
        removed = [m - 1, 2 * m - 1]
        fixed = {q: int(bits[q]) for q in removed}
        strings, coeffs = _fix_z_qubits(strings, coeffs, fixed)
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
        ham = _taper(strings, coeffs, n_modes, tapered, m, n_alpha, n_beta, label, metadata)
        hf_state = metadata["hf_state"]
    else:
        ham = Hamiltonian.from_pauli_strings(strings, coeffs, label, n_qubits=n_qubits, metadata=metadata)
        idx = _sector_indices(m, n_alpha, n_beta, mapping, reduced)
        mat = ham.to_sparse_matrix()[idx][:, idx]
        ham.__dict__["ground_energy"] = _lowest_eigenvalue(mat, real=ham._is_real_matrix())
    hf_index = int("".join(map(str, hf_state)), 2)
    e_hf_qubit = float(ham.to_sparse_matrix()[hf_index, hf_index].real)
    if abs(e_hf_qubit - mf.e_tot) > 1e-7:  # cheap end-to-end check of integrals, mapping and reduction
        raise AssertionError(f"HF energy from the qubit operator {e_hf_qubit} != PySCF's {mf.e_tot}")
    return ham


def _taper(
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
    mat = ham.to_sparse_matrix()[idx][:, idx]
    energy = _lowest_eigenvalue(mat, real=ham._is_real_matrix())

    full_idx = _sector_indices(m, n_alpha, n_beta, "jordan_wigner", False)
    full_energy = _lowest_eigenvalue(
        full.to_sparse_matrix()[full_idx][:, full_idx], real=full._is_real_matrix()
    )
    if abs(energy - full_energy) > 1e-8:
        raise AssertionError(
            f"{label}: tapered ground energy {energy} != untapered {full_energy} (wrong symmetry sector?)"
        )
    ham.__dict__["ground_energy"] = energy
    return ham


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


def _fix_z_qubits(
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


def _hf_occupation(m: int, n_alpha: int, n_beta: int, order: str) -> np.ndarray:
    alpha = np.array([1] * n_alpha + [0] * (m - n_alpha))
    beta = np.array([1] * n_beta + [0] * (m - n_beta))
    if order == "interleaved":
        return np.ravel(np.column_stack([alpha, beta]))
    return np.concatenate([alpha, beta])


def _sector_indices(m: int, n_alpha: int, n_beta: int, mapping: str, reduced: bool) -> np.ndarray:
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


# ---------------------------------------------------------------------- cache


def _cache_path(directory: Path, args: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    stem = f"{args['name']}_{args['bond']!r}A_{args['qubits']}q_{args['mapping']}_{args['basis']}"
    stem = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in stem)
    return directory / f"{stem}_{digest}.json"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic write (temp file + rename), so parallel runs never read a half-written file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError as err:
        warnings.warn(f"could not write Hamiltonian cache {path}: {err}", stacklevel=3)
