"""Noise models from a device's published calibration data (the IBM fake backends of qiskit-ibm-runtime).

:func:`device_noise_parameters` computes the fields of a :class:`~qgnas.quantum.noise.NoiseModel` for
:meth:`NoiseModel.from_backend <qgnas.quantum.noise.NoiseModel.from_backend>`, whose docstring says what
they mean, in steps: load the device, choose its qubits, read their calibration, summarise it
(``statistic``), scale it, and match each gate's reported error with depolarizing on top of thermal
relaxation. qiskit-ibm-runtime is imported only when a device is named.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgnas.core.registry import Registry, normalise

from .channels import Channel

__all__ = [
    "STATISTICS",
    "Device",
    "depolarizing_for_error",
    "device_noise_parameters",
    "fake_devices",
    "load_device",
]


def _median(values: list[float], worst: str) -> float:
    return float(np.median(values))


def _worst(values: list[float], worst: str) -> float:
    """The worst value: the largest for an error or duration (``worst="max"``), else the smallest."""
    return float(max(values) if worst == "max" else min(values))


#: how per-qubit calibration values are used: each its own (``None``: kept), or one summary of the used
#: qubits' values for all of them, ``(values, worst) -> value``
STATISTICS: Registry[Callable[[list[float], str], float] | None] = Registry(
    "calibration statistic", {"calibrated": None, "median": _median, "max": _worst}
)


@dataclass(frozen=True)
class Device:
    """A device's calibration (``BackendProperties``), name, qubit count and coupled (control, target)
    pairs."""

    properties: Any
    name: str
    n_qubits: int
    coupling: frozenset[tuple[int, int]]


@dataclass(frozen=True)
class _Calibration:
    """Calibrated values of the qubits in use, index ``i`` being circuit qubit ``i``."""

    t1: list[float]
    t2: list[float]
    readout: list[tuple[float, float]]  # (p(1|0), p(0|1))
    sx_error: list[float]
    sx_time: list[float]
    cx: dict[tuple[int, int], tuple[float, float]]  # coupled circuit pair -> (cx error, cx duration)
    cx_pool: list[
        tuple[float, float]
    ]  # the used pairs' (error, duration), or the device's if none is coupled
    cx_error: float  # for pairs that ``cx`` does not list
    cx_time: float


def _device_key(name: str) -> str:
    """The look-up key of a fake device's name: ``"fake_mumbai"``, ``"ibm_mumbai"``, ``"FakeMumbaiV2"``
    and ``"mumbai"`` are one device."""
    return normalise(name).replace("ibm", "").removeprefix("fake").removesuffix("v2")


@functools.cache
def fake_devices() -> Registry[str]:
    """The fake backends of qiskit-ibm-runtime: short name (``"mumbai"``) -> ``"module:class"``."""
    try:
        from qiskit_ibm_runtime import fake_provider
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "device noise models need qiskit-ibm-runtime (pip install qiskit-ibm-runtime), which ships "
            "the IBM fake backends and their calibration files"
        ) from exc
    classes = [
        name
        for name in dir(fake_provider)
        if name.startswith("Fake") and name.endswith("V2") and "Provider" not in name
    ]
    return Registry(
        "device",
        {_device_key(name): f"{fake_provider.__name__}:{name}" for name in classes},
        normalise=_device_key,
    )


def load_device(backend: Any) -> Device:
    """The calibration of a fake backend object or of a fake backend's name (``"fake_mumbai"``,
    ``"mumbai"``, ``"FakeMumbaiV2"``)."""
    if isinstance(backend, str):
        backend = fake_devices().load(backend)()
    props = backend.properties() if callable(getattr(backend, "properties", None)) else None
    if props is None:
        raise ValueError(f"backend {backend!r} publishes no calibration properties")
    name = str(getattr(backend, "name", "device"))
    n_dev = int(getattr(backend, "num_qubits", len(props.qubits)))
    cmap = getattr(backend, "coupling_map", None)
    edges = cmap.get_edges() if hasattr(cmap, "get_edges") else cmap or []
    return Device(props, name, n_dev, frozenset((int(a), int(b)) for a, b in edges))


def device_noise_parameters(
    backend: Any = "fake_mumbai",
    n_qubits: int | None = None,
    qubits: Sequence[int] | None = None,
    statistic: str = "calibrated",
    scale: float = 1.0,
    virtual_rz: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of :class:`~qgnas.quantum.noise.NoiseModel` for a device, restricted to the
    qubits in use (arguments as :meth:`NoiseModel.from_backend`)."""
    device = load_device(backend)
    qubits = _device_qubits(device, n_qubits, qubits)
    statistic = STATISTICS.resolve(statistic)
    scale = float(scale)
    if not scale > 0:
        raise ValueError(f"scale = {scale!r} must be > 0")
    cal = _scaled(_summarised(_read_calibration(device, qubits), statistic), scale, qubits)
    p1, p2, time2 = _depolarizing_parts(cal)
    coupling = sorted(
        (i, j) for i, a in enumerate(qubits) for j, b in enumerate(qubits) if (a, b) in device.coupling
    )
    return {
        "p1": p1,
        "p2": p2,
        "t1": dict(enumerate(cal.t1)),
        "t2": dict(enumerate(cal.t2)),
        "gate_time_1q": dict(enumerate(cal.sx_time)),
        "gate_time_2q": time2,
        "readout": dict(enumerate(cal.readout)),
        "noiseless_gates": ("rz",) if virtual_rz else (),
        "name": f"{device.name}_{statistic}" + (f"_x{scale:g}" if scale != 1 else ""),
        "metadata": {
            "device": device.name,
            "device_qubits": qubits,
            "statistic": statistic,
            "scale": scale,
            "coupling_map": [list(p) for p in coupling],
            "calibration_date": str(getattr(device.properties, "last_update_date", "")),
        },
    }


