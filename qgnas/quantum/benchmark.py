"""The quantum architecture-search benchmark behind ``qgnas bench quantum``.

    bench_quantum(out="runs/qbench/h2_2q", molecule="H2", qubits=2, searchers=["random", "evolution"],
                  budget=200, seeds=[0, 1, 2], crlqas_runs=["runs/crlqas/h2_2q_noiseless"])
    bench_quantum(out="runs/qbench/ghz_4q", problem="ghz", qubits=4, searchers=["random"], budget=200,
                  seeds=[0, 1, 2])                      # or problem="maxcut": a 4-node ring

Searchers run through :func:`qgnas.core.bench.run_benchmark` on
:func:`qgnas.quantum.circuit_space.quantum_task`, so the directory holds the same logs,
``summary.csv``/``summary.md``, ``curves.csv`` and ``anytime.png`` as every other benchmark, plus the
error tables and plot of :mod:`qgnas.quantum.benchmark_tables`.

**Equal budgets with CRLQAS.** The cost of quantum architecture search is the number of circuits
whose angles are optimised. A searcher's budget is the number of *distinct* circuits it evaluates (the
Runner serves repeats from its cache); the CRLQAS agent re-optimises after every gate, so each step of
every episode (training and greedy test) is one evaluation, repeats included
(:func:`qgnas.quantum.experiment_log.crlqas_records`). The imported runs are written as a
pseudo-searcher ``crlqas`` in the benchmark directory, so every table and plot truncates them at the
same budget.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core.io import atomic_write_json, write_jsonl

from .benchmark_tables import quantum_summary
from .experiment_log import crlqas_config, crlqas_records, crlqas_run_dirs, run_environment

CRLQAS_NAME = "crlqas"


def _norm_noise(noise: Any) -> Any:
    if noise is None or (isinstance(noise, str) and noise.strip().lower() in ("", "none", "noiseless")):
        return None
    if isinstance(noise, str):
        return noise.strip().lower()
    if isinstance(noise, dict):
        return json.dumps({k: v for k, v in noise.items() if k != "n_qubits"}, sort_keys=True, default=str)
    return repr(noise)


def check_crlqas_run(run_dir: str | os.PathLike, task_config: dict[str, Any]) -> list[str]:
    """Compare a CRLQAS run's env config with the benchmark's task. Returns notes on settings that
    differ but keep the problem the same (gate budget, optimiser); raises ValueError when the problem
    differs (molecule, qubits, bond, noise, shots)."""
    env = run_environment(run_dir)
    problems = []
    if str(env["molecule"]).lower() != str(task_config["molecule"]).lower():
        problems.append(f"molecule {env['molecule']} vs {task_config['molecule']}")
    if int(env["qubits"]) != int(task_config["qubits"]):
        problems.append(f"qubits {env['qubits']} vs {task_config['qubits']}")
    if abs(float(env["bond"]) - float(task_config["bond"])) > 1e-9:
        problems.append(f"bond {env['bond']} vs {task_config['bond']}")
    if _norm_noise(env["noise"]) != _norm_noise(task_config.get("noise")):
        problems.append(f"noise {env['noise']!r} vs {task_config.get('noise')!r}")
    if env["shots"] != task_config.get("shots"):
        problems.append(f"shots {env['shots']} vs {task_config.get('shots')}")
    if problems:
        raise ValueError(f"CRLQAS run {str(run_dir)!r} solves another problem: {'; '.join(problems)}")
    notes = []
    if int(env["max_gates"]) != int(task_config["max_gates"]):
        notes.append(f"max gates {env['max_gates']} (bench: {task_config['max_gates']})")
    run_options, bench_options = (
        env.get("optimizer_options") or {},
        task_config.get("optimizer_options") or {},
    )
    if str(env["optimizer"]).lower() != str(task_config["optimizer"]).lower() or run_options != bench_options:
        notes.append(
            f"optimizer {env['optimizer']} {run_options} (bench: {task_config['optimizer']} {bench_options})"
        )
    return notes


def import_crlqas_runs(
    paths: Sequence[str | os.PathLike], out_dir: str | os.PathLike, task_config: dict[str, Any] | None = None
) -> list[str]:
    """Write the CRLQAS runs under ``paths`` as ``out_dir/crlqas/seed<k>.jsonl`` (k = the run's seed,
    or the next free number), replacing earlier imports. Returns notes on setting differences."""
    runs = crlqas_run_dirs(paths)
    notes: list[str] = []
    for run in runs:
        if task_config is not None:
            notes += [f"{run}: {n}" for n in check_crlqas_run(run, task_config)]
    target = Path(out_dir) / CRLQAS_NAME
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("seed*"):
        old.unlink()
    used: set[int] = set()
    for run in runs:
        seed = crlqas_config(run).get("seed")
        if not isinstance(seed, int) or seed in used:
            seed = next(i for i in range(10**6) if i not in used)
        used.add(seed)
        records = crlqas_records(run)
        write_jsonl(target / f"seed{seed}.jsonl", (r.to_json() for r in records))
        meta = {
            "name": f"seed{seed}",
            "space": "crlqas (imported)",
            "seed": seed,
            "source": str(run),
            "status": "imported",
            "evaluations": len(records),
            "config": crlqas_config(run).get("config"),
            "note": "per-evaluation view of experiments/crlqas.py episodes.jsonl; only each episode's "
            "last circuit has a logged result",
        }
        atomic_write_json(target / f"seed{seed}.meta.json", meta)
    return notes


def _check_searcher_options(searcher_options: dict[str, Any], searchers: Sequence[str]) -> None:
    unknown = sorted(set(searcher_options) - set(searchers))
    if unknown:
        raise ValueError(
            f"searcher_options name {', '.join(map(repr, unknown))}, not among the searchers run: "
            f"{', '.join(searchers)}"
        )
    for name, extra in searcher_options.items():
        if not isinstance(extra, dict):
            raise ValueError(
                f"searcher_options[{name!r}] must be a dict of keyword options, got {type(extra).__name__}"
            )


def _task_config(task: Any, opts: dict[str, Any]) -> dict[str, Any]:
    """The settings a CRLQAS run must share with the task (problem) or is compared on (the rest)."""
    hamiltonian = task.evaluator.hamiltonian
    kind = hamiltonian.metadata.get("problem", "molecule")
    names = ("noise", "shots", "max_gates", "optimizer", "optimizer_options", "connectivity")
    config = {k: opts[k] for k in names}
    if kind == "molecule":
        config["molecule"] = hamiltonian.metadata.get("molecule", opts["molecule"] or "H2")
        config["qubits"] = hamiltonian.n_qubits
        config["bond"] = float(hamiltonian.metadata.get("bond_angstrom", opts["bond"] or 0.0))
    else:
        config.update({"problem": kind, "qubits": hamiltonian.n_qubits})
    return config


def bench_quantum(  # long: checks every input before the first run starts, then runs and tabulates
    out: str | os.PathLike,
    searchers: Sequence[str],
    budget: int,
    seeds: Sequence[int],
    *,
    crlqas_runs: Sequence[str | os.PathLike] = (),
    resume: bool = False,
    jobs: int = 1,
    seconds: float | None = None,
    progress: bool = True,
    searcher_options: dict[str, dict[str, Any]] | None = None,
    **task_options: Any,
) -> dict[str, Any]:
    """Run the searchers on the quantum task, import CRLQAS runs, and write every table and plot.

    ``task_options`` are :func:`~qgnas.quantum.circuit_space.quantum_task`'s (problem, molecule,
    qubits, bond, noise, max_gates, optimizer, optimizer_options, connectivity, shots).
    ``searcher_options`` maps a searcher name to extra keyword options of its constructor
    (``make_searcher(name, space, rng, **options)``), e.g. an encoder directory for a latent-space
    searcher; searchers left out get their defaults.

    Raises ValueError on bad input (checked before any run starts) and FileExistsError when ``out``
    holds runs and ``resume`` is off. Returns ``{"rows": quantum rows, "summary": bench summary}``.
    """
    import functools
    import inspect

    from qgnas.core.bench import run_benchmark, summarize
    from qgnas.quantum.circuit_space import quantum_task
    from qgnas.searchers import make_searcher

    searcher_options = dict(searcher_options or {})
    _check_searcher_options(searcher_options, searchers)
    options = inspect.signature(quantum_task).bind(**task_options)  # TypeError names an unknown option
    options.apply_defaults()
    opts = options.arguments
    task_factory = functools.partial(quantum_task, **opts)
    task = task_factory()  # checks problem, molecule, qubits, noise, optimiser before anything runs
    task_config = _task_config(task, opts)
    kind = task.evaluator.hamiltonian.metadata.get("problem", "molecule")
    if kind != "molecule" and crlqas_runs:
        raise ValueError(
            f"crlqas_runs compare against molecules only (the CRLQAS environment solves molecules); "
            f"problem {kind!r} has none to import"
        )
    problem = {
        "kind": kind,
        "hamiltonian": task.evaluator.hamiltonian.name,
        "success_threshold": task.evaluator.success_threshold,
    }
    notes = []
    if crlqas_runs:
        for run in crlqas_run_dirs(crlqas_runs):  # fail before searching, not after
            notes += [f"{run}: {n}" for n in check_crlqas_run(run, task_config)]
    factories = {
        name: functools.partial(make_searcher, name, **searcher_options.get(name, {})) for name in searchers
    }
    for name in searcher_options:  # a bad option fails here, not in the middle of the runs
        try:
            factories[name](task.space, np.random.default_rng(0))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"searcher_options[{name!r}]: {str(exc).splitlines()[0]}") from None
    summary = run_benchmark(
        task_factory,
        factories,
        budget=budget,
        seeds=list(seeds),
        out_dir=out,
        resume=resume,
        jobs=jobs,
        seconds=seconds,
        progress=progress,
    )
    if crlqas_runs:
        import_crlqas_runs(crlqas_runs, out, task_config)
        summary = summarize(out, task=task, budget=budget)
    quantum_info = {
        "task": task_config,
        "problem": problem,
        "crlqas_runs": [str(p) for p in crlqas_runs],
        "crlqas_notes": notes,
    }
    atomic_write_json(Path(out) / "quantum.json", quantum_info)
    rows = quantum_summary(out, budget)
    return {"rows": rows, "summary": summary}
