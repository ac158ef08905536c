"""CommFormer's measurements on predator-prey as one command that resumes after a kill.

    nohup python benchmarks/commformer_suite.py [--jobs 2] [--idle] >> runs/commformer-suite.log 2>&1 &
    python benchmarks/commformer_table.py benchmarks/results/cpu-2026-12-07-commformer   # the tables

The plan (fixed here before any measured run; seed 100 was the only pilot, on Predator-Prey 5x5):

- tasks: Predator-Prey 5x5 with 3 agents (``pp5``), Predator-Capture-Prey 5x5 with 3 agents of which
  one is a blind capture agent (``pcp5``), Predator-Prey 10x10 with 5 agents (``pp10``); vision 1,
  episode limit 4 x grid, 20 grids stepped together, 40 steps per grid per PPO update;
- step budgets: 500,000 (pp5), 1,000,000 (pcp5), 2,000,000 (pp10) environment steps per run, against
  the released code's 10 million: a 2-core CPU does about 3,000 steps a second. The pilot reached a
  success rate of 1.0 on pp5 within 65,000 steps, so pp5's budget is well past convergence;
- seeds 0, 1, 2 for every configuration;
- main table: learned S = 0.4, full, none and a random fixed graph with S = 0.4 on every task;
- sparsity sweep: learned S in {0.2, 0.6, 1.0} on pp10 (k = 1, 3, 5 incoming edges; 0.4 gives 2), and
  S = 1.0 on pp5 and pcp5 (with 3 agents, S = 0.2, 0.4 and 0.6 all give k = 1: the same run);
- temporal gate: learned S = 0.4 with ``--gate`` on every task (penalty weight 0.01, the default), and
  with weights 0.1 and 1.0 on ``pcp5``, whose blind agent needs messages, to trace the open fraction
  against the success rate (added to the plan before any gate run had started);
- discrete search on pp10 with S = 0.4 (6^5 = 7,776 graphs): random, evolution, bo and gae-bo, each
  with 20 graphs scored by a 100,000-step training run (2,000,000 steps in all, the learned graph's
  budget), objective the mean team return of the last tenth of the run (denser than the success rate
  at 100,000 steps), root seed 0; gae-bo's encoder is trained on the space's graphs alone. Each
  searcher's best graph is then retrained for 2,000,000 steps with seed 0, a second budget that the
  table states separately. Added to the plan after ``random`` and ``evolution`` had run (the default
  population of 50 never fills in 20 evaluations, so ``evolution`` was random search):
  ``evolution-p10``, population 10 and tournament 3, with the same budget and seed.

Every training run ends with an evaluation of the deployed policy (deterministic top-k graph and gate,
actions sampled from the policy) on 1,000 fresh episodes, ``experiments/commformer.py``'s default, and
the tables report it. The evaluation was added after the first two runs (``pp5`` seed 0, learned and
full) had finished: a learned graph's training episodes sample the graph with Gumbel noise, so its
training metrics score a noisier graph than the one it deploys, while a fixed graph's do not. Those two
runs were evaluated from their final checkpoints; training metrics stay in every summary.

Every run is ``experiments/commformer.py`` (the searches: ``--search-one`` of this script) in a child
process, skipped when its ``summary.json`` (``best.json``) is complete and resumed from its checkpoint
(log) otherwise. ``--idle`` runs the children at idle CPU priority, so that they only take what another
job (the Auto-GNN protocol's timed searches) leaves. Run directories go under ``--out``; each finished
run's ``summary.json``, ``graph.png`` and its curves thinned to at most 200 rows are copied to
``--results``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from job_queue import Job, add_queue_options, file_exists, fix_plan, json_at_least, run_queue, thin_csv

HERE = Path(__file__).resolve().parent
EXPERIMENT = HERE.parent / "experiments" / "commformer.py"

TASKS: dict[str, dict[str, Any]] = {
    "pp5": {"env": "pp", "grid": 5, "agents": 3, "steps": 500_000},
    "pcp5": {"env": "pcp", "grid": 5, "agents": 3, "steps": 1_000_000},
    "pp10": {"env": "pp", "grid": 10, "agents": 5, "steps": 2_000_000},
}
SEEDS = (0, 1, 2)
MAIN_GRAPHS = (("learned", 0.4), ("full", 1.0), ("none", 0.4), ("random", 0.4))
SWEEP = {"pp5": (1.0,), "pcp5": (1.0,), "pp10": (0.2, 0.6, 1.0)}
GATE_COSTS = {"pp5": (0.01,), "pcp5": (0.01, 0.1, 1.0), "pp10": (0.01,)}  # 0.01: the gate's default
SEARCH = {
    "task": "pp10",
    "sparsity": 0.4,
    "searchers": ("random", "evolution", "bo", "gae-bo"),
    "evaluations": 20,
    "steps_each": 100_000,
    "objective": "mean_return",
    "seed": 0,
}
# Added once "random" and "evolution" had finished, before this variant ran: with 20 evaluations the
# evolution searcher's default population (50, NAS-Bench-Graph's) never fills, so "evolution" draws only
# its initial random samples, the very graphs "random" draws from the same root seed. This variant leaves
# half the evaluations to tournaments; it is reported beside the planned rows, not instead of them.
SEARCH_VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "evolution-p10": ("evolution", {"population_size": 10, "sample_size": 3}),
}
SEARCH_RUNS = (*SEARCH["searchers"], *SEARCH_VARIANTS)  # every search of the suite, in queue order
ENCODER = {"epochs": 16, "seed": 0}  # on all 7,776 graphs of the searched space
CURVE_ROWS = 200


def scaled(steps: int, scale: float) -> int:
    """A budget times ``scale`` (1 in the measured suite, tiny in a smoke test), in whole updates."""
    per_update = 20 * 40
    return max(per_update, round(steps * scale / per_update) * per_update)


def graph_name(graph: str, sparsity: float) -> str:
    return graph if graph in ("full", "none") else f"{graph}-s{sparsity:g}"


def gate_name(cost: float) -> str:
    return "learned-s0.4-gate" if cost == 0.01 else f"learned-s0.4-gate-c{cost:g}"


def training(name: str, task: str, graph: str, sparsity: float, seed: int, *extra: str, **kw) -> Job:
    """A run of experiments/commformer.py; ``kw``: ``needs`` and ``scale``."""
    t, steps = TASKS[task], scaled(TASKS[task]["steps"], kw.get("scale", 1.0))
    argv = [
        *(sys.executable, str(EXPERIMENT), "--env", t["env"], "--grid", str(t["grid"])),
        *("--agents", str(t["agents"]), "--vision", "1", "--graph", graph, "--sparsity", str(sparsity)),
        *("--seed", str(seed), "--steps", str(steps), "--envs", "20", "--rollout", "40"),
        *("--no-progress", "--resume", *extra),
    ]
    return Job(name, argv, trained_and_evaluated(steps), list(kw.get("needs", ())))


def trained_and_evaluated(steps: int):
    """``done`` test of a training run: its summary has ``steps`` and the deployed policy's evaluation."""
    trained = json_at_least("summary.json", "steps", steps)
    return lambda run_dir: (
        trained(run_dir) and "evaluation" in json.loads((run_dir / "summary.json").read_text())
    )