def depolarizing_for_error(error: float, relaxation: list[Channel], k: int) -> float:
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


def _device_qubits(device: Device, n_qubits: int | None, qubits: Sequence[int] | None) -> list[int]:
    """The device qubits in circuit order (default ``0..n_qubits-1``), checked against the device."""
    if qubits is None:
        if n_qubits is None:
            raise ValueError("from_backend needs n_qubits or an explicit list of device qubits")
        qubits = list(range(int(n_qubits)))
    qubits = [int(q) for q in qubits]
    if n_qubits is not None and int(n_qubits) != len(qubits):
        raise ValueError(f"n_qubits = {n_qubits} but {len(qubits)} device qubits were given: {qubits}")
    for q in qubits:
        if not 0 <= q < device.n_qubits:
            raise ValueError(
                f"device qubit {q} does not exist on {device.name} (allowed 0..{device.n_qubits - 1})"
            )
    if len(set(qubits)) != len(qubits):
        raise ValueError(f"device qubits {qubits} repeat a qubit")
    return qubits


def _read_calibration(device: Device, qubits: list[int]) -> _Calibration:
    """Each used qubit's and coupled pair's own values; T2 clipped to 2 T1, readout from the
    ``prob_meas*`` entries (the symmetric ``readout_error`` where they are missing), a pair's cx from
    that ordered pair or else its reverse, uncoupled pairs the median of the used coupled pairs."""
    props = device.properties

    def qprop(q: int, name: str) -> float | None:
        entry = props.qubit_property(q).get(name)
        return None if entry is None else float(entry[0])

    t1 = [qprop(q, "T1") for q in qubits]
    t2 = [min(qprop(q, "T2"), 2 * t1[i]) for i, q in enumerate(qubits)]
    readout = []
    for q in qubits:
        p10, p01 = qprop(q, "prob_meas1_prep0"), qprop(q, "prob_meas0_prep1")
        if p10 is None or p01 is None:
            p10 = p01 = float(props.readout_error(q))
        readout.append((p10, p01))
    cx: dict[tuple[int, int], tuple[float, float]] = {}
    for i, a in enumerate(qubits):
        for j, b in enumerate(qubits):
            for c, t in ((a, b), (b, a)):
                if (c, t) in device.coupling and (i, j) not in cx:
                    cx[(i, j)] = (
                        float(props.gate_error("cx", [c, t])),
                        float(props.gate_length("cx", [c, t])),
                    )
    if cx:
        pool = list(cx.values())
    else:  # no coupled pair among the used qubits: fall back to the whole device
        pool = [
            (float(props.gate_error("cx", list(p))), float(props.gate_length("cx", list(p))))
            for p in device.coupling
        ]
    return _Calibration(
        t1=t1,
        t2=t2,
        readout=readout,
        sx_error=[float(props.gate_error("sx", q)) for q in qubits],
        sx_time=[float(props.gate_length("sx", q)) for q in qubits],
        cx=cx,
        cx_pool=pool,
        cx_error=float(np.median([e for e, _ in pool])),
        cx_time=float(np.median([d for _, d in pool])),
    )


