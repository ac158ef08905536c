"""Passes over the state: the initial state through every layer matrix, following the axis plan.

Small states -- at most :data:`ELEMENTWISE_STATE` numbers per parameter set and
:data:`ELEMENTWISE_MAX` in the batch -- stay batch-last and a layer is one broadcast product and a sum
(there per-kernel overhead, not arithmetic, is what costs; axis moves are cheap row copies). Larger
ones are batch-first and each layer is one batched GEMM ``(B, D, D) @ (B, D, rest)``. The crossover was
measured on CPU; on a GPU both paths are far from their limits at these sizes.
"""

from __future__ import annotations

import torch

from .buffers import work_buffers
from .layout import Step

__all__ = [
    "ELEMENTWISE_MAX",
    "ELEMENTWISE_STATE",
    "propagate_batch_first",
    "propagate_batch_last",
    "uses_gemm",
]

ELEMENTWISE_STATE = 256
ELEMENTWISE_MAX = 1 << 13


def uses_gemm(state_size: int, batch: int) -> bool:
    """Whether a batch of this size takes the batch-first GEMM path (else the elementwise one)."""
    return state_size > ELEMENTWISE_STATE or state_size * batch > ELEMENTWISE_MAX


def propagate_batch_last(init: torch.Tensor, mats: list[torch.Tensor], steps: list[Step]) -> torch.Tensor:
    """Final state ``(B, N)`` from the initial ``(1, N)`` and batch-last layer matrices ``(D, D, B)``."""
    D, B = mats[0].shape[0], mats[0].shape[-1]
    x = init.t().expand(-1, B)
    for mat, step in zip(mats, steps, strict=True):
        if step.lead > 1:
            xs = x.reshape(step.lead, 1, D, -1, B)
            x = (mat.view(1, D, D, 1, B) * xs).sum(2)  # (lead, D, S, B)
            continue
        if step.perm is not None:
            x = x.reshape(step.perm.shape_bl).permute(step.perm.axes_bl)
        xs = x.reshape(D, -1, B) if step.in_front else x.reshape(-1, D, B).transpose(0, 1)  # (D, R, B)
        x = (mat.unsqueeze(2) * xs.unsqueeze(0)).sum(1)  # (D, R, B)
    return x.reshape(-1, B).t()


def propagate_batch_first(
    init: torch.Tensor, mats: list[torch.Tensor], steps: list[Step], scratch: bool
) -> torch.Tensor:
    """Final state ``(B, N)`` from the initial ``(1, N)`` and batch-first layer matrices ``(B, D, D)``.

    With ``scratch`` (only when no gradient is recorded) every pass and axis move writes into the two
    work buffers of :func:`~qgnas.quantum.ptm.buffers.work_buffers`; the result then lives in one of
    them, valid until the next call on this thread.
    """
    B, D = mats[0].shape[0], mats[0].shape[1]
    x = init.expand(B, -1)
    N = x.numel()
    bufs = work_buffers(N, init.dtype, init.device) if scratch else None
    cur = 1  # which work buffer holds x (the initial state is in neither)
    for mat, step in zip(mats, steps, strict=True):
        if step.lead > 1:
            xs = x.reshape(B, step.lead, D, -1)
            if bufs is None:
                x = torch.matmul(mat.unsqueeze(1), xs)  # (B, lead, D, S), same axis order
            else:
                cur = 1 - cur
                x = torch.matmul(mat.unsqueeze(1), xs, out=bufs[cur][:N].view(xs.shape))
            continue
        if step.perm is not None:
            x = x.reshape(step.perm.shape_bf).permute(step.perm.axes_bf)
            if bufs is not None:  # the axis move, copied into the free buffer
                cur = 1 - cur
                x = bufs[cur][:N].view(x.shape).copy_(x)
        xs = x.reshape(B, D, -1) if step.in_front else x.reshape(B, -1, D).transpose(1, 2)  # (B, D, R)
        if bufs is None:
            x = torch.matmul(mat, xs)  # (B, D, R); a transposed operand costs BLAS nothing
        else:
            cur = 1 - cur
            x = torch.matmul(mat, xs, out=bufs[cur][:N].view(B, D, -1))
    return x.reshape(B, -1)
