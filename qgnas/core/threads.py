"""How many torch threads qgnas's own work uses, and a context manager that applies it.

The project's workloads are small tensors run many times: a GNN training on Cora, a noisy 8-qubit
energy of batch 1, a controller step. For those, torch's intra-op threads mostly add
synchronisation, and on a shared machine (two cores, another job running) they are ruinous: a
30-epoch GAT training took 13.6-16.0 s with torch's default threads and 1.2-1.3 s with one, and a
noisy 8-qubit energy 400-800 ms against 28 ms. So qgnas puts torch on one thread when its own work
starts in a process (:func:`use_default_threads`, called by the simulator, the GNN trainer, the
runner, the CLI and the experiment scripts); parallelism comes from processes (``--jobs``,
``--workers``) instead.

It is set once per process, not around every call: changing torch's thread count rebuilds its
thread pool, which costs milliseconds, more than a small energy evaluation. Choose another count with
the environment variable ``QGNAS_THREADS`` (a positive integer); with ``OMP_NUM_THREADS`` set and
``QGNAS_THREADS`` unset, torch's own setting is left alone. ``benchmarks/shared_machine.py``
measures the effect.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

ENV_VAR = "QGNAS_THREADS"


_applied = False


def default_threads() -> int:
    """Torch threads for qgnas's own work: ``QGNAS_THREADS`` when set, else 1."""
    raw = os.environ.get(ENV_VAR)
    if raw is None or raw.strip() == "":
        return 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{ENV_VAR}={raw!r}: expected a positive integer number of torch threads")
    return value


def use_default_threads() -> None:
    """Put torch on :func:`default_threads` threads, once per process (later calls return at once).

    Left alone when ``OMP_NUM_THREADS`` is set and ``QGNAS_THREADS`` is not: that is the user's choice.
    """
    global _applied
    if _applied:
        return
    _applied = True
    if os.environ.get(ENV_VAR) is None and os.environ.get("OMP_NUM_THREADS") is not None:
        return
    import torch

    n = default_threads()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(threads: int | None = None) -> Iterator[int]:
    """Run the block with ``threads`` torch intra-op threads (default :func:`default_threads`) and
    restore the caller's count afterwards; for long blocks (a whole training), since switching costs
    milliseconds. Yields the count in force."""
    import torch

    n = default_threads() if threads is None else int(threads)
    if n < 1:
        raise ValueError(f"threads={threads!r}: expected a positive integer")
    old = torch.get_num_threads()
    if old == n:
        yield n
        return
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(old)