def plan_jobs(scale: float = 1.0) -> list[Job]:
    """Every job, cheapest task first and seed-major, so a partial suite already has whole rows."""
    jobs = []
    for task in TASKS:
        for seed in SEEDS:
            runs = [(graph_name(g, s), g, s) for g, s in MAIN_GRAPHS]
            runs += [(f"learned-s{s:g}", "learned", s) for s in SWEEP[task]]
            for name, graph, s in runs:
                jobs.append(training(f"{task}/{name}/seed{seed}", task, graph, s, seed, scale=scale))
            for cost in GATE_COSTS[task]:
                name = f"{task}/{gate_name(cost)}/seed{seed}"
                gate = ("--gate", "--gate-cost", str(cost))
                jobs.append(training(name, task, "learned", 0.4, seed, *gate, scale=scale))
    me = [sys.executable, str(Path(__file__).resolve())]
    jobs.append(Job("search/encoder", [*me, "--encoder-one"], file_exists("metrics.json")))
    for searcher in SEARCH_RUNS:
        needs = ["search/encoder"] if searcher.startswith("gae") else []
        argv = [*me, "--search-one", searcher, "--scale", str(scale)]
        jobs.append(Job(f"search/{searcher}", argv, file_exists("best.json"), needs))
        best = f"search/{searcher}/best.json"  # relative to --out: every child runs there
        name, task, seed = f"search/{searcher}-retrained/seed{SEARCH['seed']}", SEARCH["task"], SEARCH["seed"]
        adjacency = ("--adjacency", best)
        needs = [f"search/{searcher}"]
        jobs.append(
            training(name, task, "random", SEARCH["sparsity"], seed, *adjacency, needs=needs, scale=scale)
        )
    return jobs


