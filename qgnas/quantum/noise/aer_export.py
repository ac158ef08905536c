"""A :class:`~qgnas.quantum.noise.NoiseModel` as a ``qiskit_aer.noise.NoiseModel``, so that Qiskit Aer
simulates the same physics as the PTM simulator and checks it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .channels import Channel
    from .model import NoiseModel

__all__ = ["aer_noise_model", "compose_qiskit"]


def aer_noise_model(
    model: NoiseModel,
    n_qubits: int,
    gates: Sequence[str] | None = None,
    instructions: Sequence[tuple[str, tuple[int, ...]]] | None = None,
) -> Any:
    """The Aer noise model of :meth:`NoiseModel.to_qiskit_aer <qgnas.quantum.noise.NoiseModel.to_qiskit_aer>`."""
    from qiskit_aer.noise import NoiseModel as AerNoiseModel
    from qiskit_aer.noise import ReadoutError

    from qgnas.quantum.circuit import GATE_QUBITS, Gate

    if instructions is None:
        names = list(gates) if gates is not None else list(GATE_QUBITS)
        instructions = []
        for name in names:
            if GATE_QUBITS[name] == 1:
                instructions += [(name, (q,)) for q in range(n_qubits)]
            else:
                pairs = [(a, b) for a in range(n_qubits) for b in range(n_qubits) if a != b]
                instructions += [(name, pair) for pair in pairs]
    names = sorted({name for name, _ in instructions})
    aer = AerNoiseModel(basis_gates=sorted(set(names) | {"id"}))
    for name, qubits in instructions:
        channels = model.channels_after(Gate(name, tuple(qubits)))
        if channels:
            aer.add_quantum_error(compose_qiskit(channels, tuple(qubits)), name, list(qubits))
    if model.has_readout_error:
        for q in range(n_qubits):
            p10, p01 = model.readout_probs(q)
            aer.add_readout_error(ReadoutError([[1 - p10, p10], [p01, 1 - p01]]), [q])
    return aer


def compose_qiskit(channels: list[Channel], qubits: tuple[int, ...]) -> Any:
    """Compose our channels into one Qiskit QuantumError on ``qubits`` (qubits[0] is the error's qubit 0).

    Each channel comes from Qiskit's own constructor; they are composed as superoperators (composing
    ``QuantumError`` mixtures directly multiplies their circuit lists and is very slow).
    """
    from qiskit.quantum_info import Kraus, SuperOp
    from qiskit_aer.noise import QuantumError

    ident = SuperOp(np.eye(4))
    total = None
    for ch in channels:
        op = SuperOp(ch.to_qiskit().to_quantumchannel())
        if len(qubits) == 2 and len(ch.qubits) == 1:
            # Qiskit's a.tensor(b) puts b on qubit 0
            op = ident.tensor(op) if ch.qubits[0] == qubits[0] else op.tensor(ident)
        total = op if total is None else total.compose(op)
    return QuantumError(Kraus(total))
