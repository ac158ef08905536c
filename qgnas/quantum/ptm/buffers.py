"""Two reusable work buffers per thread for the passes over a large state.

Without autograd on the CPU the GEMM path writes every pass and axis move into one of two buffers
instead of a fresh tensor: a state of more than ~32 MB is otherwise mmap-ed anew, and page-faulted, by
every pass, which measured 2-4x the cost of the GEMM itself at 8 qubits.
"""

from __future__ import annotations

import threading

import torch

__all__ = ["WORK_CACHE_MAX", "work_buffers"]

_WORK = threading.local()
WORK_CACHE_MAX = 1 << 28  # bytes: work buffers up to this size (each) are kept between calls


def work_buffers(numel: int, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Two flat scratch tensors of at least ``numel`` elements, reused between calls on this thread.

    Kept (per thread, dtype and device) up to :data:`WORK_CACHE_MAX` bytes each, so holding them costs
    at most twice the largest state evaluated; larger ones are allocated per call (still only two per
    call instead of one per pass). On CUDA the caching allocator already reuses memory, so they are
    not kept there.
    """
    key = (dtype, str(device))
    cache = getattr(_WORK, "bufs", None)
    if cache is None:
        cache = _WORK.bufs = {}
    hit = cache.get(key)
    if hit is not None and hit[0].numel() >= numel:
        return hit
    bufs = (torch.empty(numel, dtype=dtype, device=device), torch.empty(numel, dtype=dtype, device=device))
    if device.type == "cpu" and numel * bufs[0].element_size() <= WORK_CACHE_MAX:
        cache[key] = bufs
    return bufs
