"""Shot noise: the energy as estimated from a finite number of measurements of each Pauli term."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qgnas.core.registry import Registry

__all__ = ["SHOT_NOISE_MODES", "apply_shot_noise"]


def _binomial_noise(
    ev: np.ndarray, coeffs: np.ndarray, shots: int, measured: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each measured term's estimate ``2 k / shots - 1``, ``k ~ Binomial(shots, (1 + <P_j>) / 2)``,
    minus its exact value, weighted by the coefficients: ``[B]``."""
    prob = np.clip((1.0 + ev) / 2.0, 0.0, 1.0)
    sampled = 2.0 * rng.binomial(int(shots), prob) / shots - 1.0
    sampled = np.where(measured, sampled, ev)
    return (sampled - ev) @ coeffs


def _gaussian_noise(
    ev: np.ndarray, coeffs: np.ndarray, shots: int, measured: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """CRLQAS's approximation: ``sum_j c_j N(0, shots^-1/2)`` over the measured terms: ``[B]``."""
    sigma = shots**-0.5
    draws = rng.normal(0.0, sigma, size=ev.shape) * measured
    return draws @ coeffs


#: shot noise mode -> the energy offset it draws; ``"multinomial"`` and ``"binomial"`` name ``"exact"``
SHOT_NOISE_MODES: Registry[Callable[..., np.ndarray]] = Registry(
    "shot noise mode",
    {"exact": _binomial_noise, "gaussian": _gaussian_noise},
    {"multinomial": "exact", "binomial": "exact"},
)


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
        mode: a name of :data:`SHOT_NOISE_MODES`. ``"exact"`` (or ``"multinomial"``, ``"binomial"``):
            each term's estimate is ``2 k / shots - 1`` with ``k ~ Binomial(shots, (1 + <P_j>) / 2)``;
            ``"gaussian"``: CRLQAS's approximation ``E + sum_j c_j N(0, shots^-1/2)``.
        rng: numpy Generator (or seed) that draws the noise, so runs are reproducible.
        identity: boolean mask ``[T]`` of identity terms, which are known exactly and never sampled.

    Returns:
        ``[B]`` energies. Gradients flow as if the noise were absent (the sample is added as a
        constant offset), which is what an optimiser on noisy estimates sees on average.
    """
    import torch

    draw_noise = SHOT_NOISE_MODES[mode]
    if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
        raise ValueError(f"shots = {shots!r} is not allowed; it must be a positive integer")
    rng = np.random.default_rng(rng)
    exp = expectations
    c = torch.as_tensor(coeffs, dtype=exp.dtype, device=exp.device)
    exact = exp @ c
    measured = np.ones(exp.shape[-1], dtype=bool) if identity is None else ~np.asarray(identity, dtype=bool)
    ev = exp.detach().cpu().numpy()
    noise = draw_noise(ev, np.asarray(c.detach().cpu().numpy()), shots, measured, rng)
    return exact + torch.as_tensor(noise, dtype=exp.dtype, device=exp.device)
