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
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qgnas.quantum.ptm_gates import kraus_to_ptm

__all__ = ["Channel", "NoiseModel", "apply_shot_noise"]

SHOT_NOISE_MODES = ("exact", "gaussian")
_CHANNEL_KINDS = ("depolarizing", "thermal_relaxation", "amplitude_damping", "phase_damping")


# ---------------------------------------------------------------------------------------- channels


@dataclass(frozen=True)
class Channel:
    """One noise channel on given qubits.

    ``params`` is ``(p,)`` for depolarizing, ``(gamma,)`` for amplitude/phase damping and
    ``(t1, t2, time)`` for thermal relaxation. Matrices use the first listed qubit as the most
    significant one, like :mod:`qgnas.quantum.ptm_gates`.
    """

    kind: str
    qubits: tuple[int, ...]
    params: tuple[float, ...]

    def kraus(self) -> list[np.ndarray]:
        """Kraus matrices (2^k x 2^k, complex)."""
        if self.kind == "depolarizing":
            (p,) = self.params
            k = len(self.qubits)
            dim2 = 4**k
            from qgnas.quantum.ptm_gates import pauli_basis

            basis = pauli_basis(k)
            # (1-p) rho + p I/d  ==  (1 - p + p/d^2) rho + p/d^2 sum_{P != I} P rho P
            return [math.sqrt(1 - p + p / dim2) * basis[0]] + [math.sqrt(p / dim2) * P for P in basis[1:]]
        if self.kind == "amplitude_damping":
            (g,) = self.params
            return [
                np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=np.complex128),
                np.array([[0, math.sqrt(g)], [0, 0]], dtype=np.complex128),
            ]
        if self.kind == "phase_damping":
            (g,) = self.params
            return [
                np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=np.complex128),
                np.array([[0, 0], [0, math.sqrt(g)]], dtype=np.complex128),
            ]
        if self.kind == "thermal_relaxation":
            t1, t2, time = self.params
            # amplitude damping with gamma = 1 - exp(-t/T1), then pure dephasing making the total
            # coherence decay exp(-t/T2): sqrt(1 - g_ad) * sqrt(1 - g_pd) = exp(-t/T2)
            g_ad = 1.0 - math.exp(-time / t1)
            coherence = math.exp(-time / t2)
            g_pd = 1.0 - (coherence**2 / (1.0 - g_ad) if g_ad < 1.0 else 0.0)
            ad = Channel("amplitude_damping", self.qubits, (g_ad,)).kraus()
            pd = Channel("phase_damping", self.qubits, (max(0.0, g_pd),)).kraus()
            return [b @ a for a in ad for b in pd]
        raise ValueError(f"unknown channel kind {self.kind!r}; known: {', '.join(_CHANNEL_KINDS)}")

    def ptm(self) -> np.ndarray:
        """Pauli-transfer matrix (4^k x 4^k, real)."""
        return kraus_to_ptm(self.kraus())

    def to_qiskit(self) -> Any:
        """A ``qiskit_aer.noise.QuantumError`` built with Qiskit's own constructors.

        Using Qiskit's constructors (not our Kraus matrices) makes the Aer backend an independent
        check of the channel definitions here.
        """
        from qiskit_aer.noise import (
            amplitude_damping_error,
            depolarizing_error,
            phase_damping_error,
            thermal_relaxation_error,
        )

        if self.kind == "depolarizing":
            return depolarizing_error(self.params[0], len(self.qubits))
        if self.kind == "amplitude_damping":
            return amplitude_damping_error(self.params[0])
        if self.kind == "phase_damping":
            return phase_damping_error(self.params[0])
        t1, t2, time = self.params
        return thermal_relaxation_error(t1, t2, time)

    def to_pennylane(self) -> Any:
        """The PennyLane channel operation (not queued unless called inside a QNode)."""
        import pennylane as qml

        q = self.qubits
        if self.kind == "depolarizing":
            if len(q) == 1:
                return qml.DepolarizingChannel(0.75 * self.params[0], wires=q[0])
            return qml.QubitChannel(self.kraus(), wires=list(q))
        if self.kind == "amplitude_damping":
            return qml.AmplitudeDamping(self.params[0], wires=q[0])
        if self.kind == "phase_damping":
            return qml.PhaseDamping(self.params[0], wires=q[0])
        t1, t2, time = self.params
        return qml.ThermalRelaxationError(0.0, t1, t2, time, wires=q[0])


# ---------------------------------------------------------------------------------------- values


