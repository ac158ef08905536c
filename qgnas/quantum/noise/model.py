"""The :class:`NoiseModel`: gate, readout and shot noise as configuration (numbers per qubit or pair).

It validates and stores the parameters, builds itself from presets, mappings, YAML or a device's
calibration (:mod:`.calibration`), and answers what the simulators ask: the channels after a gate, the
readout error of a qubit. Exports to Qiskit Aer live in :mod:`.aer_export`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qgnas.core.registry import Registry

from .aer_export import aer_noise_model
from .calibration import device_noise_parameters
from .channels import Channel
from .parameters import check_positive, check_prob, check_readout, is_zero, lookup, normalise, to_plain
from .shots import SHOT_NOISE_MODES

__all__ = ["NOISE_CONFIG_KEYS", "NOISE_PRESETS", "NoiseModel"]


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
        self.p1 = normalise(self.p1, "p1", check_prob)
        self.p2 = normalise(self.p2, "p2", check_prob, pair=True)
        self.amplitude_damping = normalise(self.amplitude_damping, "amplitude_damping", check_prob)
        self.phase_damping = normalise(self.phase_damping, "phase_damping", check_prob)
        if (self.t1 is None) != (self.t2 is None):
            raise ValueError("thermal relaxation needs both t1 and t2 (seconds); got only one of them")
        if self.t1 is not None:
            self.t1 = normalise(self.t1, "t1", check_positive)
            self.t2 = normalise(self.t2, "t2", check_positive)
            self._check_t2_bound()
        time_check = lambda v, w: check_positive(v, w, allow_zero=True)  # noqa: E731
        self.gate_time_1q = normalise(self.gate_time_1q, "gate_time_1q", time_check)
        self.gate_time_2q = normalise(self.gate_time_2q, "gate_time_2q", time_check, pair=True)
        if self.readout is not None:
            self.readout = normalise(self.readout, "readout", check_readout)
        if self.shots is not None:
            if isinstance(self.shots, bool) or not isinstance(self.shots, int | np.integer) or self.shots < 1:
                raise ValueError(
                    f"shots = {self.shots!r} is not allowed; it must be a positive integer or None"
                )
            self.shots = int(self.shots)
        self.shot_noise = SHOT_NOISE_MODES.resolve(self.shot_noise)
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

        A ``"device"`` key (with optional ``n_qubits``, ``qubits``, ``statistic``, ``scale``,
        ``virtual_rz``) builds a calibration-based model via :meth:`from_backend`; other keys override
        its fields. Keys and preset names are looked up in :data:`NOISE_CONFIG_KEYS` and
        :data:`NOISE_PRESETS`: ``"none"`` (also ``"noiseless"``), ``"depolarizing"`` (CRLQAS's 0.001 /
        0.005).
        """
        if config is None:
            return cls.noiseless()
        if isinstance(config, NoiseModel):
            return config
        if isinstance(config, str):
            return getattr(cls, NOISE_PRESETS[config])()
        if not isinstance(config, Mapping):
            raise ValueError(
                f"noise config must be a mapping, a preset name or None, got {type(config).__name__}"
            )
        cfg: dict[str, Any] = {}
        for key, value in config.items():
            name = NOISE_CONFIG_KEYS.resolve(key)
            if name in cfg:
                raise ValueError(f"noise config key {name!r} is given twice (as {key!r} too)")
            cfg[name] = value
        dev_args = {k: cfg.pop(k) for k in list(cfg) if NOISE_CONFIG_KEYS[k] == "device"}
        if "device" in dev_args:
            base = cls.from_backend(dev_args.pop("device"), **dev_args)
            return dataclasses.replace(base, **cfg) if cfg else base
        if dev_args:
            raise ValueError(f"noise config keys {sorted(dev_args)} only make sense together with 'device'")
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
                value = to_plain(value)
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
        return cls(**device_noise_parameters(backend, n_qubits, qubits, statistic, scale, virtual_rz))

    # ------------------------------------------------------------------ queries

    @property
    def has_gate_noise(self) -> bool:
        """Whether any channel follows any gate (if not, a state-vector simulation is exact)."""
        return not (
            is_zero(self.p1)
            and is_zero(self.p2)
            and is_zero(self.amplitude_damping)
            and is_zero(self.phase_damping)
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
        p = lookup(self.p2, qubits, "p2") if two else lookup(self.p1, qubits[0], "p1")
        if p > 0:
            out.append(Channel("depolarizing", qubits, (p,)))
        if self.t1 is not None:
            time = (
                lookup(self.gate_time_2q, qubits, "gate_time_2q")
                if two
                else lookup(self.gate_time_1q, qubits[0], "gate_time_1q")
            )
            if time > 0:
                for q in qubits:
                    t1, t2 = lookup(self.t1, q, "t1"), lookup(self.t2, q, "t2")
                    out.append(Channel("thermal_relaxation", (q,), (t1, t2, time)))
        for kind, table in (
            ("amplitude_damping", self.amplitude_damping),
            ("phase_damping", self.phase_damping),
        ):
            for q in qubits:
                g = lookup(table, q, kind)
                if g > 0:
                    out.append(Channel(kind, (q,), (g,)))
        return out

    def readout_probs(self, qubit: int) -> tuple[float, float]:
        """``(p(1|0), p(0|1))`` of a qubit; ``(0, 0)`` without readout error."""
        if self.readout is None:
            return (0.0, 0.0)
        return lookup(self.readout, qubit, "readout")

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
        of :mod:`qgnas.quantum.noise`. ``gates`` limits the gate names, ``instructions`` the exact ``(name, qubits)``
        pairs (what a given circuit uses; building errors for every qubit pair of a large device
        model is slow in Qiskit). Readout errors are attached too, but note that Aer applies them only
        to ``measure`` instructions.
        """
        return aer_noise_model(self, n_qubits, gates, instructions)

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


#: preset name -> the :class:`NoiseModel` constructor that builds it (``NoiseModel.from_config(name)``)
NOISE_PRESETS: Registry[str] = Registry(
    "noise preset",
    {"none": "noiseless", "depolarizing": "depolarizing"},
    {"noiseless": "none", "null": "none", "off": "none"},
)

#: key of a noise config mapping -> where it goes: ``"model"`` (a :class:`NoiseModel` field) or ``"device"``
#: (an argument of :meth:`NoiseModel.from_backend`)
NOISE_CONFIG_KEYS: Registry[str] = Registry(
    "noise config key",
    {f.name: "model" for f in dataclasses.fields(NoiseModel)}
    | {k: "device" for k in ("device", "n_qubits", "qubits", "statistic", "scale", "virtual_rz")},
)
