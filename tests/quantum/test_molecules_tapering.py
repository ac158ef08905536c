"""Tapered molecular Hamiltonians from ``qgnas.quantum.molecule`` (H2 on 3 qubits as in CRLQAS, ...).

Ground energies are compared with PySCF FCI/CASCI computed here and with the untapered operator;
CRLQAS's mu values are -sum|c_j| of their Hamiltonians (InaeKOO/CRLQAS configs, PAPERS.md).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyscf")
pytest.importorskip("pennylane")

from qgnas.quantum import molecules  # noqa: E402
from qgnas.quantum.molecules import front, molecule  # noqa: E402

from .test_hamiltonians import casci_energy  # noqa: E402

FULL = {"H2": 4, "LiH": 6, "BeH2": 6, "H2O": 8}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("hamiltonians")


@pytest.mark.parametrize(
    ("name", "bond", "qubits", "n_tapered"),
    [
        ("H2", 0.7414, 3, 1),
        ("H2", 0.7414, 1, 3),
        ("LiH", 2.2, 5, 1),
        pytest.param("BeH2", 1.3264, 3, 3, marks=pytest.mark.slow),
        pytest.param("H2O", 0.9578, 7, 1, marks=pytest.mark.slow),
        pytest.param("H2O", 0.9578, 4, 4, marks=pytest.mark.slow),
    ],
)
def test_tapered_ground_energy_equals_untapered(cache, name, bond, qubits, n_tapered) -> None:
    ham = molecule(name, bond=bond, qubits=qubits, cache_dir=cache)
    full = molecule(name, bond=bond, qubits=FULL[name], cache_dir=cache)
    assert ham.n_qubits == qubits and all(len(s) == qubits for s in ham.paulis)
    md = ham.metadata
    assert md["mapping"] == "jordan_wigner" and not md["two_qubit_reduction"]
    assert len(md["tapering"]["generators"]) == n_tapered == FULL[name] - qubits
    assert ham.ground_energy == pytest.approx(full.ground_energy, abs=1e-8)
    assert ham.ground_energy == pytest.approx(casci_energy(ham), abs=1e-8)
    # the tapered Hartree-Fock basis state has the Hartree-Fock energy
    hf = int("".join(map(str, md["hf_state"])), 2)
    assert ham.to_sparse_matrix()[hf, hf].real == pytest.approx(md["hf_energy"], abs=1e-8)
    assert ham.lower_bound < ham.ground_energy


def test_h2_three_qubits_is_crlqas_hamiltonian(cache) -> None:
    """CRLQAS: H2 0.7414 A, jordan_wigner, taper = 1, fake_min_energy = -1.9839144621215792 (-1.983914)."""
    ham = molecule("H2", bond=0.7414, qubits=3, cache_dir=cache)
    assert ham.lower_bound == pytest.approx(-1.9839144621215792, abs=1e-8)
    assert ham.ground_energy == pytest.approx(-1.1372702, abs=5e-8)  # PAPERS.md FCI
    assert ham.metadata["tapering"]["generators"] == ["ZZZZ"]
    assert ham.metadata["tapering"]["removed_qubits"] == [3]
    assert ham.metadata["hf_state"] == [1, 1, 0]
    # checksum code: the 4-qubit Jordan-Wigner operator on |b0 b1 b2, b0^b1^b2>
    full = molecule("H2", bond=0.7414, qubits=4, cache_dir=cache).to_sparse_matrix().toarray()
    idx = [(b << 1) | (bin(b).count("1") % 2) for b in range(8)]
    np.testing.assert_allclose(ham.to_sparse_matrix().toarray(), full[np.ix_(idx, idx)], atol=1e-12)
    # the other bond lengths in use elsewhere do not give CRLQAS's 3-qubit mu
    for bond in (0.7, 0.735):
        assert abs(molecule("H2", bond=bond, qubits=3, cache_dir=cache).lower_bound + 1.983914) > 1e-3


def test_supported_lists_tapered_counts() -> None:
    table = {(name, q): how for name, q, how in molecules.supported()}
    assert table[("H2", 3)] == "jordan_wigner + 1 Z2 symmetry tapered"
    assert table[("H2", 1)] == "jordan_wigner + 3 Z2 symmetries tapered"
    assert table[("H2", 2)] == "parity + two-qubit reduction"
    assert {q for name, q in table if name == "LiH"} == {4, 5, 6}
    assert {q for name, q in table if name == "H2O"} == {4, 5, 6, 7, 8}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"name": "H2", "qubits": 5},
            r"H2 is not supported on qubits=5; supported qubit counts: 1 \(jordan_wigner \+ 3 Z2 "
            r"symmetries tapered\); 2 \(parity \+ two-qubit reduction\); 3 \(jordan_wigner \+ 1 Z2 symmetry "
            r"tapered\); 4 \(jordan_wigner or parity\)",
        ),
        ({"name": "LiH", "qubits": 3}, r"qubits=3.*4 \(parity.*5 \(jordan_wigner \+ 1 Z2.*6"),
        ({"name": "H2", "qubits": 0}, r"qubits=0.*1 \(.*4 \("),
        ({"name": "H2", "qubits": 3, "mapping": "parity"}, r"3 qubits.*1 Z2 symmetry tapered, not 'parity'"),
    ],
)
def test_unsupported_counts_name_the_value_and_the_options(cache, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        molecule(cache_dir=cache, **kwargs)


def test_tapered_hamiltonians_are_cached(tmp_path, monkeypatch) -> None:
    first = molecule("H2", bond=0.7414, qubits=3, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.json")
    assert "H2_0.7414A_3q_jordan_wigner" in path.name

    def no_build(*args, **kwargs):
        raise AssertionError("cache miss")

    monkeypatch.setattr(front, "build_hamiltonian", no_build)
    again = molecule("h2", bond=0.7414, qubits=3, mapping="jw", cache_dir=tmp_path)
    assert again == first and again.ground_energy == first.ground_energy
    assert again.metadata == first.metadata
    with pytest.raises(AssertionError, match="cache miss"):  # another count is another key
        molecule("H2", bond=0.7414, qubits=1, cache_dir=tmp_path)
