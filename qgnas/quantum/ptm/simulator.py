"""The simulator's front end: noise, device, dtype and method chosen once; compiled circuits cached."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from qgnas.core.device import resolve_device
from qgnas.core.threads import use_default_threads
from qgnas.quantum.noise import NoiseModel

from .compiled import CompiledCircuit

__all__ = ["METHODS", "PTMSimulator"]

METHODS = ("auto", "ptm", "statevector")


class PTMSimulator:
    """Noisy expectation values of circuits, batched over parameter sets, differentiable by autograd.

    Args:
        noise: a :class:`~qgnas.quantum.noise.NoiseModel` (or a config accepted by
            ``NoiseModel.from_config``); ``None`` for a noiseless simulation.
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        dtype: ``torch.float64`` (default) or ``torch.float32``; the state-vector path uses the
            matching complex type.
        method: ``"auto"`` (state vector when there is no gate noise, PTM otherwise), ``"ptm"`` or
            ``"statevector"`` (an error if the model has gate noise).
        cache_size: compiled circuits kept by :meth:`expectation` (least recently used dropped).
        kernel: let noisy CPU float64 evaluations that record no gradient run the compiled Numba
            kernel (:mod:`qgnas.quantum.ptm.kernel`; same numbers, several times faster on small
            batches); ``False`` keeps every call on the torch path.

    Example::

        sim = PTMSimulator(noise=NoiseModel.depolarizing(0.001, 0.005))
        E = sim.expectation(circuit, H, params)          # params [B, n_params] -> [B]
        f = sim.compile(circuit, H); E = f(params)        # compile once, evaluate many times
    """

    name = "ptm"

    def __init__(
        self,
        noise: NoiseModel | dict[str, Any] | str | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float64,
        method: str = "auto",
        cache_size: int = 256,
        kernel: bool = True,
    ) -> None:
        use_default_threads()  # one torch thread unless QGNAS_THREADS says otherwise (qgnas.core.threads: why)
        self.kernel = bool(kernel)
        self.noise = None if noise is None else NoiseModel.from_config(noise)
        self.device = resolve_device(device)
        if dtype not in (torch.float64, torch.float32):
            raise ValueError(f"dtype {dtype} is not supported; allowed: torch.float64, torch.float32")
        self.dtype = dtype
        if method not in METHODS:
            raise ValueError(f"method {method!r} is not allowed; choose one of {', '.join(METHODS)}")
        gate_noise = self.noise is not None and self.noise.has_gate_noise
        if method == "statevector" and gate_noise:
            raise ValueError("method='statevector' cannot simulate gate noise; use 'ptm' or 'auto'")
        self.method = method if method != "auto" else ("ptm" if gate_noise else "statevector")
        self._cache: OrderedDict[Any, CompiledCircuit] = OrderedDict()
        self._cache_size = int(cache_size)

    def __repr__(self) -> str:
        noise = "None" if self.noise is None else self.noise.name
        return f"PTMSimulator(noise={noise}, device={self.device}, dtype={self.dtype}, method={self.method})"

    def compile(self, circuit: Any, hamiltonian: Any) -> CompiledCircuit:
        """Plan ``circuit`` measured on ``hamiltonian`` once; the result is called with parameters."""
        return CompiledCircuit(
            circuit, hamiltonian, self.noise, self.method, self.device, self.dtype, kernel=self.kernel
        )

    def _compiled(self, circuit: Any, hamiltonian: Any) -> CompiledCircuit:
        key = (circuit.key(), tuple(hamiltonian.paulis), np.asarray(hamiltonian.coeffs).tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        compiled = self.compile(circuit, hamiltonian)
        self._cache[key] = compiled
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return compiled

    def expectation(
        self,
        circuit: Any,
        hamiltonian: Any,
        params: Any,
        *,
        shots: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> torch.Tensor:
        """Energies ``[B]`` for parameters ``[B, n_params]`` (a scalar tensor for ``[n_params]``).

        Shot noise is added when ``shots`` is given or the noise model sets ``shots`` (mode from the
        model, default exact binomial sampling), drawn from ``rng``. Compiled circuits are cached.
        """
        compiled = self._compiled(circuit, hamiltonian)
        n_shots = shots if shots is not None else (self.noise.shots if self.noise is not None else None)
        if n_shots is None:
            return compiled(params)
        mode = self.noise.shot_noise if self.noise is not None else "exact"
        return compiled.sample(params, n_shots, mode, rng)

    def pauli_expectations(self, circuit: Any, hamiltonian: Any, params: Any) -> torch.Tensor:
        """Measured expectation of each Hamiltonian term ``[B, T]`` (readout error included)."""
        return self._compiled(circuit, hamiltonian).pauli_expectations(params)