# --- the searches (run as children of the suite) ------------------------------------------------------


def search_task(scale: float = 1.0):
    from qgnas.graph.commformer import commgraph_task

    t = TASKS[SEARCH["task"]]
    return commgraph_task(
        env=t["env"],
        grid=t["grid"],
        agents=t["agents"],
        vision=1,
        sparsity=SEARCH["sparsity"],
        steps=scaled(SEARCH["steps_each"], scale),
        seed=SEARCH["seed"],
        objective=SEARCH["objective"],
    )


def encoder_one(run_dir: Path) -> None:
    from qgnas.encoders import train_encoder

    train_encoder(search_task().space, progress=False, out=run_dir, **ENCODER)


def search_one(searcher: str, run_dir: Path, scale: float = 1.0) -> None:
    """One searcher's search into ``run_dir`` (resumed from its log); the encoder is its sibling."""
    from qgnas.core import Runner
    from qgnas.searchers import make_searcher

    task = search_task(scale)
    name, variant_options = SEARCH_VARIANTS.get(searcher, (searcher, {}))
    options = dict(variant_options)
    if searcher.startswith("gae"):
        from qgnas.encoders import load_encoder

        options["encoder"] = load_encoder(run_dir.parent / "encoder", task.space)
    runner = Runner(
        task.space,
        task.evaluator,
        lambda space, rng: make_searcher(name, space, rng, **options),
        budget=SEARCH["evaluations"] if scale == 1.0 else 2,
        seed=SEARCH["seed"],
        run_dir=run_dir,
        progress=False,
    )
    records = [r for r in runner.run(resume=True).records if r.result.ok]
    best = max(records, key=lambda r: r.result.objective)
    arch = task.space.from_json(best.arch)
    summary = {
        "searcher": searcher,
        "options": variant_options,
        "evaluations": len(records),
        "env_steps": sum(int(r.result.metrics["env_steps"]) for r in records),
        "best_index": best.index,
        "graph": str(arch),
        "objective": SEARCH["objective"],
        "best_objective": best.result.objective,
        "best_metrics": best.result.metrics,
        "adjacency": arch.adjacency().tolist(),
        "search": SEARCH,
    }
    (run_dir / "best.json").write_text(json.dumps(summary, indent=2) + "\n")


# --- the queue ---------------------------------------------------------------------------------------


def export(job: Job, out: Path, results: Path) -> None:
    """Copy a finished job's small outputs to the results directory (curves thinned)."""
    src, dst = out / job.name, results / job.name
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "graph.png", "best.json", "run.jsonl", "metrics.json", "latent.png"):
        if (src / name).exists():
            shutil.copyfile(src / name, dst / name)
    if (src / "curves.csv").exists():
        thin_csv(src / "curves.csv", dst / "curves.csv", CURVE_ROWS)


def run_suite(out: Path, results: Path, at_once: int, idle: bool, only: str | None, scale: float) -> int:
    plan = {"tasks": TASKS, "seeds": SEEDS, "main": MAIN_GRAPHS, "sweep": SWEEP, "gate_costs": GATE_COSTS}
    plan["search"] = SEARCH
    plan["search_variants"] = SEARCH_VARIANTS
    fix_plan(out, results, {**plan, "scale": scale})
    jobs = [j for j in plan_jobs(scale) if only is None or j.name.startswith(only)]
    failed = run_queue(jobs, out, at_once, idle, lambda job: export(job, out, results))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    results = HERE / "results" / "cpu-2026-12-07-commformer"
    add_queue_options(p, Path("runs/commformer-suite"), results, "step budget", "pp5/")
    p.add_argument("--search-one", help=argparse.SUPPRESS)
    p.add_argument("--encoder-one", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.search_one:
        search_one(args.search_one, args.out, args.scale)
        return 0
    if args.encoder_one:
        encoder_one(args.out)
        return 0
    return run_suite(args.out, args.results, args.jobs, args.idle, args.only, args.scale)


if __name__ == "__main__":
    sys.exit(main())
