"""A compiled circuit: the plan, its axis moves, layer matrices and measurement, and the call paths.

A call takes one of four paths, chosen per call:

* noiseless one-point calls on the CPU in float64: the NumPy state vector of
  :mod:`qgnas.quantum.sv_numpy` (there kernel launches, not arithmetic, are the cost);
* noisy calls that record no gradient on the CPU in float64: the compiled Numba kernel
  (:mod:`qgnas.quantum.ptm.kernel`; several times faster than torch on small batches, same numbers);
* otherwise torch, batch-last and elementwise for small states, batch-first with one GEMM per layer for
  large ones (:mod:`qgnas.quantum.ptm.propagate`), into reused work buffers when nothing is recorded
  for autograd on the CPU. Gradients, CUDA and float32 always take torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from qgnas.quantum.noise import apply_shot_noise

from .layout import plan_axes
from .matrices import LayerMatrices
from .measure import PTMMeasurement, StatevectorMeasurement, expand_readout
from .plan import CircuitPlan, Representation
from .propagate import propagate_batch_first, propagate_batch_last, uses_gemm

if TYPE_CHECKING:
    from qgnas.quantum.noise import NoiseModel

__all__ = ["KERNEL_MAX_QUBITS_ANY_BATCH", "KERNEL_MIN_BATCH_WIDE", "NUMPY_MAX", "CompiledCircuit"]

# Noiseless CPU calls of at most this many amplitudes (batch x 2^n) take the NumPy path (sv_numpy):
# there the per-call kernel launches, not the arithmetic, are the cost.
NUMPY_MAX = 1 << 12
# The compiled kernel beats the torch path at every batch up to 6 qubits; from 7 on, a small batch's
# state no longer fits a cache and the torch path's GEMMs win (measured at 8 qubits: kernel 0.86x of
# torch at B = 1 and 8, 1.3x at B = 64).
KERNEL_MAX_QUBITS_ANY_BATCH = 6
KERNEL_MIN_BATCH_WIDE = 32


class CompiledCircuit:
    """A circuit, a Hamiltonian and a noise model turned into index plans and constant tensors.

    Call it with parameters ``[B, n_params]`` (or ``[n_params]``) to get exact energies ``[B]`` (or a
    scalar); :meth:`pauli_expectations` gives the measured term expectations for shot sampling.
    Build it with :meth:`PTMSimulator.compile <qgnas.quantum.ptm.PTMSimulator.compile>`.
    """

    def __init__(
        self,
        circuit: Any,
        hamiltonian: Any,
        noise: NoiseModel | None,
        method: str,
        device: torch.device,
        dtype: torch.dtype,
        kernel: bool = True,
    ) -> None:
        if hamiltonian.n_qubits != circuit.n_qubits:
            raise ValueError(
                f"the Hamiltonian acts on {hamiltonian.n_qubits} qubits but the circuit has {circuit.n_qubits}"
            )
        self.n_qubits = n = circuit.n_qubits
        self.n_params = circuit.n_params
        self.n_gates = circuit.n_gates
        self.method = method
        self.device = device
        self.dtype = dtype
        self.noise = noise
        self.paulis = list(hamiltonian.paulis)
        self.n_terms = len(self.paulis)
        self._numpy_energy = self._numpy_statevector(circuit, hamiltonian)
        rep = Representation("ptm" if method == "ptm" else "sv", noise)
        complex_dtype = torch.complex64 if dtype == torch.float32 else torch.complex128
        self._sdtype = dtype if method == "ptm" else complex_dtype
        self._d = rep.d
        self._state_size = rep.d**n
        plan = CircuitPlan.build(circuit, rep, merge=rep.d ** max(n - 2, 0) >= 64)
        self.n_layers = len(plan.layers)
        self._k = plan.k
        axes = plan_axes(plan.layers, n, plan.k, rep.d)
        self._steps = axes.steps
        self.final_order = axes.final_order
        self._matrices = LayerMatrices(axes.layers, plan.k, rep, self.n_params, device, self._sdtype)
        self.n_runs = self._matrices.n_runs
        self.run_slots = self._matrices.run_slots
        self.n_segments = self._matrices.n_segments
        strings = self._set_up_measurement(hamiltonian)
        # Noisy CPU float64 calls that record no gradient take the compiled kernel, built on the first
        # such call; it needs the measured strings in natural qubit order.
        self._kernel_wanted = kernel and method == "ptm" and device.type == "cpu" and dtype == torch.float64
        self._kernel_args = (circuit, noise, strings)
        self._kernel_plan: Any = None

    def _numpy_statevector(self, circuit: Any, hamiltonian: Any) -> Any:
        """The NumPy energy for one-point-at-a-time callers (COBYLA) on a few noiseless qubits, where it
        is ~4x cheaper per call than launching torch kernels (see sv_numpy); else None."""
        if not (
            self.method == "statevector"
            and self.noise is None
            and self.device.type == "cpu"
            and self.dtype == torch.float64
        ):
            return None
        from qgnas.quantum.sv_numpy import MAX_QUBITS, NumpyStatevectorEnergy

        return NumpyStatevectorEnergy(circuit, hamiltonian) if self.n_qubits <= MAX_QUBITS else None

    def _set_up_measurement(self, hamiltonian: Any) -> list[str]:
        """The initial state, the measured strings (readout folded in) and their weights; returns the
        strings."""
        n, noise = self.n_qubits, self.noise
        readout = noise.readout_factors(n) if noise is not None and noise.has_readout_error else None
        measured = expand_readout(self.paulis, readout)
        coeffs = np.asarray(hamiltonian.coeffs, dtype=np.float64)
        weights = measured.string_weights(coeffs)
        self._identity_terms = np.array([set(s) <= {"I"} for s in self.paulis], dtype=bool)
        self._coeffs = torch.tensor(coeffs, device=self.device, dtype=self.dtype)
        pos = [self.final_order.index(q) for q in range(n)]  # axis of each qubit at the end
        if self.method == "ptm":
            self._measurement: Any = PTMMeasurement(
                n, measured.strings, weights, pos, self.device, self.dtype
            )
        else:
            self._measurement = StatevectorMeasurement(
                n, measured.strings, weights, pos, self.device, self._sdtype
            )
        self._init = self._measurement.init
        self._kernel_w = weights
        self._e_term = torch.tensor(measured.term, device=self.device)
        self._e_str = torch.tensor(measured.string, device=self.device)
        self._e_w = torch.tensor(measured.weight, device=self.device, dtype=self.dtype)
        self.n_measured_strings = len(measured.strings)
        return measured.strings

    # ------------------------------------------------------------------ hot path

    def _params(self, params: Any) -> tuple[torch.Tensor, bool]:
        real = self.dtype
        if isinstance(params, torch.Tensor):
            p = params
            if p.dtype != real or p.device != self.device:
                p = p.to(device=self.device, dtype=real)
        else:
            p = torch.as_tensor(np.asarray(params, dtype=np.float64), device=self.device, dtype=real)
        single = p.dim() == 1
        if single:
            p = p.unsqueeze(0)
        if p.dim() != 2 or p.shape[1] != self.n_params:
            raise ValueError(
                f"params must have shape [B, {self.n_params}] or [{self.n_params}] (one angle per rotation gate), "
                f"got {tuple(p.shape)}"
            )
        return p, single

    def _runs(self, p: torch.Tensor) -> torch.Tensor:
        """Products of all one-qubit runs, (R, d, d, B) batch-last; run 0 is the identity."""
        return self._matrices.runs(p)

    def _layers(self, runs: torch.Tensor, batch_first: bool) -> list[torch.Tensor]:
        """All layer matrices, batch-last ``(D, D, B)`` or batch-first ``(B, D, D)``."""
        return self._matrices.layers(runs, batch_first)

    def final_state(self, params: Any) -> torch.Tensor:
        """The final state ``[B, 4^n]`` (PTM) or ``[B, 2^n]`` (state vector), axes in
        :attr:`final_order` (qubit ``final_order[0]`` is the most significant digit)."""
        p, _ = self._params(params)
        return self._state(p)

    def _scratch_ok(self, p: torch.Tensor) -> bool:
        """Work buffers are used only when nothing is recorded for autograd, and on CPU."""
        return self.device.type == "cpu" and not (torch.is_grad_enabled() and p.requires_grad)

    def uses_gemm(self, batch: int) -> bool:
        """Whether a batch of this size takes the batch-first GEMM path (else the elementwise one)."""
        return uses_gemm(self._state_size, batch)

    def _state(self, p: torch.Tensor, scratch: bool = False) -> torch.Tensor:
        """Final state, batch-first ``(B, 4^n)``.

        With ``scratch`` (only when no gradient is recorded, on CPU) the GEMM path writes into two
        reusable work buffers (see :mod:`qgnas.quantum.ptm.buffers`); the returned state then lives in
        a work buffer, valid until the next call on this thread.
        """
        B = p.shape[0]
        if self.n_layers == 0:
            return self._init.expand(B, -1)
        runs = self._runs(p)
        if not self.uses_gemm(B):
            return propagate_batch_last(self._init, self._layers(runs, batch_first=False), self._steps)
        return propagate_batch_first(self._init, self._layers(runs, batch_first=True), self._steps, scratch)

    def _kernel(self, p: torch.Tensor) -> Any:
        """The compiled no-gradient kernel's plan when it serves this call, else None."""
        if not self._scratch_ok(p):
            return None
        return self._kernel_for(p.shape[0])

    def _kernel_for(self, batch: int) -> Any:
        """The kernel's plan when it serves a no-gradient batch of this size, else None."""
        if not self._kernel_wanted:
            return None
        if self.n_qubits > KERNEL_MAX_QUBITS_ANY_BATCH and batch < KERNEL_MIN_BATCH_WIDE:
            return None
        if self._kernel_plan is None:
            from .kernel import build_kernel_plan

            self._kernel_plan = build_kernel_plan(*self._kernel_args)
            if self._kernel_plan is None:  # does not apply (one qubit, non-monomial noise): never again
                self._kernel_wanted = False
        return self._kernel_plan

    def _measured_values(self, p: torch.Tensor) -> torch.Tensor:
        """Expectations of the unique measured strings, (B, S), by the kernel or the torch path."""
        plan = self._kernel(p)
        if plan is not None:
            return torch.from_numpy(plan.measured(p.detach().numpy()))
        return self._measurement.values(self._state(p, self._scratch_ok(p)))

    def energy_from_state(self, x: torch.Tensor) -> torch.Tensor:
        """Energies ``[B]`` of final states ``x`` (as :meth:`final_state` returns them)."""
        return self._measurement.energy(x)

    def __call__(self, params: Any) -> torch.Tensor:
        """Exact (shot-free) energies ``[B]``, or a scalar for 1-D ``params``."""
        p, single = self._params(params)
        scratch = self._scratch_ok(p)  # no gradient recorded, on the CPU
        fast = self.energies_numpy(p.detach().numpy()) if scratch else None
        e = torch.from_numpy(fast) if fast is not None else self.energy_from_state(self._state(p, scratch))
        return e[0] if single else e

    def energies_numpy(self, X: np.ndarray) -> np.ndarray | None:
        """Exact energies ``[B]`` of float64 angles ``X [B, n_params]`` without touching torch, when a
        torch-free path serves them (the NumPy state vector or the compiled PTM kernel; the same numbers
        as :meth:`__call__`), else None. For one-point-at-a-time optimisers, whose calls are otherwise
        mostly tensor conversions."""
        B = X.shape[0]
        if X.dtype != np.float64:  # float32 simulators keep their own precision on the torch path
            return None
        if self._numpy_energy is not None and B << self.n_qubits <= NUMPY_MAX:
            return self._numpy_energy(X)
        plan = self._kernel_for(B)
        if plan is not None:
            return plan.measured(X) @ self._kernel_w
        return None

    def _term_expectations(self, p: torch.Tensor) -> torch.Tensor:
        """Measured expectation of every term, readout error included: ``(B, T)``."""
        contrib = self._measured_values(p).index_select(1, self._e_str) * self._e_w
        return contrib.new_zeros(contrib.shape[0], self.n_terms).index_add(1, self._e_term, contrib)

    def pauli_expectations(self, params: Any) -> torch.Tensor:
        """Measured expectation of every Hamiltonian term (readout error included): ``[B, T]``."""
        p, single = self._params(params)
        out = self._term_expectations(p)
        return out[0] if single else out

    def sample(self, params: Any, shots: int, mode: str = "exact", rng: Any = None) -> torch.Tensor:
        """Energies estimated from ``shots`` measurements per Pauli term (see
        :func:`qgnas.quantum.noise.apply_shot_noise`)."""
        p, single = self._params(params)
        exp = self._term_expectations(p)
        e = apply_shot_noise(exp, self._coeffs, shots, mode, rng, identity=self._identity_terms)
        return e[0] if single else e

    def stats(self) -> dict[str, Any]:
        """Sizes of the plan (for profiling and the benchmark table)."""
        return {
            "method": self.method,
            "n_qubits": self.n_qubits,
            "n_gates": self.n_gates,
            "n_layers": self.n_layers,
            "n_segments": self.n_segments,
            "n_runs": self.n_runs,
            "run_slots": self.run_slots,
            "n_permutes": sum(st.perm is not None for st in self._steps),
            "n_in_place": sum(st.lead > 1 for st in self._steps),
            "n_measured_strings": self.n_measured_strings,
        }
