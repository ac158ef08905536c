"""The energy of one circuit as a batched objective for :func:`qgnas.quantum.optimizers.minimize`.

An optimiser sees a plain function ``obj(X[B, P], shots=None) -> [B]`` in numpy; this class hides
where the numbers come from (the PTM simulator, compiled once per circuit, or a reference backend)
and adds shot noise the way the experiment asks for it. ``obj.torch(X)`` is the differentiable twin
(exact expectations, no shot noise) that the exact-gradient ``"adam"`` method needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgnas.quantum.noise.shots import SHOT_NOISE_MODES

__all__ = ["SHOT_NOISE", "EnergyObjective"]

#: the accepted ``shot_noise`` names: ``SHOT_NOISE.resolve(name)`` is the mode that
#: :func:`qgnas.quantum.noise.apply_shot_noise` draws (``"multinomial"`` is ``"exact"``)
SHOT_NOISE = SHOT_NOISE_MODES


class EnergyObjective:
    """``obj(X, shots=None)``: energies of ``circuit`` measured on ``hamiltonian`` for a batch of angles.

    Args:
        simulator: a :class:`~qgnas.quantum.ptm.PTMSimulator` (anything with ``compile(circuit, H)``
            returning a callable that also has ``pauli_expectations`` and ``sample``) or a reference
            backend with ``expectation`` / ``pauli_expectations`` (``qgnas.quantum.backends``). Gate
            and readout noise come from the simulator's noise model.
        circuit: the :class:`~qgnas.quantum.circuit.Circuit`; ``P = circuit.n_params``.
        hamiltonian: the :class:`~qgnas.quantum.hamiltonian.Hamiltonian`.
        shots: default shots per Pauli term when a call gives none; ``None``: the simulator's noise
            model decides (its ``shots``), and without that the energy is exact.
        shot_noise: ``"gaussian"`` (CRLQAS: ``E + sum_j w_j N(0, shots^-1/2)`` over the non-identity
            terms) or ``"multinomial"`` (each term's estimate ``2 k / shots - 1``,
            ``k ~ Binomial(shots, (1 + <P_j>) / 2)``). ``None``: the noise model's mode when it sets
            shots, else ``"gaussian"``.
        rng: ``numpy.random.Generator`` (or int seed) for the shot noise; required as soon as shots
            are used, so noisy runs are always reproducible.

    Shot noise is drawn per term and per row independently, so the two SPSA points in one batch get
    independent noise, as two separate measurements on hardware would. ``n_evaluations`` counts the
    parameter vectors evaluated so far (shot-noisy or not), for logging a search's cost.
    """

    def __init__(
        self,
        simulator: Any,
        circuit: Any,
        hamiltonian: Any,
        shots: int | None = None,
        shot_noise: str | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        if hamiltonian.n_qubits != circuit.n_qubits:
            raise ValueError(
                f"the Hamiltonian acts on {hamiltonian.n_qubits} qubits but the circuit has "
                f"{circuit.n_qubits}"
            )
        self.simulator = simulator
        self.circuit = circuit
        self.hamiltonian = hamiltonian
        self.n_params = int(circuit.n_params)
        noise = getattr(simulator, "noise", None)
        model_shots = getattr(noise, "shots", None)
        self.shots = _check_shots(shots) if shots is not None else model_shots
        if shot_noise is None:
            model_mode = getattr(noise, "shot_noise", None)
            shot_noise = model_mode if (model_shots is not None and model_mode) else "gaussian"
        self._mode = SHOT_NOISE.resolve(str(shot_noise))
        self.shot_noise = str(shot_noise).lower()
        if rng is None or isinstance(rng, np.random.Generator):
            self.rng = rng
        elif isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
            self.rng = np.random.default_rng(int(rng))
        else:
            raise TypeError(
                f"rng must be a numpy.random.Generator, a non-negative int seed or None, got {rng!r}"
            )
        self.coeffs = np.array(hamiltonian.coeffs, dtype=np.float64)  # a writable copy (torch wants one)
        self.identity = np.array([set(p) <= {"I"} for p in hamiltonian.paulis], dtype=bool)
        # Compile once: every later call is a few batched tensor operations (the PTM hot path).
        compile_ = getattr(simulator, "compile", None)
        self._compiled = compile_(circuit, hamiltonian) if callable(compile_) else None
        self.n_evaluations = 0

    # ------------------------------------------------------------------ torch side

    def _tensor(self, X: Any) -> Any:
        import torch

        device = getattr(self.simulator, "device", "cpu")
        dtype = getattr(self.simulator, "dtype", torch.float64)
        t = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X, dtype=np.float64))
        t = t.to(device=device, dtype=dtype)
        if t.dim() == 1:
            t = t.unsqueeze(0)
        if t.dim() != 2 or t.shape[1] != self.n_params:
            raise ValueError(
                f"parameters must have shape [B, {self.n_params}] (one angle per rotation gate), "
                f"got {tuple(t.shape)}"
            )
        return t

    def torch(self, X: Any) -> Any:
        """Differentiable exact energies ``[B]`` (gate and readout noise included, no shot noise).

        Gradients come from autograd through the PTM simulator; reference backends are not
        differentiable, so this needs a simulator with ``compile``.
        """
        if self._compiled is None:
            raise TypeError(
                f"{type(self.simulator).__name__} gives no autograd gradients; exact-gradient "
                "optimisation ('adam') needs the PTM simulator (qgnas.quantum.PTMSimulator)"
            )
        t = self._tensor(X)
        self.n_evaluations += t.shape[0]
        return self._compiled(t).reshape(-1)

    def _exact_tensor(self, t: Any) -> Any:
        if self._compiled is not None:
            return self._compiled(t)
        if getattr(getattr(self.simulator, "noise", None), "shots", None) is None:
            return self.simulator.expectation(self.circuit, self.hamiltonian, t)
        # the backend's own expectation would add its model's shot noise: measure the terms instead
        return self._pauli_tensor(t) @ _like(self.coeffs, t)

    def _pauli_tensor(self, t: Any) -> Any:
        if self._compiled is not None:
            return self._compiled.pauli_expectations(t)
        return self.simulator.pauli_expectations(self.circuit, self.hamiltonian, t)

    # ------------------------------------------------------------------ numpy side

    def exact(self, X: Any) -> np.ndarray:
        """Energies ``[B]`` without shot noise, as numpy (e.g. to judge a noisy run's result)."""
        import torch

        fast = getattr(self._compiled, "energies_numpy", None)
        if fast is not None and not isinstance(X, torch.Tensor):
            # numpy in, numpy out: skip the tensor round trip where the simulator has a torch-free path
            A = np.asarray(X, dtype=np.float64)
            A = A.reshape(1, -1) if A.ndim == 1 else A
            if A.ndim == 2 and A.shape[1] == self.n_params:
                out = fast(np.ascontiguousarray(A))
                if out is not None:
                    self.n_evaluations += A.shape[0]
                    return np.asarray(out, dtype=np.float64).reshape(-1)
        t = self._tensor(X)
        with torch.no_grad():
            out = self._exact_tensor(t)
        self.n_evaluations += t.shape[0]
        return out.detach().cpu().numpy().astype(np.float64).reshape(-1)

    def pauli_expectations(self, X: Any) -> np.ndarray:
        """Measured expectation of every Hamiltonian term, ``[B, T]`` (readout error included)."""
        import torch

        with torch.no_grad():
            out = self._pauli_tensor(self._tensor(X))
        return out.detach().cpu().numpy().astype(np.float64).reshape(-1, len(self.coeffs))

    def __call__(self, X: Any, shots: int | None = None) -> np.ndarray:
        """Energies ``[B]`` for angles ``X[B, P]``, with shot noise when ``shots`` (or the default) is set."""
        import torch

        n_shots = _check_shots(shots) if shots is not None else self.shots
        if n_shots is None:
            return self.exact(X)
        if self.rng is None:
            raise ValueError(
                f"shot noise ({n_shots} shots) needs a random generator: pass "
                "rng=numpy.random.default_rng(seed) to EnergyObjective"
            )
        t = self._tensor(X)
        with torch.no_grad():
            sample = getattr(self._compiled, "sample", None)
            if callable(sample):
                out = sample(t, n_shots, self._mode, self.rng)
            else:
                from qgnas.quantum.noise import apply_shot_noise

                out = apply_shot_noise(
                    self._pauli_tensor(t), self.coeffs, n_shots, self._mode, self.rng, identity=self.identity
                )
        self.n_evaluations += t.shape[0]
        return out.detach().cpu().numpy().astype(np.float64).reshape(-1)

    def __repr__(self) -> str:
        return (
            f"EnergyObjective(simulator={type(self.simulator).__name__}, n_params={self.n_params}, "
            f"shots={self.shots}, shot_noise={self.shot_noise!r})"
        )


def _check_shots(shots: Any) -> int:
    if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
        raise ValueError(f"shots must be a positive integer or None (exact), got {shots!r}")
    return int(shots)


def _like(values: np.ndarray, t: Any) -> Any:
    import torch

    return torch.as_tensor(values, dtype=t.dtype, device=t.device)
