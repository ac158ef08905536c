"""How quantum architecture search evaluates a circuit: one code path for the environment and the search.

``qgnas/QuantumArchSearch-v0`` (``envs/quantum_arch_search.py``) and the search-space evaluator
(:class:`~qgnas.quantum.circuit_space.CircuitEvaluator`) both resolve optimiser names, noise settings and
simulators here, optimise angles with :func:`optimise_circuit` and read energies with :func:`energy_at`,
so a circuit is scored the same way whether an RL agent or a searcher proposed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qgnas.core.registry import Registry, UnknownName

#: Chemical accuracy in Hartree (1.6 mHa), the success criterion of CRLQAS.
CHEMICAL_ACCURACY = 1.6e-3
#: optimizer name -> (:func:`~qgnas.quantum.optimizers.minimize` method, its default options);
#: ``adam_spsa_3stage`` is Adam-SPSA with ``stages=3``, and COBYLA stops after 100 evaluations
OPTIMIZERS: Registry[tuple[str, dict[str, Any]]] = Registry(
    "optimizer",
    {
        "cobyla": ("cobyla", {"maxiter": 100}),
        "adam_spsa": ("adam_spsa", {}),
        "adam_spsa_3stage": ("adam_spsa", {"stages": 3}),
        "spsa": ("spsa", {}),
        "adam": ("adam", {}),
    },
)


def optimizer_settings(
    optimizer: str = "cobyla", options: dict[str, Any] | None = None, shots: int | None = None
) -> tuple[str, dict[str, Any]]:
    """(``minimize`` method, options) for an optimiser name of :data:`OPTIMIZERS`, the options given
    overriding its defaults, as ``QuantumArchSearch-v0`` resolves them. ``adam_spsa_3stage`` needs
    ``shots``. Raises ValueError naming the bad name and the allowed ones."""
    name = OPTIMIZERS.resolve(str(optimizer).strip())
    if name == "adam_spsa_3stage" and shots is None:
        raise ValueError(
            "optimizer 'adam_spsa_3stage' needs shots=N (its stages use N/100, N/10 and N shots)"
        )
    method, defaults = OPTIMIZERS[name]
    return method, {**defaults, **(options or {})}


#: what a user may write for no noise at all: the names of the ``"none"`` noise preset, or nothing
NOISELESS_NAMES = ("none", "noiseless", "null", "off", "")


def noise_model(noise: Any, n_qubits: int) -> Any:
    """A :class:`~qgnas.quantum.noise.NoiseModel` (or None for noiseless) from what a user may write:
    None or a name of :data:`NOISELESS_NAMES`; a noise preset (``"depolarizing"``); a device name such as
    ``"fake_mumbai"`` (its calibration on circuit qubits ``0..n_qubits-1``); a config mapping
    (``NoiseModel.from_config``), where a ``device`` entry without ``n_qubits``/``qubits`` gets
    ``n_qubits`` filled in."""
    from .noise import NOISE_PRESETS, NoiseModel

    if noise is None or isinstance(noise, NoiseModel):
        return noise
    if isinstance(noise, str):
        key = noise.strip()
        if key.lower().startswith("fake") or key.lower() == "mumbai":
            return NoiseModel.from_config({"device": key, "n_qubits": n_qubits})
        if key not in NOISE_PRESETS:
            if not key:
                return None
            raise UnknownName(
                f"unknown noise {noise!r}; allowed: {', '.join(NOISE_PRESETS)}, a device such as "
                "fake_mumbai, or a noise config mapping (NoiseModel.from_config)"
            )
        preset = NOISE_PRESETS.resolve(key)
        return None if preset == "none" else NoiseModel.from_config(preset)
    if isinstance(noise, dict):
        cfg = dict(noise)
        if "device" in cfg and "n_qubits" not in cfg and "qubits" not in cfg:
            cfg["n_qubits"] = n_qubits
        return NoiseModel.from_config(cfg)
    raise ValueError(
        f"noise must be None, a NoiseModel, a preset or device name, or a config mapping; got {noise!r}"
    )


def make_simulator(backend: str, noise: Any, device: str) -> Any:
    """The environment's backend choice: the PTM simulator, or a slow reference backend by name."""
    if backend == "ptm":
        from .ptm import PTMSimulator

        return PTMSimulator(noise=noise, device=device)
    from .backends import get_backend

    return get_backend(backend, noise=noise)


def optimise_circuit(
    circuit: Any,
    hamiltonian: Any,
    simulator: Any,
    method: str,
    options: dict[str, Any],
    rng: np.random.Generator,
    x0: Sequence[float] | None = None,
    shots: int | None = None,
    shot_noise: str = "gaussian",
) -> tuple[np.ndarray, float, int]:
    """Optimise ``circuit``'s angles on ``simulator``: (angles, energy, objective evaluations).

    This is the environment's ``_optimise`` step: an :class:`EnergyObjective` (with the run's shot
    noise drawn from ``rng``) minimised by ``minimize(method, rng=rng, **options)``. ``x0`` defaults to
    fresh angles U(0, 0.1), what the environment draws for newly added gates.
    """
    from .objective import EnergyObjective
    from .optimizers import initial_angles, minimize

    if x0 is None:
        x0 = initial_angles(circuit.n_params, rng)
    objective = EnergyObjective(simulator, circuit, hamiltonian, shots=shots, shot_noise=shot_noise, rng=rng)
    result = minimize(objective, np.asarray(x0, dtype=np.float64), method, rng=rng, **options)
    return np.asarray(result.x, dtype=np.float64), float(result.fun), int(result.nfev)


def energy_at(simulator: Any, circuit: Any, hamiltonian: Any, params: np.ndarray) -> float:
    import torch

    x = torch.as_tensor(np.asarray(params, dtype=np.float64)[None, :])
    return float(np.asarray(simulator.expectation(circuit, hamiltonian, x)).reshape(-1)[0])


__all__ = [
    "CHEMICAL_ACCURACY",
    "NOISELESS_NAMES",
    "OPTIMIZERS",
    "energy_at",
    "make_simulator",
    "noise_model",
    "optimise_circuit",
    "optimizer_settings",
]
