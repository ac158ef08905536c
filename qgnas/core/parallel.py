"""Evaluating several architectures at once, one worker process each.

One search on a machine with several cores otherwise trains one architecture at a time: a GNN training
on Cora keeps a single core busy (more threads barely help at this size), so a two-core machine idles
half of the time. ``EvaluationPool`` runs a batch of evaluations in ``workers`` processes and hands
back each result as it finishes; the Runner decides what a batch is, so that results reach the searcher
in a deterministic order (see ``Runner``).

Processes, not threads: PyTorch's CPU kernels and the Python code around them would contend for the
GIL. The ``spawn`` start method, not ``fork``: forking a parent that has used PyTorch's OpenMP thread
pool can deadlock the child. Each worker receives the evaluator once, pickled, and loads whatever it
loads lazily (a GNN evaluator its dataset) on its first evaluation.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .result import Result

_worker_evaluator: Callable[[Any], Result] | None = None


def _start_worker(evaluator: Callable[[Any], Result], threads: int, parent: int) -> None:
    global _worker_evaluator
    _worker_evaluator = evaluator
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if "OMP_NUM_THREADS" not in os.environ:  # the user's explicit setting wins
        import torch

        torch.set_num_threads(threads)


def _exit_when_orphaned(parent: int) -> None:
    """End this worker once the search that started it is gone. A killed search (a signal, the end of
    a session) cannot shut its pool down, and its workers would otherwise train on for as long as
    their current architecture takes, holding the cores a resumed search needs."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _evaluate_in_worker(arch: Any) -> Result:
    return _worker_evaluator(arch)


class EvaluationPool:
    """Evaluate batches of architectures with ``workers`` processes (1: in this process, in order).

    Args:
        evaluator: callable arch -> Result; with ``workers`` > 1 it must pickle (module-level classes
            and functions do; lambdas and closures do not) and should not rely on state built up by
            earlier calls, since each worker holds its own copy.
        workers: processes evaluating at once.
        threads: torch threads per worker (default: the machine's cores shared out, at least 1);
            ``OMP_NUM_THREADS``, when set, takes precedence.

    A worker that dies (killed, out of memory) fails the evaluations it held, which are recorded as
    failures like any other, and the pool starts new workers for the next batch.
    """

    def __init__(self, evaluator: Callable[[Any], Result], workers: int = 1, threads: int | None = None):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.evaluator = evaluator
        self.workers = workers
        self.threads = threads or max(1, (os.cpu_count() or 1) // workers)
        self._executor: ProcessPoolExecutor | None = None
        if workers > 1:
            import pickle

            try:
                pickle.dumps(evaluator)
            except Exception as exc:  # noqa: BLE001 - any pickling error means the same thing here
                raise ValueError(
                    f"workers={workers} needs an evaluator that pickles, and {type(evaluator).__name__} "
                    f"does not ({exc}); use a module-level class or function, or workers=1"
                ) from None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.evaluator, self.threads, os.getpid()),
            )
        return self._executor

    def evaluate(self, archs: Sequence[Any]) -> Iterator[tuple[int, Result]]:
        """Yield ``(position in archs, result)`` for every architecture, each as soon as it is done; an
        architecture whose worker died gets a failed Result."""
        for i, result, died in self._completed(archs):
            yield (
                i,
                result if died is None else Result.failure(f"the worker process evaluating it died ({died})"),
            )

    def map(self, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """``evaluate`` for a callable that returns anything (``select``/``train`` map (architecture,
        seed) jobs, ``bench`` whole runs): a worker's death raises RuntimeError instead."""
        for i, value, died in self._completed(items):
            if died is not None:
                raise RuntimeError(f"the worker process running item {i} of {len(items)} died ({died})")
            yield i, value

    def _completed(self, items: Sequence[Any]) -> Iterator[tuple[int, Any, BaseException | None]]:
        """``(position, value, None)`` per item as it finishes, or ``(position, None, error)`` when the
        worker running it died."""
        if self.workers == 1:
            for i, item in enumerate(items):
                yield i, self.evaluator(item), None
            return
        pool = self._pool()
        pending: dict[Future, int] = {
            pool.submit(_evaluate_in_worker, item): i for i, item in enumerate(items)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    yield i, future.result(), None
                except BrokenProcessPool as exc:
                    if self._executor is pool:  # a fresh pool for the next batch
                        pool.shutdown(wait=False, cancel_futures=True)
                        self._executor = None
                    yield i, None, exc

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> EvaluationPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["EvaluationPool"]