def _check_prob(value: Any, what: str, upper: float = 1.0) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number in [0, {upper:g}], got {value!r}") from None
    if not 0.0 <= v <= upper or math.isnan(v):
        raise ValueError(f"{what} = {value!r} is outside the allowed range [0, {upper:g}]")
    return v


def _check_positive(value: Any, what: str, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if math.isnan(v) or v < 0 or (v == 0 and not allow_zero) or (allow_zero and math.isinf(v)):
        bound = "finite and >= 0" if allow_zero else "> 0"
        raise ValueError(f"{what} = {value!r} is not allowed; it must be {bound}")
    return v


def _qubit_key(key: Any, what: str) -> int | str:
    if key == "default":
        return "default"
    try:
        q = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: qubit key {key!r} is not an integer (or 'default')") from None
    if q < 0:
        raise ValueError(f"{what}: qubit key {key!r} is negative")
    return q


def _pair_key(key: Any, what: str) -> tuple[int, int] | str:
    if key == "default":
        return "default"
    if isinstance(key, str):
        parts = key.replace("(", "").replace(")", "").replace("-", ",").split(",")
    else:
        parts = list(key)
    try:
        a, b = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: pair key {key!r} is not a pair of qubits like (0, 1) or '0,1'") from None
    if a == b or a < 0 or b < 0:
        raise ValueError(f"{what}: pair key {key!r} must name two different non-negative qubits")
    return (a, b)


def _normalise(value: Any, what: str, check: Any, pair: bool = False) -> Any:
    """Validate a number-or-mapping parameter; mappings get int / (int, int) keys."""
    if isinstance(value, Mapping):
        keyfn = _pair_key if pair else _qubit_key
        return {keyfn(k, what): check(v, f"{what}[{k}]") for k, v in value.items()}
    return check(value, what)


def _lookup(table: Any, key: Any, what: str) -> float:
    if not isinstance(table, dict):
        return table
    if key in table:
        return table[key]
    if isinstance(key, tuple) and (key[1], key[0]) in table:
        return table[(key[1], key[0])]
    if "default" in table:
        return table["default"]
    known = sorted(k for k in table if k != "default")
    raise ValueError(
        f"{what} has no value for {'pair' if isinstance(key, tuple) else 'qubit'} {key!r} and no "
        f"'default'; it lists {known}"
    )


def _is_zero(table: Any) -> bool:
    if isinstance(table, dict):
        return all(v == 0 for v in table.values())
    return table == 0


def _to_plain(value: Any) -> Any:
    """YAML/JSON-friendly form of a number-or-mapping parameter."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = f"{k[0]},{k[1]}" if isinstance(k, tuple) else k
            out[key] = list(v) if isinstance(v, tuple) else v
        return out
    return list(value) if isinstance(value, tuple) else value


# ---------------------------------------------------------------------------------------- model


@dataclass
class NoiseModel:
    """Gate, readout and shot noise, as configuration.

    Args:
        p1: depolarizing probability after every one-qubit gate (Qiskit convention, per qubit).
        p2: depolarizing probability on both qubits after every two-qubit gate (per ordered pair;
            a pair missing from a mapping falls back to its reverse, then to ``"default"``).
        amplitude_damping: damping ``gamma`` after every gate, on each qubit it touches.
        phase_damping: dephasing ``gamma`` after every gate, on each qubit it touches.
        t1, t2: relaxation times (seconds) for thermal relaxation after every gate; both or neither.
            ``t2 <= 2 t1`` is required (a physical channel).
        gate_time_1q, gate_time_2q: gate durations (seconds) used by thermal relaxation.
        readout: ``(p(1|0), p(0|1))`` for every qubit, or one number for a symmetric error, or a
            mapping qubit -> either of those.
        shots: shots per Pauli term for shot noise; ``None`` means exact expectations.
        shot_noise: ``"exact"`` (binomial sampling of each term) or ``"gaussian"`` (CRLQAS).
        noiseless_gates: gate names that get no gate noise at all, e.g. ``("rz",)`` because IBM
            devices implement RZ virtually.
        name: label for logs.
        metadata: provenance (device, calibration date, qubits used, coupling map, ...).
    """

    p1: Any = 0.0
    p2: Any = 0.0
    amplitude_damping: Any = 0.0
    phase_damping: Any = 0.0
    t1: Any = None
    t2: Any = None
    gate_time_1q: Any = 0.0
    gate_time_2q: Any = 0.0
    readout: Any = None
    shots: int | None = None
    shot_noise: str = "exact"
    noiseless_gates: tuple[str, ...] = ()
    name: str = "custom"
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.p1 = _normalise(self.p1, "p1", _check_prob)
        self.p2 = _normalise(self.p2, "p2", _check_prob, pair=True)
        self.amplitude_damping = _normalise(self.amplitude_damping, "amplitude_damping", _check_prob)
        self.phase_damping = _normalise(self.phase_damping, "phase_damping", _check_prob)
        if (self.t1 is None) != (self.t2 is None):
            raise ValueError("thermal relaxation needs both t1 and t2 (seconds); got only one of them")
        if self.t1 is not None:
            self.t1 = _normalise(self.t1, "t1", _check_positive)
            self.t2 = _normalise(self.t2, "t2", _check_positive)
            self._check_t2_bound()
        time_check = lambda v, w: _check_positive(v, w, allow_zero=True)  # noqa: E731
        self.gate_time_1q = _normalise(self.gate_time_1q, "gate_time_1q", time_check)
        self.gate_time_2q = _normalise(self.gate_time_2q, "gate_time_2q", time_check, pair=True)
        if self.readout is not None:
            self.readout = _normalise(self.readout, "readout", _check_readout)
        if self.shots is not None:
            if isinstance(self.shots, bool) or not isinstance(self.shots, int | np.integer) or self.shots < 1:
                raise ValueError(
                    f"shots = {self.shots!r} is not allowed; it must be a positive integer or None"
                )
            self.shots = int(self.shots)
        if self.shot_noise not in SHOT_NOISE_MODES:
            raise ValueError(
                f"shot_noise = {self.shot_noise!r} is not allowed; "
                f"choose one of {', '.join(SHOT_NOISE_MODES)}"
            )
        from qgnas.quantum.circuit import canonical_gate_name

        self.noiseless_gates = tuple(canonical_gate_name(g) for g in self.noiseless_gates)
        self.metadata = dict(self.metadata)

    def _check_t2_bound(self) -> None:
        keys = set(self.t1) if isinstance(self.t1, dict) else set()
        keys |= set(self.t2) if isinstance(self.t2, dict) else set()
        for key in keys or {None}:
            t1 = self.t1 if not isinstance(self.t1, dict) else self.t1.get(key, self.t1.get("default"))
            t2 = self.t2 if not isinstance(self.t2, dict) else self.t2.get(key, self.t2.get("default"))
            if t1 is not None and t2 is not None and t2 > 2 * t1 * (1 + 1e-12):
                where = "" if key is None else f" (qubit {key})"
                raise ValueError(
                    f"t2 = {t2!r} exceeds 2 * t1 = {2 * t1!r}{where}; a physical relaxation channel needs "
                    "t2 <= 2 t1"
                )

    # ------------------------------------------------------------------ named constructors

    @classmethod
    def noiseless(cls) -> NoiseModel:
        return cls(name="noiseless")

    @classmethod
    def depolarizing(cls, p1: Any = 0.001, p2: Any = 0.005, **kwargs: Any) -> NoiseModel:
        """Depolarizing noise after every gate: ``p1`` after 1q gates, ``p2`` after 2q gates (CRLQAS used
        0.001 and 0.005)."""
        kwargs.setdefault("name", f"depolarizing_p1={p1}_p2={p2}")
        return cls(p1=p1, p2=p2, **kwargs)

    @classmethod
    def amplitude_damping_model(cls, gamma: Any, **kwargs: Any) -> NoiseModel:
        """Amplitude damping ``gamma`` after every gate on each qubit it touches."""
        kwargs.setdefault("name", f"amplitude_damping_{gamma}")
        return cls(amplitude_damping=gamma, **kwargs)

    @classmethod
    def phase_damping_model(cls, gamma: Any, **kwargs: Any) -> NoiseModel:
        """Phase damping ``gamma`` after every gate on each qubit it touches."""
        kwargs.setdefault("name", f"phase_damping_{gamma}")
        return cls(phase_damping=gamma, **kwargs)

    @classmethod
    def thermal_relaxation(
        cls, t1: Any, t2: Any, gate_time_1q: Any = 35e-9, gate_time_2q: Any = 400e-9, **kwargs: Any
    ) -> NoiseModel:
        """Thermal relaxation (T1, T2 in seconds) during every gate; default durations are typical of
        IBM devices (35 ns single-qubit, 400 ns CNOT)."""
        kwargs.setdefault("name", "thermal_relaxation")
        return cls(t1=t1, t2=t2, gate_time_1q=gate_time_1q, gate_time_2q=gate_time_2q, **kwargs)

    @classmethod
    def readout_error(cls, p10: Any, p01: Any | None = None, **kwargs: Any) -> NoiseModel:
        """Readout error only: ``p10 = p(1|0)``, ``p01 = p(0|1)`` (defaults to ``p10``)."""
        kwargs.setdefault("name", "readout")
        readout = p10 if p01 is None or isinstance(p10, Mapping) else (p10, p01)
        return cls(readout=readout, **kwargs)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | NoiseModel | str | None) -> NoiseModel:
        """Build a model from a mapping (e.g. a parsed YAML/JSON section), or a preset name.

        A ``"device"`` key (with optional ``n_qubits``, ``qubits``, ``statistic``, ``scale``) builds a
        calibration-based model via :meth:`from_backend`; other keys override its fields. Preset names:
        ``"noiseless"``, ``"depolarizing"`` (CRLQAS's 0.001 / 0.005).
        """
        if config is None:
            return cls.noiseless()
        if isinstance(config, NoiseModel):
            return config
        if isinstance(config, str):
            presets = {"noiseless": cls.noiseless, "none": cls.noiseless, "depolarizing": cls.depolarizing}
            if config.lower() in presets:
                return presets[config.lower()]()
            raise ValueError(f"unknown noise preset {config!r}; known: {', '.join(presets)} (or a mapping)")
        if not isinstance(config, Mapping):
            raise ValueError(
                f"noise config must be a mapping, a preset name or None, got {type(config).__name__}"
            )
        cfg = dict(config)
        fields = {f.name for f in dataclasses.fields(cls)}
        device_keys = {"device", "n_qubits", "qubits", "statistic", "scale", "virtual_rz"}
        unknown = set(cfg) - fields - device_keys
        if unknown:
            raise ValueError(
                f"unknown noise config keys {sorted(unknown)}; allowed: {sorted(fields | device_keys)}"
            )
        if "device" in cfg:
            dev_args = {k: cfg.pop(k) for k in list(cfg) if k in device_keys}
            base = cls.from_backend(dev_args.pop("device"), **dev_args)
            return dataclasses.replace(base, **cfg) if cfg else base
        stray = set(cfg) & (device_keys - {"device"})
        if stray:
            raise ValueError(f"noise config keys {sorted(stray)} only make sense together with 'device'")
        if "noiseless_gates" in cfg:
            cfg["noiseless_gates"] = tuple(cfg["noiseless_gates"])
        return cls(**cfg)

    @classmethod
    def from_yaml(cls, source: str) -> NoiseModel:
        """Build from YAML text or a path to a YAML file (see :meth:`from_config`)."""
        import os

        import yaml

        text = source
        if "\n" not in source and os.path.exists(source):
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        return cls.from_config(yaml.safe_load(text))

    def to_config(self) -> dict[str, Any]:
        """Plain dictionary (YAML/JSON-ready) that :meth:`from_config` turns back into this model."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "noiseless_gates":
                value = list(value)
            elif f.name != "metadata":
                value = _to_plain(value)
            out[f.name] = value
        return out

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_config(), sort_keys=False)

    def with_shots(self, shots: int | None, shot_noise: str | None = None) -> NoiseModel:
        """A copy with another shot budget (and optionally mode); the 3-stage optimisers use this."""
        return dataclasses.replace(self, shots=shots, shot_noise=shot_noise or self.shot_noise)

    # ------------------------------------------------------------------ device calibration

    @classmethod
    def from_backend(
        cls,
        backend: Any = "fake_mumbai",
        n_qubits: int | None = None,
        qubits: Sequence[int] | None = None,
        statistic: str = "calibrated",
        scale: float = 1.0,
        virtual_rz: bool = True,
    ) -> NoiseModel:
        """A model from a device's published calibration data, restricted to the qubits in use.

        Circuit qubit ``i`` runs on device qubit ``qubits[i]`` (default ``0..n_qubits-1``). From the
        calibration: T1/T2 and the gate durations give thermal relaxation after each gate; the
        reported gate error is matched by a depolarizing channel on top of that relaxation (the
        depolarizing part makes up the error the relaxation does not explain, as Qiskit's
        ``NoiseModel.from_backend`` does; never negative, at most 1); ``prob_meas1_prep0`` /
        ``prob_meas0_prep1`` give the readout error. One-qubit gates use the ``sx`` calibration, two-qubit
        gates the ``cx`` one of that ordered pair (its reverse if only that is calibrated; uncoupled
        pairs get the median of the used pairs, and the coupling map is kept in ``metadata``). RZ is
        virtual and noiseless on IBM devices (``virtual_rz``). T2 is clipped to 2 T1.

        Args:
            backend: a qiskit-ibm-runtime fake backend object, or a name such as ``"fake_mumbai"``,
                ``"mumbai"`` or ``"FakeMumbaiV2"`` (CRLQAS used IBM Mumbai).
            n_qubits: number of circuit qubits (default ``len(qubits)``).
            qubits: device qubits to use, in circuit order.
            statistic: ``"calibrated"`` (each qubit/pair its own values), ``"median"`` or ``"max"``
                (every qubit/pair gets the median / worst value over the used ones: the highest error,
                the shortest T1/T2), CRLQAS's "median" and "max" settings.
            scale: multiplies every error probability and divides T1 and T2 (CRLQAS's "10x max" is
                ``statistic="max", scale=10``); a scaled probability above 1 is an error.
            virtual_rz: treat RZ as noiseless.
        """
        props, dev_name, n_dev, coupling = _backend_calibration(backend)
        if qubits is None:
            if n_qubits is None:
                raise ValueError("from_backend needs n_qubits or an explicit list of device qubits")
            qubits = list(range(int(n_qubits)))
        qubits = [int(q) for q in qubits]
        if n_qubits is not None and int(n_qubits) != len(qubits):
            raise ValueError(f"n_qubits = {n_qubits} but {len(qubits)} device qubits were given: {qubits}")
        for q in qubits:
            if not 0 <= q < n_dev:
                raise ValueError(f"device qubit {q} does not exist on {dev_name} (allowed 0..{n_dev - 1})")
        if len(set(qubits)) != len(qubits):
            raise ValueError(f"device qubits {qubits} repeat a qubit")
        if statistic not in ("calibrated", "median", "max"):
            raise ValueError(f"statistic = {statistic!r} is not allowed; choose calibrated, median or max")
        scale = float(scale)
        if not scale > 0:
            raise ValueError(f"scale = {scale!r} must be > 0")

        def qprop(q: int, name: str) -> float | None:
            entry = props.qubit_property(q).get(name)
            return None if entry is None else float(entry[0])

        n = len(qubits)
        t1 = [qprop(q, "T1") for q in qubits]
        t2 = [min(qprop(q, "T2"), 2 * t1[i]) for i, q in enumerate(qubits)]
        ro = []
        for q in qubits:
            p10, p01 = qprop(q, "prob_meas1_prep0"), qprop(q, "prob_meas0_prep1")
            if p10 is None or p01 is None:
                p10 = p01 = float(props.readout_error(q))
            ro.append((p10, p01))
        e1 = [float(props.gate_error("sx", q)) for q in qubits]
        d1 = [float(props.gate_length("sx", q)) for q in qubits]
        pairs: dict[tuple[int, int], tuple[float, float]] = {}
        for i, a in enumerate(qubits):
            for j, b in enumerate(qubits):
                for c, t in ((a, b), (b, a)):
                    if (c, t) in coupling and (i, j) not in pairs:
                        pairs[(i, j)] = (
                            float(props.gate_error("cx", [c, t])),
                            float(props.gate_length("cx", [c, t])),
                        )
        if pairs:
            e2_all = [v[0] for v in pairs.values()]
            d2_all = [v[1] for v in pairs.values()]
        else:  # no coupled pair among the used qubits: fall back to the whole device
            e2_all = [float(props.gate_error("cx", list(p))) for p in coupling]
            d2_all = [float(props.gate_length("cx", list(p))) for p in coupling]

        def summarise(values: list[float], worst: str) -> float:
            if statistic == "median":
                return float(np.median(values))
            return float(max(values) if worst == "max" else min(values))

        if statistic != "calibrated":
            t1 = [summarise(t1, "min")] * n
            t2 = [min(summarise(t2, "min"), 2 * t1[0])] * n
            ro = [(summarise([r[0] for r in ro], "max"), summarise([r[1] for r in ro], "max"))] * n
            e1 = [summarise(e1, "max")] * n
            d1 = [summarise(d1, "max")] * n
            e2_const, d2_const = summarise(e2_all, "max"), summarise(d2_all, "max")
            pairs = {}
        else:
            e2_const, d2_const = float(np.median(e2_all)), float(np.median(d2_all))

        def scaled(p: float, what: str) -> float:
            v = p * scale
            if v > 1.0:
                raise ValueError(
                    f"{what} = {p:.4g} x scale {scale:g} = {v:.4g} is outside the allowed range [0, 1]"
                )
            return v

        t1 = [v / scale for v in t1]
        t2 = [v / scale for v in t2]
        readout = {
            i: (
                scaled(a, f"readout p(1|0) of qubit {qubits[i]}"),
                scaled(b, f"readout p(0|1) of qubit {qubits[i]}"),
            )
            for i, (a, b) in enumerate(ro)
        }
        p1 = {}
        for i in range(n):
            relax = Channel("thermal_relaxation", (0,), (t1[i], t2[i], d1[i]))
            p1[i] = _depolarizing_for_error(scaled(e1[i], f"sx error of qubit {qubits[i]}"), [relax], 1)
        p2: dict[Any, float] = {}
        time2: dict[Any, float] = {}
        for (i, j), (err, dur) in pairs.items():
            relax = [
                Channel("thermal_relaxation", (0,), (t1[i], t2[i], dur)),
                Channel("thermal_relaxation", (1,), (t1[j], t2[j], dur)),
            ]
            p2[(i, j)] = _depolarizing_for_error(
                scaled(err, f"cx error of pair {(qubits[i], qubits[j])}"), relax, 2
            )
            time2[(i, j)] = dur
        # uncoupled pairs / summarised models: one value, depolarizing computed for a typical pair
        relax_typ = [
            Channel("thermal_relaxation", (0,), (float(np.median(t1)), float(np.median(t2)), d2_const)),
            Channel("thermal_relaxation", (1,), (float(np.median(t1)), float(np.median(t2)), d2_const)),
        ]
        p2["default"] = _depolarizing_for_error(scaled(e2_const, "cx error"), relax_typ, 2)
        time2["default"] = d2_const
        logical_coupling = sorted(
            (i, j) for i, a in enumerate(qubits) for j, b in enumerate(qubits) if (a, b) in coupling
        )
        return cls(
            p1=p1,
            p2=p2,
            t1=dict(enumerate(t1)),
            t2=dict(enumerate(t2)),
            gate_time_1q=dict(enumerate(d1)),
            gate_time_2q=time2,
            readout=readout,
            noiseless_gates=("rz",) if virtual_rz else (),
            name=f"{dev_name}_{statistic}" + (f"_x{scale:g}" if scale != 1 else ""),
            metadata={
                "device": dev_name,
                "device_qubits": qubits,
                "statistic": statistic,
                "scale": scale,
                "coupling_map": [list(p) for p in logical_coupling],
                "calibration_date": str(getattr(props, "last_update_date", "")),
            },
        )

    # ------------------------------------------------------------------ queries

    @property
    def has_gate_noise(self) -> bool:
        """Whether any channel follows any gate (if not, a state-vector simulation is exact)."""
        return not (
            _is_zero(self.p1)
            and _is_zero(self.p2)
            and _is_zero(self.amplitude_damping)
            and _is_zero(self.phase_damping)
            and self.t1 is None
        )

    @property
    def has_readout_error(self) -> bool:
        if self.readout is None:
            return False
        if isinstance(self.readout, dict):
            return any(v != (0.0, 0.0) for v in self.readout.values())
        return self.readout != (0.0, 0.0)

    @property
    def is_noiseless(self) -> bool:
        return not self.has_gate_noise and not self.has_readout_error and self.shots is None

    def channels_after(self, gate: Any) -> list[Channel]:
        """The channels that follow ``gate`` (a :class:`~qgnas.quantum.circuit.Gate`), in order."""
        name, qubits = gate.name, tuple(gate.qubits)
        if name in self.noiseless_gates:
            return []
        out: list[Channel] = []
        two = len(qubits) == 2
        p = _lookup(self.p2, qubits, "p2") if two else _lookup(self.p1, qubits[0], "p1")
        if p > 0:
            out.append(Channel("depolarizing", qubits, (p,)))
        if self.t1 is not None:
            time = (
                _lookup(self.gate_time_2q, qubits, "gate_time_2q")
                if two
                else _lookup(self.gate_time_1q, qubits[0], "gate_time_1q")
            )
            if time > 0:
                for q in qubits:
                    t1, t2 = _lookup(self.t1, q, "t1"), _lookup(self.t2, q, "t2")
                    out.append(Channel("thermal_relaxation", (q,), (t1, t2, time)))
        for kind, table in (
            ("amplitude_damping", self.amplitude_damping),
            ("phase_damping", self.phase_damping),
        ):
            for q in qubits:
                g = _lookup(table, q, kind)
                if g > 0:
                    out.append(Channel(kind, (q,), (g,)))
        return out

    def readout_probs(self, qubit: int) -> tuple[float, float]:
        """``(p(1|0), p(0|1))`` of a qubit; ``(0, 0)`` without readout error."""
        if self.readout is None:
            return (0.0, 0.0)
        return _lookup(self.readout, qubit, "readout")

    def readout_factors(self, n_qubits: int) -> tuple[np.ndarray, np.ndarray]:
        """Per qubit ``(a, b)`` with measured ``sigma -> a sigma + b I`` for every non-identity factor.

        Reading the bit of a qubit whose factor was rotated onto Z gives
        ``<Z>_read = P(read 0) - P(read 1) = (1 - p10 - p01) <Z> + (p01 - p10)``, since
        ``P(read 0) = (1 - p10) P0 + p01 P1``. Flips are independent across qubits, so a product of
        factors maps to the product of these affine maps.
        """
        probs = np.array([self.readout_probs(q) for q in range(n_qubits)], dtype=np.float64).reshape(
            n_qubits, 2
        )
        a = 1.0 - probs[:, 0] - probs[:, 1]
        b = probs[:, 1] - probs[:, 0]
        return a, b

    # ------------------------------------------------------------------ conversions

    def to_qiskit_aer(
        self,
        n_qubits: int,
        gates: Sequence[str] | None = None,
        instructions: Sequence[tuple[str, tuple[int, ...]]] | None = None,
    ) -> Any:
        """A ``qiskit_aer.noise.NoiseModel`` with the same channels on qubits ``0..n_qubits-1``.

        Errors are attached per gate name and qubit tuple, composed in the order documented at the top
        of this module. ``gates`` limits the gate names, ``instructions`` the exact ``(name, qubits)``
        pairs (what a given circuit uses; building errors for every qubit pair of a large device
        model is slow in Qiskit). Readout errors are attached too, but note that Aer applies them only
        to ``measure`` instructions.
        """
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
        model = AerNoiseModel(basis_gates=sorted(set(names) | {"id"}))
        for name, qubits in instructions:
            channels = self.channels_after(Gate(name, tuple(qubits)))
            if channels:
                model.add_quantum_error(_compose_qiskit(channels, tuple(qubits)), name, list(qubits))
        if self.has_readout_error:
            for q in range(n_qubits):
                p10, p01 = self.readout_probs(q)
                model.add_readout_error(ReadoutError([[1 - p10, p10], [p01, 1 - p01]]), [q])
        return model

    def pennylane_channels(self, gate: Any) -> list[Any]:
        """PennyLane channel operations that follow ``gate``; call inside a QNode to queue them."""
        return [ch.to_pennylane() for ch in self.channels_after(gate)]

    def summary(self) -> str:
        parts = [self.name]
        if self.has_gate_noise:
            parts.append("gate noise")
        if self.has_readout_error:
            parts.append("readout")
        if self.shots:
            parts.append(f"{self.shots} shots ({self.shot_noise})")
        return ", ".join(parts) if len(parts) > 1 else f"{self.name} (noiseless)"


def _check_readout(value: Any, what: str) -> tuple[float, float]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{what} must be p or (p(1|0), p(0|1)), got {value!r}")
        return (_check_prob(value[0], f"{what} p(1|0)"), _check_prob(value[1], f"{what} p(0|1)"))
    p = _check_prob(value, what)
    return (p, p)


def _depolarizing_for_error(error: float, relaxation: list[Channel], k: int) -> float:
    """Depolarizing probability p such that depolarizing-then-relaxation has average gate error ``error``.

    Average gate fidelity F = (d F_pro + 1) / (d + 1) with the process fidelity F_pro = Tr(R) / d^2 of
    the PTM R. Depolarizing scales every non-identity Pauli by (1 - p), so
    ``Tr(R_total) = 1 + (1 - p) (Tr(R_relax) - 1)``; solve for p.
    """
    d = 2**k
    # the relaxation channels act on different qubits: the PTM is their Kronecker product, whose trace
    # is the product of the traces
    trace_relax = float(np.prod([np.trace(ch.ptm()) for ch in relaxation])) if relaxation else float(d * d)
    f_pro_target = ((1.0 - error) * (d + 1) - 1.0) / d
    if trace_relax - 1.0 <= 0:
        return 0.0
    p = 1.0 - (d * d * f_pro_target - 1.0) / (trace_relax - 1.0)
    return float(min(max(p, 0.0), 1.0))


def _compose_qiskit(channels: list[Channel], qubits: tuple[int, ...]) -> Any:
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


def _backend_calibration(backend: Any) -> tuple[Any, str, int, set[tuple[int, int]]]:
    """(BackendProperties, name, number of qubits, coupling pairs) of a fake backend or its name."""
    if isinstance(backend, str):
        try:
            from qiskit_ibm_runtime import fake_provider
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "device noise models need qiskit-ibm-runtime (pip install qiskit-ibm-runtime), which ships "
                "the IBM fake backends and their calibration files"
            ) from exc
        key = backend.lower().replace("_", "").replace("-", "").replace("ibm", "")
        key = key.removeprefix("fake").removesuffix("v2")
        candidates = {
            name.lower().removeprefix("fake").removesuffix("v2"): name
            for name in dir(fake_provider)
            if name.startswith("Fake") and name.endswith("V2")
        }
        if key not in candidates:
            raise ValueError(
                f"unknown device {backend!r}; known fake backends include "
                f"{', '.join(sorted(candidates)[:12])}, ... (see qiskit_ibm_runtime.fake_provider)"
            )
        backend = getattr(fake_provider, candidates[key])()
    props = backend.properties() if callable(getattr(backend, "properties", None)) else None
    if props is None:
        raise ValueError(f"backend {backend!r} publishes no calibration properties")
    name = str(getattr(backend, "name", "device"))
    n_dev = int(getattr(backend, "num_qubits", len(props.qubits)))
    cmap = getattr(backend, "coupling_map", None)
    coupling = {(int(a), int(b)) for a, b in (cmap.get_edges() if hasattr(cmap, "get_edges") else cmap or [])}
    return props, name, n_dev, coupling


