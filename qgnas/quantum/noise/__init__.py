"""Noise models chosen by configuration: one object that drives every backend.

A :class:`NoiseModel` is data (numbers per qubit or per qubit pair), not code. It says which channels
follow each gate, how readout flips measured bits and how many shots estimate each Pauli term; the
PTM simulator turns the channels into Pauli-transfer matrices, :meth:`NoiseModel.to_qiskit_aer` into a
``qiskit_aer.noise.NoiseModel`` and :meth:`NoiseModel.pennylane_channels` into PennyLane channel
operations, so all backends simulate the same physics and can be checked against each other.

Channels after a gate, in this order (each one only when its parameter is non-zero):

1. depolarizing, Qiskit's convention ``rho -> (1 - p) rho + p I / d`` on the gate's qubits
   (``p1`` after one-qubit gates, ``p2`` on both qubits after two-qubit gates). PennyLane's
   ``DepolarizingChannel(q)`` is the same channel with ``q = 3 p / 4``;
2. thermal relaxation toward ``|0>`` on each qubit of the gate (``t1``, ``t2`` and the gate's
   duration ``gate_time_1q`` / ``gate_time_2q``), as Qiskit's ``thermal_relaxation_error`` with zero
   excited-state population;
3. amplitude damping (``gamma``) on each qubit of the gate;
4. phase damping (``gamma``) on each qubit of the gate.

Idle qubits get no noise (no scheduling is modelled). Readout error flips each measured bit
independently, ``p(1|0)`` and ``p(0|1)`` per qubit; a Pauli term is measured by rotating every
non-identity factor onto Z (X with H, Y with S^dagger H) and multiplying the read bits' signs. Shot
noise estimates each Pauli term from ``shots`` measurements, either exactly (binomial per term) or
with CRLQAS's Gaussian approximation ``E + sum_j c_j N(0, shots^-1/2)``.

Per-qubit values are written as a number (all qubits) or a mapping ``{qubit: value}``; per-pair values
as a number or ``{(control, target): value}`` (YAML: ``"0,1": value``). Either mapping may carry a
``"default"`` entry for qubits/pairs it does not list. Numpy is the only import needed here; Qiskit,
PennyLane and qiskit-ibm-runtime are imported by the methods that use them.

Modules: :mod:`.channels` (the channels and their matrices), :mod:`.parameters` (per-qubit and per-pair
values), :mod:`.model` (:class:`NoiseModel`), :mod:`.calibration` (models from device calibration data),
:mod:`.aer_export` (export to Qiskit Aer) and :mod:`.shots` (shot noise).
"""

from __future__ import annotations

from .channels import Channel
from .model import NOISE_PRESETS, NoiseModel
from .shots import SHOT_NOISE_MODES, apply_shot_noise

__all__ = ["NOISE_PRESETS", "SHOT_NOISE_MODES", "Channel", "NoiseModel", "apply_shot_noise"]
