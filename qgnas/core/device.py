"""Torch devices by name, checked against what this machine has, for every part of the project."""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]

_ALLOWED = "'cpu', 'cuda', 'cuda:N'"


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``"cpu"`` (also for None), ``"cuda"`` or ``"cuda:N"`` (or a torch.device) as a torch.device.

    Raises ValueError naming the value and what is allowed when the device is unknown, not supported,
    or asked for but absent here (CUDA on a machine without it, or an index past the last GPU).
    """
    try:
        dev = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; allowed: {_ALLOWED}") from None
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise ValueError(f"device type {dev.type!r} is not supported; allowed: {_ALLOWED}")
    if not torch.cuda.is_available():
        raise ValueError(
            f"device {str(device)!r} is not available here (no CUDA device; torch {torch.__version__}, "
            f"CUDA build: {torch.version.cuda or 'none'}); allowed: 'cpu'"
        )
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise ValueError(
            f"device {str(device)!r} does not exist; allowed: 'cpu', 'cuda:0'..'cuda:{count - 1}'"
        )
    return dev
