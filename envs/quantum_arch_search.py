"""``qgnas/QuantumArchSearch-v0``: curriculum RL for quantum architecture search under noise (CRLQAS)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qgnas.quantum.actions import CircuitBoard, GateActions
from qgnas.quantum.backends import resolve_backend
from qgnas.quantum.circuit import Circuit
from qgnas.quantum.evaluation import (
    CHEMICAL_ACCURACY,
    energy_at,
    make_simulator,
    noise_model,
    optimise_circuit,
    optimizer_settings,
)
from qgnas.quantum.hamiltonian import Hamiltonian

from .crlqas import MovingThreshold, RandomHalting, incremental_with_fixed_ends

_CURRICULUM_KEYS = ("mu", "xi0", "period", "delta", "successes", "kappa", "switch")


class QuantumArchSearchEnv(gym.Env):
    """Build a variational circuit gate by gate until its energy is (nearly) the ground energy.

    ## Description
    The CRLQAS environment (Patel et al., ICLR 2024, after Ostaszewski et al., NeurIPS 2021). Each step
    appends one gate (CNOT or RX/RY/RZ) to the circuit, re-optimises *all* rotation angles with the
    configured optimiser on the configured (noisy) simulator, and rewards the change in energy. A
    feedback-driven curriculum moves the success threshold toward the best energy found so far.

    ## Action Space
    ``Discrete(n_cnot_pairs + 3 * n_qubits)``: first every ordered CNOT pair ``(control, target)``
    allowed by ``connectivity`` (all ``n(n-1)`` by default), then ``rx, ry, rz`` on qubit 0, on qubit
    1, ... (``n(n+2)`` actions with full connectivity). Illegal actions (the same CNOT, or the same
    rotation axis on the same qubit, again with no gate in between on those wires) are flagged in the
    int8 mask ``info["action_mask"]`` and ``env.action_masks()`` (sb3-contrib's MaskablePPO reads the
    latter). Taking an illegal action is allowed (the gate is appended) and reported in
    ``info["illegal_action"]``; an action outside the space raises ``ValueError``.

    ## Observation Space
    ``Box(float32, shape=(max_gates * (n + 3) * n + 1,))``: the CRLQAS binary tensor of shape
    ``(max_gates, n + 3, n)`` flattened (moment-major; CNOT rows ``[target][control]``, rotation rows
    ``[n + axis][qubit]``), followed by the current energy (Ha), clipped to ``±energy_bound``.

    ## Rewards
    ``incremental_with_fixed_ends``: +5 when ``|mu - E| < threshold``; -5 when the gate budget ends
    without that; otherwise ``clip((E_prev - E) / |E_prev - mu|, -1, 1)``. ``E`` is the energy of the
    configured noise model (with shot noise when ``shots`` is set).

    ## Episode End
    Terminated on success or when ``max_gates`` gates are placed. Truncated (no -5) at the random
    halting step when ``random_halting`` is on.

    ## Arguments
    - ``molecule`` (str, default ``"H2"``), ``qubits`` (2), ``bond`` (0.7414 Å), ``mapping`` (None:
      the molecule's default): a molecule from ``qgnas.quantum.molecules``; or ``hamiltonian``: any
      :class:`~qgnas.quantum.hamiltonian.Hamiltonian` (then ``molecule`` is ignored).
    - ``noise``: None (noiseless), a :class:`~qgnas.quantum.noise.NoiseModel`, its config dict, or a
      preset name (see ``NoiseModel.from_config``).
    - ``backend`` (``"ptm"``; ``"aer"`` and ``"pennylane"`` are the slow references) and ``device``.
    - ``optimizer`` (``"cobyla"``; also ``"adam_spsa"``, ``"adam_spsa_3stage"``, ``"spsa"``, ``"adam"``)
      and ``optimizer_options`` (passed to ``qgnas.quantum.optimizers.minimize``; default COBYLA
      ``maxiter=100``).
    - ``max_gates`` (L, 40), ``connectivity`` (list of ``(control, target)`` pairs).
    - ``curriculum``: dict with any of ``mu`` (default: the Hamiltonian's lower bound ``-sum|c_j|``),
      ``xi0`` (default: ``|mu - E_0|``, E_0 the energy of the empty circuit), ``period`` (G, 500),
      ``delta`` (5e-4), ``successes`` (25), ``kappa`` (10), ``switch`` (inf); or ``False`` for a fixed
      threshold at chemical accuracy.
    - ``random_halting`` (False): ``True`` uses CRLQAS's noisy or noiseless distribution (by ``noise``).
    - ``shots`` (None) and ``shot_noise`` (``"gaussian"`` as in CRLQAS, or ``"multinomial"``).

    ``info`` carries ``energy``, ``energy_noiseless``, ``error`` and ``error_noiseless`` (against the
    exact ground energy), ``chemical_accuracy`` (noiseless error < 1.6e-3 Ha), ``gates``, ``depth``,
    ``cnots``, ``rotations``, ``threshold``, ``success``, ``params`` and ``circuit`` (a
    :class:`~qgnas.quantum.circuit.Circuit`, ``.to_qasm(params)`` exports it).

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        molecule: str = "H2",
        qubits: int | None = 2,
        bond: float | None = 0.7414,
        mapping: str | None = None,
        hamiltonian: Hamiltonian | None = None,
        noise: Any = None,
        backend: str = "ptm",
        device: str = "cpu",
        optimizer: str = "cobyla",
        optimizer_options: dict[str, Any] | None = None,
        max_gates: int = 40,
        connectivity: Iterable[Sequence[int]] | None = None,
        curriculum: dict[str, float] | bool | None = None,
        random_halting: bool = False,
        shots: int | None = None,
        shot_noise: str = "gaussian",
        render_mode: str | None = None,
    ):
        super().__init__()
        hamiltonian = _resolve_hamiltonian(hamiltonian, molecule, bond, qubits, mapping)
        backend = _check_settings(max_gates, backend, render_mode, shots, shot_noise)
        self.hamiltonian = hamiltonian
        self.n_qubits = hamiltonian.n_qubits
        self.max_gates = int(max_gates)
        self.render_mode = render_mode
        self.shots = None if shots is None else int(shots)
        self.shot_noise = shot_noise
        self.actions = GateActions(self.n_qubits, connectivity)
        self.board = CircuitBoard(self.actions, self.max_gates)
        self._build_physics(noise, backend, device, optimizer, optimizer_options, shots)
        self._build_curriculum(curriculum, random_halting)
        self._build_spaces()
        self.circuit = Circuit(self.n_qubits)
        self.params = np.zeros(0)
        self.energy = self.empty_energy
        self._halt_at = self.max_gates

    def _build_physics(
        self,
        noise: Any,
        backend: str,
        device: str,
        optimizer: str,
        optimizer_options: dict[str, Any] | None,
        shots: int | None,
    ) -> None:
        """The simulators, the optimiser settings and the energies the rewards are measured against."""
        noise = noise_model(noise, self.n_qubits)  # a device model lands on this register's qubits
        self.noise = noise
        self.backend_name = backend
        self.device = device
        self._simulator = make_simulator(backend, noise, device)
        self._noiseless = make_simulator("ptm", None, "cpu")
        self.optimizer = optimizer.strip().lower().replace("-", "_")
        self.optimizer_method, self.optimizer_options = optimizer_settings(
            optimizer, optimizer_options, shots
        )
        self.ground_energy = float(self.hamiltonian.ground_energy)
        self.energy_bound = 2.0 * float(np.abs(self.hamiltonian.coeffs).sum()) + 1.0
        self.empty_energy = float(self._energy(Circuit(self.n_qubits), np.zeros(0), noiseless=True))

    def _build_curriculum(self, curriculum: dict[str, float] | bool | None, random_halting: bool) -> None:
        """The moving success threshold (None: fixed at chemical accuracy) and the random halting."""
        if curriculum is False:
            self.curriculum = None
        else:
            opts = dict(curriculum or {})
            unknown = sorted(set(opts) - set(_CURRICULUM_KEYS))
            if unknown:
                raise ValueError(
                    f"unknown curriculum setting(s) {unknown}; allowed: {', '.join(_CURRICULUM_KEYS)}"
                )
            mu = float(opts.pop("mu", self.hamiltonian.lower_bound))
            xi0 = float(opts.pop("xi0", abs(mu - self.empty_energy)))
            self.curriculum = MovingThreshold(mu=mu, xi0=xi0, **opts)
        self.mu = self.curriculum.mu if self.curriculum else float(self.hamiltonian.lower_bound)
        self.halting = None
        if random_halting:
            self.halting = RandomHalting.noisy() if self.noise is not None else RandomHalting.noiseless()

    def _build_spaces(self) -> None:
        obs_len = self.max_gates * (self.n_qubits + 3) * self.n_qubits + 1
        low = np.zeros(obs_len, dtype=np.float32)
        high = np.ones(obs_len, dtype=np.float32)
        low[-1], high[-1] = -self.energy_bound, self.energy_bound
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.action_space = spaces.Discrete(len(self.actions))

    # ------------------------------------------------------------------ physics
    def _energy(self, circuit: Circuit, params: np.ndarray, noiseless: bool = False) -> float:
        return energy_at(self._noiseless if noiseless else self._simulator, circuit, self.hamiltonian, params)

    def _optimise(self) -> tuple[np.ndarray, float]:
        from qgnas.quantum.optimizers import extend_angles

        x0 = extend_angles(self.params, self.circuit.n_params - len(self.params), self.np_random)
        params, energy, _ = optimise_circuit(
            self.circuit,
            self.hamiltonian,
            self._simulator,
            self.optimizer_method,
            self.optimizer_options,
            self.np_random,
            x0=x0,
            shots=self.shots,
            shot_noise=self.shot_noise,
        )
        return params, energy

    # ------------------------------------------------------------------ gym API
    @property
    def threshold(self) -> float:
        if self.curriculum is not None:
            return self.curriculum.threshold
        return abs(self.mu - self.ground_energy) + CHEMICAL_ACCURACY

    def action_masks(self) -> np.ndarray:
        return self.board.mask()

    def _obs(self) -> np.ndarray:
        e = np.clip(self.energy, -self.energy_bound, self.energy_bound)
        return np.concatenate([self.board.tensor.reshape(-1).astype(np.float32), np.float32([e])])

    def _info(self, **extra: Any) -> dict[str, Any]:
        noiseless = (
            self._energy(self.circuit, self.params, noiseless=True)
            if self.noise or self.shots
            else self.energy
        )
        counts = self.board.counts()
        return {
            "energy": self.energy,
            "energy_noiseless": noiseless,
            "error": self.energy - self.ground_energy,
            "error_noiseless": noiseless - self.ground_energy,
            "chemical_accuracy": bool(noiseless - self.ground_energy < CHEMICAL_ACCURACY),
            **counts,
            "threshold": self.threshold,
            "params": self.params.copy(),
            "circuit": self.circuit.copy(),
            "action_mask": self.board.mask(),
            **extra,
        }

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.board.reset()
        self.circuit = Circuit(self.n_qubits)
        self.params = np.zeros(0)
        self.energy = self.empty_energy
        self._halt_at = self.max_gates
        if self.halting is not None:
            self._halt_at = max(1, min(self.max_gates, self.halting.sample(self.np_random)))
        return self._obs(), self._info(success=False, illegal_action=False)

    def step(self, action):
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        gate = self.actions.gate(action)  # ValueError names the allowed range
        illegal = not self.board.is_legal(gate)
        if len(self.circuit) >= self.max_gates:
            raise RuntimeError("step() called after the episode ended; call reset()")
        self.board.append(gate)
        self.circuit.append(gate)
        previous = self.energy
        self.params, self.energy = self._optimise()
        last_gate = len(self.circuit) >= self.max_gates
        reward, success = incremental_with_fixed_ends(
            previous, self.energy, self.mu, self.threshold, last_gate
        )
        terminated = success or last_gate
        truncated = not terminated and len(self.circuit) >= self._halt_at
        if self.curriculum is not None:
            self.curriculum.observe(self.energy)
            if terminated or truncated:
                self.curriculum.end_episode(success)
        info = self._info(success=success, illegal_action=illegal)
        return self._obs(), float(reward), terminated, truncated, info

    def render(self):
        if self.render_mode == "ansi":
            return f"{self.circuit.draw()}\nE = {self.energy:.8f} Ha (ground {self.ground_energy:.8f})"
        return None


def _resolve_hamiltonian(
    hamiltonian: Hamiltonian | None,
    molecule: str,
    bond: float | None,
    qubits: int | None,
    mapping: str | None,
) -> Hamiltonian:
    """``hamiltonian`` itself, or the molecule's when it is None."""
    if hamiltonian is None:
        from qgnas.quantum.molecules import molecule as build_molecule

        hamiltonian = build_molecule(molecule, bond=bond, qubits=qubits, mapping=mapping)
    if not isinstance(hamiltonian, Hamiltonian):
        raise ValueError(f"hamiltonian must be a qgnas.quantum.Hamiltonian, got {type(hamiltonian).__name__}")
    return hamiltonian


def _check_settings(
    max_gates: Any, backend: str, render_mode: str | None, shots: Any, shot_noise: str
) -> str:
    """The registered backend name; ValueError on a bad gate budget, backend, render mode or shot setting."""
    if isinstance(max_gates, bool) or not isinstance(max_gates, int | np.integer) or max_gates < 1:
        raise ValueError(f"max_gates must be a positive integer, got {max_gates!r}")
    backend = resolve_backend(backend)  # ValueError lists the registered backends
    if render_mode not in (None, "ansi"):
        raise ValueError(f"render_mode {render_mode!r} is not supported; allowed: None, 'ansi'")
    if shots is not None and (
        isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1
    ):
        raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
    if shot_noise not in ("gaussian", "multinomial"):
        raise ValueError(f"shot_noise must be 'gaussian' or 'multinomial', got {shot_noise!r}")
    return backend


__all__ = ["QuantumArchSearchEnv"]
