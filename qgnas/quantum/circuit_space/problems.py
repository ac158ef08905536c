"""The problems the circuit space is searched on, and :func:`quantum_task`, which builds the benchmark
task (space, evaluator, reference) of one of them.

**Problems** (:func:`quantum_task`). Besides molecules, two problems reuse this space and evaluator
unchanged, because each is "minimise the expectation of a Pauli sum": GHZ state preparation
(``H = -|GHZ><GHZ|``, so the error is the infidelity ``1 - F``) and Max-Cut on a ring
(``H = -cut``). Each has its own notion of a *good* circuit, the evaluator's ``success_threshold`` on
the noiseless error: chemical accuracy for molecules, ``F >= 0.99`` for GHZ, and for Max-Cut half the
gap between the two lowest levels, below which more than half of the probability is on optimal cuts
(``E - E0 >= (1 - p0) * gap``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from qgnas.core import Registry
from qgnas.quantum.evaluation import CHEMICAL_ACCURACY, NOISELESS_NAMES

from .evaluator import CircuitEvaluator
from .space import CircuitSpace

__all__ = [
    "GHZ_FIDELITY",
    "PROBLEMS",
    "PROBLEM_DEFAULT_QUBITS",
    "ghz_hamiltonian",
    "maxcut_ring_hamiltonian",
    "optimal_cut_threshold",
    "quantum_task",
]

#: The problems :func:`quantum_task` builds; ``"molecule"`` takes its molecule from ``molecule=``.
PROBLEMS: tuple[str, ...] = ("molecule", "ghz", "maxcut")
#: A GHZ preparation circuit is good when its noiseless fidelity reaches this.
GHZ_FIDELITY = 0.99
#: Register size of the GHZ and Max-Cut problems when ``qubits`` is left at ``"auto"``.
PROBLEM_DEFAULT_QUBITS = 4


def _noise_label(noise: Any) -> str:
    if noise is None or (isinstance(noise, str) and noise.strip().lower() in NOISELESS_NAMES):
        return "noiseless"
    if isinstance(noise, str):
        return noise.strip().lower()
    if isinstance(noise, dict) and "device" in noise:
        return str(noise["device"]).lower()
    return "custom-noise"


def ghz_hamiltonian(n: int = PROBLEM_DEFAULT_QUBITS) -> Any:
    """``H = -|GHZ_n><GHZ_n|`` (:meth:`~qgnas.quantum.hamiltonian.Hamiltonian.ghz`): energy -F, ground
    energy -1, so a circuit's energy error is its infidelity ``1 - F``."""
    from qgnas.quantum.hamiltonian import Hamiltonian

    return Hamiltonian.ghz(n)


def maxcut_ring_hamiltonian(n: int = PROBLEM_DEFAULT_QUBITS) -> Any:
    """Max-Cut on the ring 0-1-...-(n-1)-0 (``H = -cut``, node k = qubit k). A ring needs ``n >= 3``:
    with two nodes the two bonds would be the same edge."""
    from qgnas.quantum.hamiltonian import Hamiltonian

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 3:
        raise ValueError(f"a Max-Cut ring needs an integer number of nodes (qubits) >= 3, got {n!r}")
    n = int(n)
    edges = [(i, (i + 1) % n) for i in range(n)]
    ham = Hamiltonian.maxcut(edges, n_nodes=n)
    ham.name = f"maxcut_ring{n}"
    ham.metadata.update({"problem": "maxcut", "graph": "ring", "edges": [list(e) for e in edges]})
    return ham


def optimal_cut_threshold(hamiltonian: Any) -> float:
    """Half the gap between the two lowest levels of a diagonal (Max-Cut) Hamiltonian.

    A state with probability ``p0`` on the ground level has ``E - E0 >= (1 - p0) * gap``, so a noiseless
    error below ``gap / 2`` guarantees ``p0 > 1/2``: measuring the circuit finds an optimal cut more
    often than not. Read from the spectrum, not fixed, because the gap depends on the graph and weights.
    """
    levels = hamiltonian.diagonal_levels()
    if len(levels) < 2:
        raise ValueError(f"{hamiltonian.name} has a single level ({levels[0]:g}): every state is optimal")
    return float(levels[1] - levels[0]) / 2


_PROBLEMS: Registry[str] = Registry("problem", {p: p for p in PROBLEMS}, {"chemistry": "molecule"})


def _resolve_problem(problem: Any, molecule: str | None) -> tuple[str, str | None]:
    """(problem kind, molecule name or None): a molecule name given as ``problem`` means that molecule."""
    from qgnas.quantum.molecules import MOLECULE_ALIASES as _NAME_LOOKUP
    from qgnas.quantum.molecules import MOLECULES

    key = str(problem).strip().lower() if isinstance(problem, str) else None
    if problem in _PROBLEMS:
        kind = _PROBLEMS.resolve(problem)
    elif key in _NAME_LOOKUP:
        if molecule is not None and _NAME_LOOKUP.get(str(molecule).strip().lower()) != _NAME_LOOKUP[key]:
            raise ValueError(f"problem={problem!r} and molecule={molecule!r} name different molecules")
        return "molecule", problem
    else:
        raise ValueError(
            f"unknown problem {problem!r}; allowed: {', '.join(PROBLEMS)} "
            f"(or a molecule name: {', '.join(MOLECULES)})"
        )
    if kind != "molecule" and molecule is not None:
        raise ValueError(
            f"molecule={molecule!r} applies to problem 'molecule' only, not {kind!r}; leave it out"
        )
    return kind, (molecule if molecule is not None else "H2") if kind == "molecule" else None


