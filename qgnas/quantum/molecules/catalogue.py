"""The supported molecules: geometries, active spaces and the qubit counts each can be built on, and the
check of a user's request against them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from qgnas.core.registry import Registry

__all__ = [
    "MAPPINGS",
    "MOLECULES",
    "MOLECULE_ALIASES",
    "ActiveSpace",
    "MoleculeRequest",
    "MoleculeSpec",
    "QubitConfig",
    "describe_configs",
    "resolve_request",
    "supported",
]

#: fermion-to-qubit mappings: canonical name -> itself, so that ``MAPPINGS[spelling]`` is the canonical name
MAPPINGS: Registry[str] = Registry(
    "mapping", {"jordan_wigner": "jordan_wigner", "parity": "parity"}, {"jw": "jordan_wigner"}
)

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


_SPECS = (
    MoleculeSpec(
        name="H2",
        geometry=_diatomic("H", "H"),
        default_bond=0.7414,
        bond_meaning="H-H distance",
        active_spaces=(ActiveSpace(0, 2, 2, note="full space: 2 electrons in 2 orbitals", z2_symmetries=3),),
        default_qubits=4,
    ),
    MoleculeSpec(
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
    ),
    MoleculeSpec(
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
    ),
    MoleculeSpec(
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
    ),
)
_ALIASES = {"water": "H2O", "hydrogen": "H2"}
#: name -> molecule; a lookup ignores case and punctuation and accepts the aliases ("water")
MOLECULES: Registry[MoleculeSpec] = Registry("molecule", {spec.name: spec for spec in _SPECS}, _ALIASES)
#: any spelling of a molecule's name or alias -> its canonical name (the key of :data:`MOLECULES`)
MOLECULE_ALIASES: Registry[str] = Registry("molecule", {name: name for name in MOLECULES}, _ALIASES)


def supported() -> list[tuple[str, int, str]]:
    """All supported ``(name, qubits, mapping)`` combinations."""
    return [(name, q, how) for name, spec in MOLECULES.items() for q, how in describe_configs(spec)]


def describe_configs(spec: MoleculeSpec) -> list[tuple[int, str]]:
    """``(qubits, how)`` for every qubit count of a molecule, in increasing order."""
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


class MoleculeRequest(NamedTuple):
    """A checked request for a molecule's Hamiltonian: catalogue entry, bond (Angstrom), qubit count,
    how that count is reached, canonical mapping and lower-case basis name."""

    spec: MoleculeSpec
    bond: float
    qubits: int
    space: ActiveSpace
    reduced: bool
    tapered: int
    mapping: str
    basis: str


def resolve_request(
    name: str, bond: float | None, qubits: int | None, mapping: str | None, basis: str
) -> MoleculeRequest:
    """Check the arguments of :func:`qgnas.quantum.molecules.molecule` and fill in the defaults."""
    key = MOLECULES.resolve(name)
    spec = MOLECULES[key]
    bond = spec.default_bond if bond is None else bond
    if not isinstance(bond, int | float | np.floating) or isinstance(bond, bool) or not (0 < bond < 50):
        raise ValueError(f"bond={bond!r} must be a distance in Angstrom between 0 and 50")
    qubits = spec.default_qubits if qubits is None else qubits
    configs = spec.configs()
    if qubits not in configs:
        options = "; ".join(f"{q} ({how})" for q, how in describe_configs(spec))
        raise ValueError(f"{key} is not supported on qubits={qubits!r}; supported qubit counts: {options}")
    space, reduced, tapered = configs[qubits]
    if mapping is None:
        mapping = "parity" if reduced else "jordan_wigner"
    resolved = MAPPINGS.resolve(mapping)
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
    return MoleculeRequest(
        spec, float(bond), int(qubits), space, reduced, tapered, resolved, str(basis).lower()
    )
