"""Runner: one searcher x one task x one seed x a budget, logged to JSONL and resumable.

Budget: the number of *distinct* architectures evaluated (and optionally wall seconds). When a
searcher proposes an architecture already evaluated in this run, the result is served from the run's
cache, told to the searcher, and neither counted nor logged.

Log: ``<name>.jsonl`` holds one line per distinct evaluation, flushed and fsynced as it is written;
``<name>.meta.json`` holds the configuration, seed, versions and git revision.

Resume: the searcher is rebuilt from the same seed and the log is *replayed*: each ``ask`` must
propose exactly the logged architecture (or a cached repeat), which gets the logged result instead of
a new evaluation. Searchers are deterministic given seed and history, so after the replay the searcher
is in the state it had when the run was killed, and the run continues as if never interrupted. A
torn last line (killed mid-write) is dropped and that evaluation is redone.

Workers: with ``workers`` = k > 1 the searcher is asked for k new architectures, they are evaluated at
once in k processes, each is logged as soon as it finishes, and only then are the k results told to the
searcher, in ask order. The batches are a function of the seed and the history, not of which training
finished first, so a k-worker run reproduces exactly and resumes by the same replay (a batch the log
holds part of evaluates the rest). With k = 1 this is the sequential ask, evaluate, tell. A searcher
sees k results at a time, so runs with different k differ, like runs with different seeds.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .io import append_jsonl, atomic_write_json, read_jsonl
from .parallel import EvaluationPool
from .result import Result
from .searcher import Searcher
from .seeding import seed_streams
from .space import SearchExhausted, SearchSpace
from .threads import use_default_threads

SearcherFactory = Callable[[SearchSpace, np.random.Generator], Searcher]


class ResumeMismatch(RuntimeError):
    """The replayed searcher proposed something else than the log holds (code or config changed)."""


@dataclass
class Record:
    """One logged evaluation."""

    index: int
    key: str
    arch: Any  # JSON form
    result: Result
    elapsed: float  # wall seconds since the run began, across resumes

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "arch": self.arch,
            "result": self.result.to_json(),
            "elapsed": round(self.elapsed, 6),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Record:
        return cls(d["index"], d["key"], d["arch"], Result.from_json(d["result"]), float(d["elapsed"]))


@dataclass
class RunOutcome:
    records: list[Record]
    status: str  # "complete", "exhausted" (searcher or space ran out), "timeout", "stalled"
    log_path: Path
    resumed_from: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def read_log(path: str | os.PathLike, repair: bool = False) -> list[Record]:
    """Records of a search's JSONL log in evaluation order (see :func:`read_jsonl` for torn lines and
    ``repair``). A run with several workers writes a batch's records as they finish, so the file may
    hold them out of order; their ``index`` is the order in which they were proposed."""
    return sorted(read_jsonl(path, repair, Record.from_json), key=lambda r: r.index)


def search_seconds(records: list[Record]) -> float:
    """Wall seconds the logged search took (the last record to finish, across resumes)."""
    return max((r.elapsed for r in records), default=0.0)


def git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("qgnas", "numpy", "torch", "gymnasium"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


class Runner:
    """Drive ``searcher_factory(space, rng)`` against ``evaluator`` for ``budget`` distinct
    evaluations, logging to ``run_dir/<name>.jsonl``.

    Args:
        space: the search space (used for keys and JSON forms).
        evaluator: callable arch -> Result (``qgnas.core.Evaluator`` turns exceptions into failures).
        searcher_factory: builds the searcher from the space and its random stream.
        budget: distinct architectures to evaluate (clamped to the space size when that is known).
        seed: root seed of the run, split into independent streams.
        run_dir, name: where the log goes.
        seconds: optional wall-clock budget (counted across resumes).
        config: anything worth recording next to the log (searcher options, task, ...).
        progress: show a progress bar when stderr is a terminal.
        max_repeats: consecutive cached proposals tolerated before the run is declared stalled.
        workers: architectures evaluated at once, each in its own process (see ``EvaluationPool``; the
            evaluator must pickle). A resumed run must use the logged run's number.
    """

    def __init__(
        self,
        space: SearchSpace,
        evaluator: Callable[[Any], Result],
        searcher_factory: SearcherFactory,
        budget: int,
        seed: int,
        run_dir: str | os.PathLike,
        name: str = "run",
        seconds: float | None = None,
        config: dict[str, Any] | None = None,
        progress: bool = True,
        max_repeats: int = 100_000,
        workers: int = 1,
    ):
        if not isinstance(budget, int | np.integer) or budget <= 0:
            raise ValueError(f"budget must be a positive integer, got {budget!r}")
        if seconds is not None and seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds!r}")
        size = space.size()
        self.space = space
        self.evaluator = evaluator
        self.searcher_factory = searcher_factory
        self.budget = int(min(budget, size)) if size is not None else int(budget)
        self.seed = int(seed)
        self.run_dir = Path(run_dir)
        self.name = name
        self.seconds = seconds
        self.config = dict(config or {})
        self.progress = progress
        self.max_repeats = max_repeats
        if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.workers = int(workers)

    @property
    def log_path(self) -> Path:
        return self.run_dir / f"{self.name}.jsonl"

    @property
    def meta_path(self) -> Path:
        return self.run_dir / f"{self.name}.meta.json"

    def _write_meta(self, status: str, n: int) -> dict[str, Any]:
        meta = {
            "name": self.name,
            "space": getattr(self.space, "name", type(self.space).__name__),
            "seed": self.seed,
            "budget": self.budget,
            "seconds": self.seconds,
            "workers": self.workers,
            "config": self.config,
            "status": status,
            "evaluations": n,
            "versions": versions(),
            "git_revision": git_revision(),
            "argv": sys.argv,
        }
        atomic_write_json(self.meta_path, meta)
        return meta

    def _check_workers(self) -> None:
        """A resumed run must batch as the logged one did, or its replay would propose other things."""
        if not self.meta_path.exists():
            return
        try:
            logged = int(json.loads(self.meta_path.read_text()).get("workers", 1))
        except (ValueError, TypeError, AttributeError):
            return  # an unreadable meta file: the replay itself will tell whether the log matches
        if logged != self.workers:
            raise ResumeMismatch(
                f"{self.log_path} was written with workers={logged}; resume it with workers={logged}, "
                f"not {self.workers} (the number of workers decides which results the searcher has seen "
                "when it proposes the next architectures)"
            )

    def _ask_batch(self, searcher: Searcher, cache: dict[str, Result], size: int, repeats: int):
        """Ask until ``size`` new architectures are proposed (or the searcher stops or stalls).

        Proposals already evaluated in this run are told their cached result at once, as a sequential
        search would. Returns the proposals to evaluate and tell (in ask order, a repeat within the
        batch included), the distinct new ones, the stop reason (None, "exhausted", "stalled") and the
        updated count of consecutive cached proposals.
        """
        asked: list[tuple[Any, str]] = []
        new: dict[str, Any] = {}
        while len(new) < size:
            try:
                arch = searcher.ask()
            except SearchExhausted:
                return asked, new, "exhausted", repeats
            key = self.space.key(arch)
            if key in cache or key in new:
                if key in cache:
                    searcher.tell(arch, cache[key])
                else:
                    asked.append((arch, key))  # told with the batch's result
                repeats += 1
                if repeats > self.max_repeats:
                    return asked, new, "stalled", repeats
                continue
            repeats = 0
            asked.append((arch, key))
            new[key] = arch
        return asked, new, None, repeats

    def run(self, resume: bool = False) -> RunOutcome:
        use_default_threads()  # one torch thread unless QGNAS_THREADS says otherwise (core.threads: why)
        logged = self._existing_log(resume)
        searcher = self.searcher_factory(self.space, seed_streams(self.seed)["searcher"])
        self._write_meta("running", len(logged))
        offset = search_seconds(logged)
        start = time.perf_counter()

        def elapsed() -> float:
            """Wall seconds since the run began, across resumes."""
            return offset + time.perf_counter() - start

        cache: dict[str, Result] = {}
        records: list[Record] = []
        status, repeats = "complete", 0
        bar = _ProgressBar(self.budget, len(logged), self.name, self.progress, logged)
        pool = EvaluationPool(self.evaluator, self.workers)
        with pool, open(self.log_path, "a", encoding="utf-8") as log, bar:
            while len(records) < self.budget:
                replaying = len(records) < len(logged)
                if not replaying and self.seconds is not None and elapsed() >= self.seconds:
                    status = "timeout"
                    break
                asked, new, stop, repeats = self._ask_batch(
                    searcher, cache, min(self.workers, self.budget - len(records)), repeats
                )
                if replaying and stop == "stalled":
                    raise ResumeMismatch(f"{self.log_path}: replay stalled on cached proposals")
                base = len(records)  # the batch's first index
                results = self._replayed(logged, records, new)
                todo = [
                    (base + i, key, arch) for i, (key, arch) in enumerate(new.items()) if key not in results
                ]
                for i, result in pool.evaluate([arch for _, _, arch in todo]):
                    index, key, arch = todo[i]
                    results[key] = result
                    record = Record(index, key, self.space.to_json(arch), result, elapsed())
                    append_jsonl(log, record.to_json(), sync=True)
                    records.append(record)
                    bar.evaluated(result)
                records[base:] = sorted(records[base:], key=lambda r: r.index)
                for arch, key in asked:  # in ask order, whatever order the evaluations finished in
                    cache[key] = results[key]
                    searcher.tell(arch, results[key])
                if stop is not None:
                    status = stop
                    break
        meta = self._write_meta(status, len(records))
        return RunOutcome(records, status, self.log_path, len(logged), meta)

    def _existing_log(self, resume: bool) -> list[Record]:
        """The records to replay: the log's when resuming (a torn last line cut off), else none, an
        existing log with evaluations being an error and one without any being removed."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        logged = read_log(self.log_path, repair=resume)
        if logged and not resume:
            raise FileExistsError(
                f"{self.log_path} already holds {len(logged)} evaluations; continue it with "
                "run(resume=True) (--resume on the command line) or use another directory"
            )
        if resume:
            self._check_workers()
        elif self.log_path.exists():
            self.log_path.unlink()  # an empty or torn-only log from a run that never evaluated
        return logged

    def _replayed(
        self, logged: list[Record], records: list[Record], new: dict[str, Any]
    ) -> dict[str, Result]:
        """The logged results of the batch ``new`` (key -> architecture) that the log holds, appended to
        ``records``: replaying them costs no evaluation. A batch the log holds only part of (killed
        mid-batch) gets the rest evaluated; a proposal the log does not hold at its place is a
        ResumeMismatch."""
        results: dict[str, Result] = {}
        for expected in logged[len(records) : len(records) + len(new)]:
            if expected.key not in new:
                raise ResumeMismatch(
                    f"{self.log_path}: evaluation {len(records)} was {expected.key!r} in the log but "
                    f"the replayed searcher proposed {sorted(new)!r}; the code, seed or options "
                    "differ from the logged run"
                )
            results[expected.key] = expected.result
            records.append(expected)
        return results


class _ProgressBar:
    """The run's progress bar (shown when ``progress`` and stderr is a terminal), with the best objective
    so far."""

    def __init__(self, total: int, initial: int, name: str, progress: bool, logged: list[Record]):
        from tqdm.auto import tqdm

        self.best = max((r.result.objective for r in logged), default=-float("inf"))
        self.bar = tqdm(
            total=total,
            initial=initial,
            desc=name,
            disable=not (progress and sys.stderr.isatty()),
            leave=False,
        )

    def evaluated(self, result: Result) -> None:
        self.bar.update(1)
        if result.objective > self.best:
            self.best = result.objective
            self.bar.set_postfix(best=f"{self.best:.4g}", refresh=False)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