def _summarised(cal: _Calibration, statistic: str) -> _Calibration:
    """For ``"median"`` / ``"max"``: every qubit and pair gets the median / worst value over the used
    ones (the highest error and duration, the shortest T1/T2); ``"calibrated"`` keeps each its own."""
    summarise = STATISTICS[statistic]
    if summarise is None:
        return cal
    n = len(cal.t1)
    t1 = summarise(cal.t1, "min")
    return dataclasses.replace(
        cal,
        t1=[t1] * n,
        t2=[min(summarise(cal.t2, "min"), 2 * t1)] * n,
        readout=[
            (summarise([r[0] for r in cal.readout], "max"), summarise([r[1] for r in cal.readout], "max"))
        ]
        * n,
        sx_error=[summarise(cal.sx_error, "max")] * n,
        sx_time=[summarise(cal.sx_time, "max")] * n,
        cx={},
        cx_error=summarise([e for e, _ in cal.cx_pool], "max"),
        cx_time=summarise([d for _, d in cal.cx_pool], "max"),
    )


def _scaled(cal: _Calibration, scale: float, qubits: list[int]) -> _Calibration:
    """Every error probability times ``scale`` (an error above 1 if one leaves [0, 1]), T1 and T2 divided
    by it."""

    def prob(p: float, what: str) -> float:
        v = p * scale
        if v > 1.0:
            raise ValueError(
                f"{what} = {p:.4g} x scale {scale:g} = {v:.4g} is outside the allowed range [0, 1]"
            )
        return v

    readout = [
        (prob(a, f"readout p(1|0) of qubit {qubits[i]}"), prob(b, f"readout p(0|1) of qubit {qubits[i]}"))
        for i, (a, b) in enumerate(cal.readout)
    ]
    sx_error = [prob(e, f"sx error of qubit {qubits[i]}") for i, e in enumerate(cal.sx_error)]
    cx = {
        (i, j): (prob(err, f"cx error of pair {(qubits[i], qubits[j])}"), dur)
        for (i, j), (err, dur) in cal.cx.items()
    }
    return dataclasses.replace(
        cal,
        t1=[v / scale for v in cal.t1],
        t2=[v / scale for v in cal.t2],
        readout=readout,
        sx_error=sx_error,
        cx=cx,
        cx_error=prob(cal.cx_error, "cx error"),
    )


def _depolarizing_parts(cal: _Calibration) -> tuple[dict[int, float], dict[Any, float], dict[Any, float]]:
    """``(p1, p2, gate_time_2q)``: the depolarizing that, after each gate's thermal relaxation, makes up
    the reported gate error; uncoupled pairs (and summarised models) use one typical pair's values."""

    def relaxation(i: int, slot: int, time: float) -> Channel:
        return Channel("thermal_relaxation", (slot,), (cal.t1[i], cal.t2[i], time))

    p1 = {
        i: depolarizing_for_error(cal.sx_error[i], [relaxation(i, 0, cal.sx_time[i])], 1)
        for i in range(len(cal.t1))
    }
    p2: dict[Any, float] = {}
    time2: dict[Any, float] = {}
    for (i, j), (err, dur) in cal.cx.items():
        p2[(i, j)] = depolarizing_for_error(err, [relaxation(i, 0, dur), relaxation(j, 1, dur)], 2)
        time2[(i, j)] = dur
    typical = (float(np.median(cal.t1)), float(np.median(cal.t2)), cal.cx_time)
    relax_typ = [Channel("thermal_relaxation", (0,), typical), Channel("thermal_relaxation", (1,), typical)]
    p2["default"] = depolarizing_for_error(cal.cx_error, relax_typ, 2)
    time2["default"] = cal.cx_time
    return p1, p2, time2
