"""The CRLQAS table's rerun (docs/results/crlqas.md) as one command that resumes after a kill.

    nohup python benchmarks/crlqas_rerun.py [--jobs 2] [--idle] >> runs/crlqas-rerun.log 2>&1 &
    python experiments/crlqas_table.py benchmarks/results/cpu-2026-12-07-crlqas/*/seed*   # the table

The rules, fixed in docs/results/crlqas.md before the runs: seeds 0, 1 and 2 of every configuration,
each run once to the episode budget below; a seed succeeds if it found a chemically accurate circuit
within that budget. A killed run is resumed from its checkpoint only up to the same budget. The agent
is the 5 x 256 MLP with batch size 128 (``--agent``), not the published 5 x 1000 with batch 1000.

Each finished run's ``config.json``, ``summary.json``, ``episodes.jsonl`` and best circuit (what
``experiments/crlqas_table.py`` reads) are copied to ``--results``; checkpoints stay under ``--out``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from job_queue import Job, add_queue_options, fix_plan, json_at_least, run_queue

HERE = Path(__file__).resolve().parent
EXPERIMENTS = HERE.parent / "experiments"

#: configuration and its episode budget, cheapest first
RUNS = (
    ("h2_2q_depolarizing", 550),
    ("h2_2q_mumbai", 520),
    ("h2_4q_noiseless", 700),
    ("lih_4q_noiseless", 1100),
)
SEEDS = (0, 1, 2)
AGENT = ("hidden_sizes=256,256,256,256,256", "batch_size=128")
COPIED = ("config.json", "summary.json", "episodes.jsonl", "best_circuit.json", "best_circuit.qasm")


def plan_jobs(scale: float = 1.0) -> list[Job]:
    jobs = []
    for config, episodes in RUNS:  # cheapest configuration first: whole rows of the table early
        for seed in SEEDS:
            n = max(1, round(episodes * scale))
            argv = [
                *(sys.executable, str(EXPERIMENTS / "crlqas.py")),
                *("--config", str(EXPERIMENTS / "configs" / f"{config}.yaml"), "--seed", str(seed)),
                *(arg for field in AGENT for arg in ("--agent", field)),
                *("--episodes", str(n), "--resume"),
            ]
            jobs.append(Job(f"{config}/seed{seed}", argv, json_at_least("summary.json", "episodes", n)))
    return jobs


def export(job: Job, out: Path, results: Path) -> None:
    dst = results / job.name
    dst.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (out / job.name / name).exists():
            shutil.copyfile(out / job.name / name, dst / name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    results = HERE / "results" / "cpu-2026-12-07-crlqas"
    add_queue_options(p, Path("runs/crlqas"), results, "episode budget", "h2_2q_depolarizing/")
    args = p.parse_args(argv)
    fix_plan(args.out, args.results, {"runs": RUNS, "seeds": SEEDS, "agent": AGENT, "scale": args.scale})
    jobs = [j for j in plan_jobs(args.scale) if args.only is None or j.name.startswith(args.only)]
    failed = run_queue(jobs, args.out, args.jobs, args.idle, lambda j: export(j, args.out, args.results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
