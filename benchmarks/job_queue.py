"""A queue of resumable child processes, the engine of the long benchmark suites (CommFormer, CRLQAS).

Each job is a command that writes one run directory and continues it when started again; the queue
skips the jobs that are done, starts the others (``at_once`` at a time, after the jobs they need),
and calls ``on_done`` for every finished job (the suites copy small outputs to ``benchmarks/results``).
A failed job is logged and the queue goes on. So a suite killed at any point continues where it was
when its command is run again. With ``idle`` the children run at idle CPU priority (``SCHED_IDLE``):
they only take the CPU time that other work, such as a timed search, leaves unused.

Ray (the project's scale-out engine) would run these too; this queue needs nothing beyond the standard
library and keeps each run a plain command a reader can rerun by hand from the log.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Job:
    """A command run in the queue's root with ``--out NAME`` appended; ``done(run_dir)`` says if it is."""

    name: str
    argv: list[str]
    done: Callable[[Path], bool]
    needs: list[str] = field(default_factory=list)


def json_at_least(file: str, key: str, value: int) -> Callable[[Path], bool]:
    """``done`` test: ``run_dir/file`` exists and its ``key`` is at least ``value``."""

    def done(run_dir: Path) -> bool:
        path = run_dir / file
        return path.exists() and json.loads(path.read_text()).get(key, 0) >= value

    return done


def file_exists(file: str) -> Callable[[Path], bool]:
    return lambda run_dir: (run_dir / file).exists()


def add_queue_options(
    p: argparse.ArgumentParser, out: Path, results: Path, budget: str, only_example: str
) -> None:
    """The options every suite shares: where runs and copied results go, how many at once, priority."""
    p.add_argument("--out", type=Path, default=out, help="run directories")
    p.add_argument(
        "--results", type=Path, default=results, help="where each finished run's small outputs are copied"
    )
    p.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    p.add_argument("--idle", action="store_true", help="children at idle CPU priority (SCHED_IDLE)")
    p.add_argument("--only", help=f"only the runs whose name starts with this (e.g. {only_example})")
    p.add_argument("--scale", type=float, default=1.0, help=f"multiply every {budget} (smoke tests only)")


def fix_plan(root: Path, results: Path, plan: dict[str, Any]) -> None:
    """Write ``plan.json`` to ``root`` and ``results``; refuse a root that holds another plan."""
    plan = json.loads(json.dumps(plan))  # tuples as lists, as the file holds them
    path = root / "plan.json"
    if path.exists() and json.loads(path.read_text()) != plan:
        raise SystemExit(f"{path} holds another plan; use another --out")
    for where in (root, results):
        where.mkdir(parents=True, exist_ok=True)
        (where / "plan.json").write_text(json.dumps(plan, indent=2) + "\n")


def thin_csv(src: Path, dst: Path, rows: int = 200) -> None:
    """Copy a CSV keeping at most about ``rows`` evenly spaced rows, the last one always."""
    with open(src, newline="") as fh:
        table = list(csv.DictReader(fh))
    if not table:
        return
    every = max(1, -(-len(table) // rows))
    kept = table[every - 1 :: every]
    if kept[-1] is not table[-1]:
        kept.append(table[-1])
    with open(dst, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(kept)


def log(text: str) -> None:
    print(f"[{datetime.datetime.now().isoformat(timespec='seconds')}] {text}", flush=True)


def _idle_priority() -> None:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def run_queue(
    jobs: list[Job], root: Path, at_once: int, idle: bool, on_done: Callable[[Job], None]
) -> set[str]:
    """Run every job not yet done; returns the names of the failed ones (and of those that needed them).
    A child's output goes to ``root/NAME/stdout.txt``."""
    pending, failed = list(jobs), set()
    running: dict[str, tuple[Job, subprocess.Popen, Any, float]] = {}
    while pending or running:
        for name, (job, proc, out, start) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            out.close()
            if proc.returncode == 0 and job.done(root / name):
                on_done(job)
                log(f"{name}: done in {time.time() - start:.0f} s")
            else:
                failed.add(name)
                log(f"{name}: FAILED (exit {proc.returncode}); see {root / name / 'stdout.txt'}")
        waiting = {j.name for j in pending} | set(running)
        for job in list(pending):
            if job.done(root / job.name):
                pending.remove(job)
                on_done(job)
            elif failed.intersection(job.needs):
                pending.remove(job)
                failed.add(job.name)
                log(f"{job.name}: skipped, it needs {job.needs}")
            elif len(running) < at_once and not waiting.intersection(job.needs):
                pending.remove(job)
                (root / job.name).mkdir(parents=True, exist_ok=True)
                out = open(root / job.name / "stdout.txt", "a")  # noqa: SIM115  (closed when it ends)
                log(f"{job.name}: {' '.join(job.argv[1:])}")
                proc = subprocess.Popen(
                    [*job.argv, "--out", job.name],
                    cwd=root,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_idle_priority if idle else None,
                    env={**os.environ, "OMP_NUM_THREADS": "1"},
                )
                running[job.name] = (job, proc, out, time.time())
        time.sleep(2)
    log(f"queue finished; {len(failed)} failed: {sorted(failed)}")
    return failed