def quantum_task(
    molecule: str | None = None,
    qubits: int | None | str = "auto",
    bond: float | None = None,
    noise: Any = None,
    max_gates: int = 20,
    optimizer: str = "cobyla",
    optimizer_options: dict[str, Any] | None = None,
    connectivity: Iterable[Sequence[int]] | None = None,
    shots: int | None = None,
    mapping: str | None = None,
    seed: int = 0,
    backend: str = "ptm",
    device: str = "cpu",
    *,
    problem: str = "molecule",
):
    """The quantum-architecture-search benchmark task: :class:`CircuitSpace` plus
    :class:`CircuitEvaluator` on one problem (module doc). Searchers maximise ``-error``; the reported
    ("test") metric is the incumbent's ``error_noiseless``. ``seed`` seeds the evaluator's angles (not
    the searchers), so all searchers and seeds score a circuit identically.

    Args:
        molecule: the molecule of ``problem="molecule"`` (default H2); any other problem rejects it.
        qubits: register size. ``"auto"`` (default): 2 for H2 (the CRLQAS environment's register),
            the molecule's default for other molecules, 4 for ``ghz`` and ``maxcut``; None: the
            molecule's default register. For ``ghz`` it is n of ``|GHZ_n>``, for ``maxcut`` the ring's
            node count.
        bond, mapping: the molecule's (molecules only).
        problem: ``"molecule"`` (default), ``"ghz"`` (prepare ``|GHZ_n>``; good: fidelity >= 0.99), or
            ``"maxcut"`` (Max-Cut on an n-node ring; good: noiseless error below
            :func:`optimal_cut_threshold`); a molecule name is taken as that molecule.

    The evaluator's ``success_threshold`` is the problem's notion of a good circuit (chemical
    accuracy for molecules) and ``task.reference`` holds the ground energy (and, for GHZ and Max-Cut,
    the threshold). Raises ValueError on a bad problem, molecule, qubit count, noise or optimiser.
    """
    from qgnas.core.task import Task

    kind, molecule = _resolve_problem(problem, molecule)
    if isinstance(qubits, str) and qubits != "auto":
        raise ValueError(f"qubits must be an integer, None or 'auto', got {qubits!r}")
    if kind == "molecule":
        hamiltonian, threshold, name = _molecule_problem(molecule, qubits, bond, mapping)
    else:
        hamiltonian, threshold, name = _model_problem(kind, qubits, bond, mapping)
    space = CircuitSpace(hamiltonian.n_qubits, max_gates, connectivity)
    evaluator = CircuitEvaluator(
        hamiltonian,
        noise,
        optimizer,
        optimizer_options,
        space=space,
        shots=shots,
        seed=seed,
        backend=backend,
        device=device,
        success_threshold=threshold,
    )
    reference = {"ground_energy": evaluator.ground_energy}
    if kind != "molecule":
        reference["success_threshold"] = threshold
    return Task(
        name=f"quantum/{name}_{hamiltonian.n_qubits}q_{_noise_label(noise)}",
        space=space,
        evaluator=evaluator,
        test_metric="error_noiseless",
        objective_name="-error",
        reference=reference,
    )


def _molecule_problem(
    molecule: str, qubits: Any, bond: float | None, mapping: str | None
) -> tuple[Any, float, str]:
    """(Hamiltonian, success threshold, task name) of a molecule: good means chemically accurate."""
    from qgnas.quantum.molecules import MOLECULE_ALIASES as _NAME_LOOKUP
    from qgnas.quantum.molecules import molecule as build_molecule

    if qubits == "auto":
        qubits = 2 if _NAME_LOOKUP.get(str(molecule).strip().lower()) == "H2" else None
    hamiltonian = build_molecule(molecule, bond=bond, qubits=qubits, mapping=mapping)
    return hamiltonian, CHEMICAL_ACCURACY, str(hamiltonian.metadata.get("molecule") or molecule)


def _model_problem(kind: str, qubits: Any, bond: float | None, mapping: str | None) -> tuple[Any, float, str]:
    """(Hamiltonian, success threshold, task name) of the GHZ or Max-Cut problem on ``qubits``."""
    for option, value in (("bond", bond), ("mapping", mapping)):
        if value is not None:
            raise ValueError(f"{option}={value!r} applies to molecules only, not problem {kind!r}")
    n = PROBLEM_DEFAULT_QUBITS if qubits in ("auto", None) else qubits
    if kind == "ghz":
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
            raise ValueError(f"GHZ state preparation needs an integer qubits >= 2, got {n!r}")
        threshold = round(1.0 - GHZ_FIDELITY, 12)  # 0.01, not 0.010000000000000009
        return ghz_hamiltonian(int(n)), threshold, "ghz"
    hamiltonian = maxcut_ring_hamiltonian(n)
    return hamiltonian, optimal_cut_threshold(hamiltonian), f"maxcut-ring{hamiltonian.n_qubits}"
