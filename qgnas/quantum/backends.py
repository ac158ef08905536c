"""Backends behind one small protocol, and reference simulators to check the PTM simulator against.

Every backend answers ``expectation(circuit, hamiltonian, params)`` with energies ``[B]`` for
parameters ``[B, n_params]`` (a scalar for ``[n_params]``) and ``pauli_expectations`` with the
measured term expectations ``[B, T]``, for the same :class:`~qgnas.quantum.noise.NoiseModel`.

* ``"ptm"``: :class:`qgnas.quantum.ptm.PTMSimulator`, ours (torch, batched, differentiable).
* ``"aer"``: Qiskit Aer's density-matrix simulator with the model converted by
  :meth:`NoiseModel.to_qiskit_aer` (Qiskit's own channel constructors). A GPU build of Aer
  (``qiskit-aer-gpu``) can be used by passing ``device="GPU"``; it is optional.
* ``"pennylane"``: PennyLane's ``default.mixed`` with the channels from
  :meth:`NoiseModel.pennylane_channels`.

Readout error: Aer applies readout errors only to sampled ``measure`` instructions, so the Aer
backend computes measured expectations the way a device does it: from the exact final density
matrix, rotate each term's factors onto Z, take the outcome probabilities, push them through every
qubit's confusion matrix and average the parity. The PennyLane backend uses PennyLane's own
measurement path (diagonalising gates, then bit-flip channels). Both are independent routes to the
affine map the PTM simulator uses.

New backends register with :func:`register_backend`; :func:`get_backend` resolves names
(``"aer"``, ``"qiskit-aer"``, ``"default.mixed"``, ...) lazily, so nothing heavy is imported until used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from qgnas.core.registry import Registry
from qgnas.quantum.noise import NoiseModel, apply_shot_noise

__all__ = [
    "BACKENDS",
    "AerDensityMatrixBackend",
    "Backend",
    "PennyLaneMixedBackend",
    "available_backends",
    "get_backend",
    "measured_expectations_from_density_matrix",
    "register_backend",
    "resolve_backend",
]


@runtime_checkable
class Backend(Protocol):
    """What the search code needs from a simulator."""

    name: str
    noise: NoiseModel | None

    def expectation(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        """Energies ``[B]`` (scalar for 1-D params)."""
        ...

    def pauli_expectations(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        """Measured term expectations ``[B, T]``."""
        ...


# ---------------------------------------------------------------------------------------- registry

#: name -> backend factory (a callable, or ``"module:attr"`` imported on first use).
BACKENDS: Registry[str | Callable[..., Backend]] = Registry("backend")
BACKENDS.register("ptm", "qgnas.quantum.ptm:PTMSimulator", aliases=["ptm-simulator"])
BACKENDS.register(
    "aer",
    "qgnas.quantum.backends:AerDensityMatrixBackend",
    aliases=["qiskit-aer", "aer-density-matrix", "qiskit"],
)
BACKENDS.register(
    "pennylane",
    "qgnas.quantum.backends:PennyLaneMixedBackend",
    aliases=["default.mixed", "pennylane-mixed", "pl"],
)


def register_backend(name: str, factory: str | Callable[..., Backend]) -> None:
    """Register a backend factory (a callable, or ``"module:attr"`` imported on first use)."""
    BACKENDS.register(name, factory)


def available_backends() -> list[str]:
    return list(BACKENDS)


def resolve_backend(name: str) -> str:
    """The registered name ``name`` spells (``"Qiskit-Aer"`` -> ``"aer"``); ValueError if none."""
    return BACKENDS.resolve(name)


def get_backend(name: str, noise: NoiseModel | dict[str, Any] | str | None = None, **kwargs: Any) -> Backend:
    """Instantiate a backend by name with a noise model (``"ptm"``, ``"aer"``, ``"pennylane"``, ...)."""
    return BACKENDS.load(name)(noise=noise, **kwargs)


# ---------------------------------------------------------------------------------------- helpers


def _as_batch(circuit: Any, params: Any) -> tuple[np.ndarray, bool]:
    if isinstance(params, torch.Tensor):
        params = params.detach().cpu().numpy()
    p = np.asarray(params, dtype=np.float64)
    single = p.ndim == 1
    if single:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != circuit.n_params:
        raise ValueError(
            f"params must have shape [B, {circuit.n_params}] or [{circuit.n_params}] (one angle per rotation "
            f"gate), got {tuple(np.shape(params))}"
        )
    return p, single


def _out(values: np.ndarray, single: bool) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(values, dtype=np.float64))
    return t[0] if single else t


_ROT_TO_Z = {
    "X": np.array([[1, 1], [1, -1]], dtype=np.complex128) / np.sqrt(2),  # H
    # S^dagger then H maps Y onto +Z
    "Y": (np.array([[1, 1], [1, -1]], dtype=np.complex128) / np.sqrt(2)) @ np.diag([1, -1j]),
    "Z": np.eye(2, dtype=np.complex128),
    "I": np.eye(2, dtype=np.complex128),
}


def measured_expectations_from_density_matrix(
    rho: np.ndarray, paulis: list[str], readout: list[tuple[float, float]] | None
) -> np.ndarray:
    """Measured expectation of each Pauli string, as a device would report it.

    Args:
        rho: density matrix, qubit 0 the most significant bit (big-endian, PennyLane's order).
        paulis: strings, character i on qubit i.
        readout: per qubit ``(p(1|0), p(0|1))``, or None for perfect readout.
    """
    n = len(paulis[0]) if paulis else int(np.log2(rho.shape[0]))
    out = np.empty(len(paulis))
    for j, s in enumerate(paulis):
        support = [q for q, c in enumerate(s) if c != "I"]
        if not support:
            out[j] = 1.0
            continue
        u = np.ones((1, 1), dtype=np.complex128)
        for c in s:
            u = np.kron(u, _ROT_TO_Z[c])
        probs = np.real(np.einsum("ij,jk,ik->i", u, rho, u.conj()))  # diag(U rho U^dagger)
        probs = probs.reshape((2,) * n)
        if readout is not None:
            for q in support:
                p10, p01 = readout[q]
                confusion = np.array([[1 - p10, p01], [p10, 1 - p01]])  # [read, true]
                probs = np.moveaxis(np.tensordot(confusion, probs, axes=([1], [q])), 0, q)
        parity = np.ones((2,) * n)
        for q in support:
            shape = [1] * n
            shape[q] = 2
            parity = parity * np.array([1.0, -1.0]).reshape(shape)
        out[j] = float(np.sum(probs * parity))
    return out


def _readout_list(noise: NoiseModel | None, n: int) -> list[tuple[float, float]] | None:
    if noise is None or not noise.has_readout_error:
        return None
    return [noise.readout_probs(q) for q in range(n)]


class _ReferenceBackend:
    """Shared plumbing: shot noise on top of exact measured term expectations."""

    name = "reference"

    def __init__(self, noise: NoiseModel | dict[str, Any] | str | None = None) -> None:
        self.noise = None if noise is None else NoiseModel.from_config(noise)

    def pauli_expectations(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        p, single = _as_batch(circuit, params)
        readout = _readout_list(self.noise, circuit.n_qubits)
        rhos = self.density_matrices(circuit, p)
        vals = np.stack(
            [measured_expectations_from_density_matrix(r, hamiltonian.paulis, readout) for r in rhos]
        )
        return _out(vals, single)

    def density_matrices(self, circuit: Any, params: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    def _exact_energy(self, circuit: Any, hamiltonian: Any, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def expectation(
        self, circuit: Any, hamiltonian: Any, params: Any, *, shots: int | None = None, rng: Any = None
    ) -> torch.Tensor:
        if hamiltonian.n_qubits != circuit.n_qubits:
            raise ValueError(
                f"the Hamiltonian acts on {hamiltonian.n_qubits} qubits but the circuit has {circuit.n_qubits}"
            )
        p, single = _as_batch(circuit, params)
        n_shots = shots if shots is not None else (self.noise.shots if self.noise is not None else None)
        if n_shots is None and (self.noise is None or not self.noise.has_readout_error):
            return _out(self._exact_energy(circuit, hamiltonian, p), single)
        exp = self.pauli_expectations(circuit, hamiltonian, p)
        coeffs = np.asarray(hamiltonian.coeffs, dtype=np.float64)
        if n_shots is None:
            return _out((exp.numpy() @ coeffs), single)
        identity = np.array([set(s) <= {"I"} for s in hamiltonian.paulis])
        mode = self.noise.shot_noise if self.noise is not None else "exact"
        e = apply_shot_noise(exp, coeffs, n_shots, mode, rng, identity=identity)
        return e[0] if single else e


# ---------------------------------------------------------------------------------------- Aer


class AerDensityMatrixBackend(_ReferenceBackend):
    """Qiskit Aer ``AerSimulator(method="density_matrix")`` with our noise model.

    All parameter sets of a call are submitted as one job (Aer runs the circuits of a job in
    parallel), so batches are compared fairly. ``aer_options`` go to ``AerSimulator`` (e.g.
    ``max_parallel_threads``, ``device="GPU"`` with qiskit-aer-gpu).
    """

    name = "aer"

    def __init__(self, noise: NoiseModel | dict[str, Any] | str | None = None, **aer_options: Any) -> None:
        super().__init__(noise)
        self.aer_options = aer_options
        self._sims: dict[Any, Any] = {}
        self._templates: dict[Any, Any] = {}

    def _simulator(self, circuit: Any) -> Any:
        from qiskit_aer import AerSimulator

        used = tuple(sorted({(g.name, g.qubits) for g in circuit.gates}))
        key = (circuit.n_qubits, used)
        if key not in self._sims:
            opts = dict(self.aer_options)
            if self.noise is not None and self.noise.has_gate_noise:
                opts["noise_model"] = self.noise.to_qiskit_aer(circuit.n_qubits, instructions=used)
            if len(self._sims) > 64:
                self._sims.clear()
            self._sims[key] = AerSimulator(method="density_matrix", **opts)
        return self._sims[key]

    def _run(self, circuit: Any, p: np.ndarray, save: Callable[[Any], None], key: str, tag: Any) -> list[Any]:
        """Run the batch as one job: one parametrised circuit and Aer's own ``parameter_binds``.

        The parametrised template (with its save instruction) is cached per circuit and ``tag``, so a
        repeated call costs what Aer itself costs, not our circuit conversion.
        """
        sim = self._simulator(circuit)  # imports qiskit_aer, which adds the save_* methods
        tkey = (circuit.key(), tag)
        template = self._templates.get(tkey)
        if template is None:
            template = circuit.to_qiskit()
            save(template)
            if len(self._templates) > 256:
                self._templates.clear()
            self._templates[tkey] = template
        if circuit.n_params == 0:
            value = sim.run(template).result().data(0)[key]
            return [value] * len(p)
        # ParameterVector elements know their index, i.e. our parameter order
        params = sorted(template.parameters, key=lambda prm: prm.index)
        binds = [{prm: p[:, i].tolist() for i, prm in enumerate(params)}]
        result = sim.run(template, parameter_binds=binds).result()
        return [result.data(i)[key] for i in range(len(p))]

    def _exact_energy(self, circuit: Any, hamiltonian: Any, p: np.ndarray) -> np.ndarray:
        op = hamiltonian.to_qiskit()
        qubits = list(range(circuit.n_qubits))
        tag = ("energy", tuple(hamiltonian.paulis), np.asarray(hamiltonian.coeffs).tobytes())
        values = self._run(
            circuit, p, lambda qc: qc.save_expectation_value(op, qubits), "expectation_value", tag
        )
        return np.array([float(np.real(v)) for v in values])

    def density_matrices(self, circuit: Any, params: np.ndarray) -> list[np.ndarray]:
        from qiskit.quantum_info import DensityMatrix

        values = self._run(circuit, params, lambda qc: qc.save_density_matrix(), "density_matrix", "rho")
        # Qiskit orders qubits little-endian; we use qubit 0 as the most significant bit
        return [np.asarray(DensityMatrix(v).reverse_qargs().data) for v in values]


# ---------------------------------------------------------------------------------------- PennyLane


class PennyLaneMixedBackend(_ReferenceBackend):
    """PennyLane ``default.mixed`` with the noise model's channels after every gate.

    A batch of parameter sets is one broadcast execution (PennyLane parameter broadcasting), not a
    Python loop. Readout error uses PennyLane's own measurement path: each term is measured through its
    diagonalising gates and an asymmetric bit-flip channel per wire (``p(1|0)``, ``p(0|1)``) is applied
    before reading, which makes this backend an independent check of the PTM's readout map.
    """

    name = "pennylane"

    def __init__(self, noise: NoiseModel | dict[str, Any] | str | None = None, **device_options: Any) -> None:
        super().__init__(noise)
        self.device_options = device_options
        self._devices: dict[int, Any] = {}

    def _device(self, n: int) -> Any:
        import pennylane as qml

        if n not in self._devices:
            dev = qml.device("default.mixed", wires=n, **self.device_options)
            if self.noise is not None and self.noise.has_readout_error:
                # default.mixed applies the channels in ``readout_err`` to each measured wire after the
                # diagonalising gates; its ``readout_prob`` argument only covers symmetric flips (and
                # is mishandled in PennyLane 0.45), so we install asymmetric flip channels directly.
                noise = self.noise

                def flip(wire: Any) -> Any:
                    p10, p01 = noise.readout_probs(int(wire))
                    kraus = [
                        np.diag([np.sqrt(1 - p10), np.sqrt(1 - p01)]),
                        np.array([[0.0, np.sqrt(p01)], [0.0, 0.0]]),
                        np.array([[0.0, 0.0], [np.sqrt(p10), 0.0]]),
                    ]
                    return qml.QubitChannel(kraus, wires=wire)

                dev.readout_err = [flip]
            self._devices[n] = dev
        return self._devices[n]

    def _apply(self, circuit: Any, columns: list[Any]) -> None:
        import pennylane as qml

        # Touch the wires in order first: default.mixed renumbers wires by first appearance before
        # simulating, and its readout channels receive those renumbered wires, so without this a
        # per-qubit readout error would be applied to the wrong qubits.
        for q in range(circuit.n_qubits):
            qml.Identity(q)
        ops = circuit.to_pennylane_ops(columns)
        for gate, op in zip(circuit.gates, ops, strict=True):
            qml.apply(op)
            if self.noise is not None:
                self.noise.pennylane_channels(gate)

    def _run(self, circuit: Any, p: np.ndarray, measure: Callable[[], Any]) -> Any:
        import pennylane as qml

        dev = self._device(circuit.n_qubits)
        # one column per parameter: a length-B vector broadcasts the whole batch
        columns = [p[:, k] if len(p) > 1 else p[0, k] for k in range(circuit.n_params)]

        @qml.qnode(dev, interface=None)
        def qnode() -> Any:
            self._apply(circuit, columns)
            return measure()

        return qnode()

    def _exact_energy(self, circuit: Any, hamiltonian: Any, p: np.ndarray) -> np.ndarray:
        import pennylane as qml

        if len(p) > 1 and circuit.n_params == 0:
            return np.repeat(self._exact_energy(circuit, hamiltonian, p[:1]), len(p))
        obs = hamiltonian.to_pennylane()
        res = self._run(circuit, p, lambda: qml.expval(obs))
        return np.broadcast_to(np.asarray(res, dtype=np.float64).reshape(-1), (len(p),)).copy()

    def pauli_expectations(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        import pennylane as qml

        p, single = _as_batch(circuit, params)
        if len(p) > 1 and circuit.n_params == 0:
            one = self.pauli_expectations(circuit, hamiltonian, p[0]).numpy()
            return _out(np.repeat(one[None], len(p), axis=0), single)
        paulis_pl = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}
        measured = [s for s in hamiltonian.paulis if set(s) != {"I"}]
        observables = [qml.prod(*[paulis_pl[c](q) for q, c in enumerate(s) if c != "I"]) for s in measured]
        vals = np.ones((len(p), len(hamiltonian.paulis)))
        if observables:
            res = self._run(circuit, p, lambda: [qml.expval(o) for o in observables])
            res = np.asarray(res, dtype=np.float64).reshape(len(observables), -1).T  # (B or 1, T')
            cols = [j for j, s in enumerate(hamiltonian.paulis) if set(s) != {"I"}]
            vals[:, cols] = res
        return _out(vals, single)

    def density_matrices(self, circuit: Any, params: np.ndarray) -> list[np.ndarray]:
        import pennylane as qml

        n = circuit.n_qubits
        if len(params) > 1 and circuit.n_params == 0:
            return self.density_matrices(circuit, params[:1]) * len(params)
        res = np.asarray(self._run(circuit, params, lambda: qml.density_matrix(wires=list(range(n)))))
        res = res.reshape(-1, 2**n, 2**n)
        return [res[i] for i in range(len(res))] if len(res) == len(params) else [res[0]] * len(params)