# ---------------------------------------------------------------------------------------- shots


def apply_shot_noise(
    expectations: Any,
    coeffs: Any,
    shots: int,
    mode: str = "exact",
    rng: np.random.Generator | int | None = None,
    identity: Any = None,
) -> Any:
    """Energy estimated from ``shots`` measurements of each Pauli term.

    Args:
        expectations: measured term expectations ``<P_j>`` (readout error included), torch tensor
            ``[B, T]``.
        coeffs: the terms' coefficients ``[T]``.
        shots: measurements per term.
        mode: ``"exact"``: each term's estimate is ``2 k / shots - 1`` with
            ``k ~ Binomial(shots, (1 + <P_j>) / 2)``; ``"gaussian"``: CRLQAS's approximation
            ``E + sum_j c_j N(0, shots^-1/2)``.
        rng: numpy Generator (or seed) that draws the noise, so runs are reproducible.
        identity: boolean mask ``[T]`` of identity terms, which are known exactly and never sampled.

    Returns:
        ``[B]`` energies. Gradients flow as if the noise were absent (the sample is added as a
        constant offset), which is what an optimiser on noisy estimates sees on average.
    """
    import torch

    if mode not in SHOT_NOISE_MODES:
        raise ValueError(
            f"shot noise mode {mode!r} is not allowed; choose one of {', '.join(SHOT_NOISE_MODES)}"
        )
    if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
        raise ValueError(f"shots = {shots!r} is not allowed; it must be a positive integer")
    rng = np.random.default_rng(rng)
    exp = expectations
    c = torch.as_tensor(coeffs, dtype=exp.dtype, device=exp.device)
    exact = exp @ c
    measured = np.ones(exp.shape[-1], dtype=bool) if identity is None else ~np.asarray(identity, dtype=bool)
    ev = exp.detach().cpu().numpy()
    if mode == "exact":
        prob = np.clip((1.0 + ev) / 2.0, 0.0, 1.0)
        sampled = 2.0 * rng.binomial(int(shots), prob) / shots - 1.0
        sampled = np.where(measured, sampled, ev)
        noise = (sampled - ev) @ np.asarray(c.detach().cpu().numpy())
    else:
        sigma = shots**-0.5
        draws = rng.normal(0.0, sigma, size=ev.shape) * measured
        noise = draws @ np.asarray(c.detach().cpu().numpy())
    return exact + torch.as_tensor(noise, dtype=exp.dtype, device=exp.device)
