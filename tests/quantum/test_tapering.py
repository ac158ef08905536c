"""Z2 tapering (qgnas.quantum.tapering): symmetry bookkeeping and the tapered operators themselves.

References are built independently: the checksum-code Hamiltonian is the restriction of the untapered
matrix to the even-parity basis states, written out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from qgnas.quantum.hamiltonian import Hamiltonian

pytest.importorskip("pennylane")

from qgnas.quantum import tapering  # noqa: E402

# STO-3G H2 at 0.7414 A, Jordan-Wigner, interleaved spin orbitals (PennyLane's ordering); rounded
# coefficients are fine here: the tests compare operators built from the same numbers.
H2_JW = {
    "IIII": -0.09706627,
    "ZIII": 0.17141283,
    "IZII": 0.17141283,
    "IIZI": -0.22343154,
    "IIIZ": -0.22343154,
    "ZZII": 0.16868898,
    "ZIZI": 0.12062523,
    "ZIIZ": 0.16592785,
    "IZZI": 0.16592785,
    "IZIZ": 0.12062523,
    "IIZZ": 0.17441288,
    "XXYY": -0.04530262,
    "YYXX": -0.04530262,
    "XYYX": 0.04530262,
    "YXXY": 0.04530262,
}


@pytest.fixture
def h2() -> Hamiltonian:
    return Hamiltonian.from_pauli_strings(list(H2_JW), list(H2_JW.values()), "h2")


def test_pivot_form_and_rank() -> None:
    rows = tapering._rref_high_pivots(["ZZZZ", "ZIZI", "IZIZ"])  # third = product of the first two
    assert len(rows) == 2 == tapering._gf2_rank(["ZZZZ", "ZIZI", "IZIZ"])
    # every row owns a pivot qubit (highest first) where no other row has a Z
    pivots = [max(i for i, ch in enumerate(r) if ch == "Z") for r in rows]
    assert pivots == [3, 2]
    for r, p in zip(rows, pivots, strict=True):
        assert all(other[p] == "I" for other in rows if other is not r)
    assert tapering._rref_high_pivots([]) == []


def test_number_parities() -> None:
    assert tapering.number_parity_symmetries(4) == ["ZZZZ", "ZIZI"]
    assert tapering.number_parity_symmetries(4, "blocked") == ["ZZZZ", "ZZII"]
    with pytest.raises(ValueError, match="'zigzag'"):
        tapering.number_parity_symmetries(4, "zigzag")


def test_ordered_generators_put_number_parities_first(h2) -> None:
    group = tapering.symmetry_generators(h2)
    assert len(group) == 3 and all(set(g) <= set("IZ") for g in group)
    ordered = tapering.ordered_symmetry_generators(h2, tapering.number_parity_symmetries(4))
    assert ordered[:2] == ["ZZZZ", "ZIZI"]
    assert tapering._gf2_rank(ordered) == 3 == tapering._gf2_rank(ordered + group)
    # a preferred string outside the group is skipped
    assert "ZIII" not in tapering.ordered_symmetry_generators(h2, ["ZIII"])


def test_one_qubit_taper_is_the_checksum_code(h2) -> None:
    """Tapering (-1)^N gives exactly H restricted to even-parity states |b0 b1 b2, b0^b1^b2>:
    OpenFermion's checksum_code(4, 0), CRLQAS's 3-qubit H2."""
    tapered, tap = tapering.taper(h2, 1, n_electrons=2, preferred=tapering.number_parity_symmetries(4))
    assert tap.generators == ("ZZZZ",) and tap.removed == (3,) and tap.sector == (1,)
    assert tap.kept == [0, 1, 2] and tapered.n_qubits == 3
    full = h2.to_sparse_matrix().toarray()
    idx = [(b << 1) | (bin(b).count("1") % 2) for b in range(8)]
    np.testing.assert_allclose(tapered.to_sparse_matrix().toarray(), full[np.ix_(idx, idx)], atol=1e-12)
    # same coefficients up to merging: the bound CRLQAS uses as mu is unchanged
    assert tapered.lower_bound == pytest.approx(h2.lower_bound, abs=1e-12)
    assert tap.hf_state(2) == [1, 1, 0]
    assert tap.to_dict()["removed_qubits"] == [3]


def test_full_taper_keeps_the_two_electron_ground_energy(h2) -> None:
    tapered, tap = tapering.taper(h2, 3, n_electrons=2, preferred=tapering.number_parity_symmetries(4))
    assert tapered.n_qubits == 1
    full = h2.to_sparse_matrix().toarray()
    two_electron = [i for i in range(16) if bin(i).count("1") == 2]
    e_ref = np.linalg.eigvalsh(full[np.ix_(two_electron, two_electron)])[0]
    assert tapered.min_eigenvalue == pytest.approx(e_ref, abs=1e-10)
    hf = int("".join(map(str, tap.hf_state(2))), 2)
    assert tapered.to_sparse_matrix()[hf, hf].real == pytest.approx(full[0b1100, 0b1100].real, abs=1e-10)


def test_zero_symmetries_is_the_identity_map(h2) -> None:
    tapered, tap = tapering.taper(h2, 0, n_electrons=2)
    assert tapered == h2 and tap.kept == [0, 1, 2, 3] and tap.hf_state(2) == [1, 1, 0, 0]


def test_errors(h2) -> None:
    with pytest.raises(ValueError, match="cannot taper 4 qubits.*3 independent"):
        tapering.taper(h2, 4, n_electrons=2)
    with pytest.raises(ValueError, match="'ZIII' is not a symmetry"):
        tapering.tapering_for(h2, ["ZIII"], 2)
    with pytest.raises(ValueError, match="not independent"):
        tapering.tapering_for(h2, ["ZZZZ", "ZZZZ"], 2)
    with pytest.raises(NotImplementedError, match="Z-type"):
        tapering.tapering_for(h2, ["XXXX"], 2)
    tap = tapering.tapering_for(h2, ["ZZZZ"], 2)
    x0 = Hamiltonian.from_pauli_strings(["XIII"], [1.0])
    with pytest.raises(ValueError, match="does not commute"):
        tap.apply(x0)
    with pytest.raises(ValueError, match="3 qubits"):
        tap.apply(Hamiltonian.from_pauli_strings(["ZZZ"], [1.0]))
    # X-type symmetries (transverse-field Ising's global spin flip) are out of scope
    ising = Hamiltonian.from_pauli_strings(["ZZI", "IZZ", "XII", "IXI", "IIX"], [1.0, 1.0, 0.5, 0.5, 0.5])
    with pytest.raises(NotImplementedError, match="not Z-type"):
        tapering.ordered_symmetry_generators(ising)
