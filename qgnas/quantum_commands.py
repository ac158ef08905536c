"""The work behind ``qgnas bench quantum``: a CLI leaf (the CLI parses, these run).

    bench_quantum(out="runs/qbench/h2_2q", molecule="H2", qubits=2, searchers=["random", "evolution"],
                  budget=200, seeds=[0, 1, 2], crlqas_runs=["runs/crlqas/h2_2q_noiseless"])
    bench_quantum(out="runs/qbench/ghz_4q", problem="ghz", qubits=4, searchers=["random"], budget=200,
                  seeds=[0, 1, 2])                      # or problem="maxcut": a 4-node ring
    crlqas_curve("runs/crlqas/h2_2q_noiseless/seed0")   # (evaluations, best noiseless error so far)

Searchers run through :func:`qgnas.core.bench.run_benchmark` on :func:`qgnas.quantum.circuit_space.quantum_task`,
so the directory holds the same logs, ``summary.csv``/``summary.md``, ``curves.csv`` and ``anytime.png``
as every other benchmark. Energy errors are millihartree-sized, which the generic two-decimal table
cannot show, so this module adds ``quantum.md``/``quantum.csv`` (errors in mHa for molecules and in plain
units for GHZ (1 - F) and Max-Cut (cut error), good circuits found, evaluations to the first good
circuit, gates) and ``anytime_error.png`` (log scale). A *good* circuit is one whose noiseless error is
below the task's success threshold: chemical accuracy for molecules, fidelity >= 0.99 for GHZ, an
optimal cut for Max-Cut (see :func:`qgnas.quantum.circuit_space.quantum_task`). Counting good circuits,
not only the incumbent's error, says how often a searcher lands on solutions, which is what a user of
the search wants when any good circuit will do.

**Equal budgets with CRLQAS.** The cost of quantum architecture search is the number of circuits
whose angles are optimised. A searcher's budget is the number of *distinct* circuits it evaluates (the
Runner serves repeats from its cache); the CRLQAS agent re-optimises after every gate, so each step of
every episode (training and greedy test) is one evaluation, repeats included. ``experiments/crlqas.py``
logs only each episode's last circuit, so :func:`crlqas_records` turns an episode of ``length`` k into
k evaluations of which the last carries the logged result and the first k-1 are recorded as evaluated
but unknown (they can never be the incumbent, which can only understate the agent, by at most what
its intermediate circuits would have added). The imported runs are written as a pseudo-searcher
``crlqas`` in the benchmark directory, so every table and plot truncates them at the same budget.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import Record, Result
from qgnas.core.runner import read_jsonl

CRLQAS_NAME = "crlqas"
#: the environment's defaults, used where a CRLQAS config leaves a setting out
_ENV_DEFAULTS = {"molecule": "H2", "qubits": 2, "bond": 0.7414, "noise": None, "shots": None,
                 "max_gates": 40, "optimizer": "cobyla", "optimizer_options": None}  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# input parsing


def parse_noise(text: str | None) -> Any:
    """``--noise`` value -> what :func:`qgnas.quantum.circuit_space.noise_model` takes: None / a name
    (``none``, ``depolarizing``, ``fake_mumbai``), inline JSON (``'{"p1": 0.001}'``) or a path to a
    JSON or YAML file holding a noise config mapping. Raises ValueError naming the bad value."""
    if text is None:
        return None
    value = text.strip()
    path = Path(value).expanduser()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--noise {text!r} is not valid JSON ({exc.msg})") from None
    elif path.suffix.lower() in (".json", ".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ValueError(f"--noise file {text!r} does not exist")
        import yaml  # YAML is a superset of JSON: one parser for both

        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ValueError(f"--noise file {text!r} is not valid JSON/YAML ({exc})") from None
        if isinstance(data, dict) and set(data) == {"noise"}:
            data = data["noise"]
    else:
        return value
    if data is not None and not isinstance(data, dict | str):
        raise ValueError(f"--noise {text!r} must hold a mapping of noise settings, got {type(data).__name__}")
    return data


def parse_connectivity(text: str | None, n_qubits: int) -> list[tuple[int, int]] | None:
    """``"all"`` (default), ``"linear"`` (both directions along a chain) or ``"0-1,1-0,1-2"``."""
    if text is None or text.strip().lower() in ("", "all", "full"):
        return None
    if text.strip().lower() == "linear":
        return [p for i in range(n_qubits - 1) for p in ((i, i + 1), (i + 1, i))]
    pairs = []
    for item in text.split(","):
        parts = item.strip().split("-")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(
                f"--connectivity item {item.strip()!r} is not a control-target pair like '0-1'; "
                "allowed: all, linear, or pairs such as '0-1,1-0,1-2'"
            )
        pairs.append((int(parts[0]), int(parts[1])))
    return pairs


# ---------------------------------------------------------------------------------------------------
# CRLQAS runs


def crlqas_run_dirs(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Run directories (holding ``episodes.jsonl``) named by ``paths``: a run itself or a parent of runs."""
    runs: list[Path] = []
    for p in paths:
        path = Path(p)
        if (path / "episodes.jsonl").is_file():
            runs.append(path)
            continue
        found = sorted(q.parent for q in path.glob("*/episodes.jsonl"))
        if not found:
            raise ValueError(
                f"--crlqas-runs {str(p)!r} holds no CRLQAS run (expected DIR/episodes.jsonl or "
                "DIR/<run>/episodes.jsonl, as experiments/crlqas.py writes)"
            )
        runs.extend(found)
    return runs


def read_episodes(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of ``run_dir/episodes.jsonl`` (a torn last line from a killed run is ignored)."""
    path = Path(run_dir) / "episodes.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (not a CRLQAS run directory?)")
    return read_jsonl(path)


def crlqas_config(run_dir: str | os.PathLike) -> dict[str, Any]:
    """``config.json`` of a CRLQAS run (``{"config": ..., "seed": ...}``), or {} when absent."""
    path = Path(run_dir) / "config.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _noiseless_run(run_dir: str | os.PathLike) -> bool:
    env = (crlqas_config(run_dir).get("config") or {}).get("env") or {}
    noise = env.get("noise")
    quiet = noise is None or (isinstance(noise, str) and noise.strip().lower() in ("none", "noiseless"))
    return quiet and env.get("shots") is None


def _episode_results(run_dir: str | os.PathLike) -> list[tuple[int, Result | None, str]]:
    """(evaluations, result of the last one or None, label) per training and greedy test episode."""
    noiseless = _noiseless_run(run_dir)
    out: list[tuple[int, Result | None, str]] = []
    for row in read_episodes(run_dir):
        metrics = {k: row[k] for k in ("energy", "energy_noiseless", "error", "error_noiseless", "gates",
                                       "depth", "cnots", "rotations") if k in row}  # fmt: skip
        if "chemical_accuracy" in row:
            metrics["chemical_accuracy"] = int(bool(row["chemical_accuracy"]))
        error = row.get("error", row.get("error_noiseless"))
        result = Result(objective=-float(error), metrics=metrics) if error is not None else None
        out.append((int(row["length"]), result, f"episode{row['episode']}"))
        test = row.get("test")
        if test:
            # greedy test episodes log the noiseless error only; in a noiseless run that *is* the error
            tm = {"error_noiseless": float(test["error_noiseless"]), "gates": int(test["gates"])}
            tm["chemical_accuracy"] = int(tm["error_noiseless"] < _chemical_accuracy())
            tres = Result(objective=-tm["error_noiseless"], metrics={**tm, "error": tm["error_noiseless"]}) \
                if noiseless else Result(objective=-math.inf, metrics=tm,
                                         message="greedy test episode: noisy error not logged")  # fmt: skip
            out.append((int(test["gates"]), tres, f"episode{row['episode']}/test"))
    return out


def _chemical_accuracy() -> float:
    from qgnas.quantum.circuit_space import CHEMICAL_ACCURACY

    return CHEMICAL_ACCURACY


def crlqas_curve(
    run_dir: str | os.PathLike, metric: str = "error_noiseless"
) -> tuple[np.ndarray, np.ndarray]:
    """(evaluations, best ``metric`` so far) of a CRLQAS run, one point per episode end (training
    episodes and greedy test episodes), where evaluations = circuits optimised so far (one per step).

    ``metric`` is ``"error_noiseless"`` (what CRLQAS reports) or ``"error"`` (the noisy energy the
    agent sees; not logged for test episodes, which then only add to the evaluations).
    """
    if metric not in ("error_noiseless", "error"):
        raise ValueError(f"metric must be 'error_noiseless' or 'error', got {metric!r}")
    evals, best, total, current = [], [], 0, math.inf
    for n, result, _ in _episode_results(run_dir):
        total += n
        value = None if result is None else result.metrics.get(metric)
        if value is not None and math.isfinite(float(value)):
            current = min(current, float(value))
        evals.append(total)
        best.append(current)
    return np.asarray(evals, dtype=np.int64), np.asarray(best, dtype=np.float64)


def crlqas_records(run_dir: str | os.PathLike) -> list[Record]:
    """A CRLQAS run as per-evaluation Runner records (see the module doc for the unknown ones)."""
    seconds = {int(r["episode"]): float(r.get("seconds") or 0.0) for r in read_episodes(run_dir)}
    records: list[Record] = []
    elapsed = 0.0
    for n, result, label in _episode_results(run_dir):
        episode = int(label.split("/")[0].removeprefix("episode"))
        step_time = 0.0 if label.endswith("/test") else seconds.get(episode, 0.0) / max(n, 1)
        for step in range(1, n + 1):
            elapsed += step_time
            last = step == n
            res = result if (last and result is not None) else Result(
                objective=-math.inf,
                message="circuit optimised by the agent; experiments/crlqas.py logs only an episode's last one",
            )  # fmt: skip
            records.append(Record(len(records), f"{label}/step{step}", None, res, elapsed))
    return records


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
    env = {**_ENV_DEFAULTS, **((crlqas_config(run_dir).get("config") or {}).get("env") or {})}
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
    if str(env["optimizer"]).lower() != str(task_config["optimizer"]).lower() or (
        env.get("optimizer_options") or {}
    ) != (task_config.get("optimizer_options") or {}):
        notes.append(f"optimizer {env['optimizer']} {env.get('optimizer_options') or {}} "
                     f"(bench: {task_config['optimizer']} {task_config.get('optimizer_options') or {}})")  # fmt: skip
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
        with open(target / f"seed{seed}.jsonl", "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r.to_json()) + "\n")
        meta = {"name": f"seed{seed}", "space": "crlqas (imported)", "seed": seed, "source": str(run),
                "status": "imported", "evaluations": len(records),
                "config": crlqas_config(run).get("config"),
                "note": "per-evaluation view of experiments/crlqas.py episodes.jsonl; only each episode's "
                        "last circuit has a logged result"}  # fmt: skip
        (target / f"seed{seed}.meta.json").write_text(json.dumps(meta, indent=2, default=str))
    return notes


# ---------------------------------------------------------------------------------------------------
# the quantum table and plot

_GOOD_COLUMNS = ["good_circuits_mean", "good_circuits_total", "good_runs", "evals_to_good_median",
                 "evals_to_good"]  # fmt: skip
QUANTUM_COLUMNS = [
    "searcher", "budget", "seeds", "evaluations_mean", "error_mha_mean", "error_mha_std",
    "error_noiseless_mha_mean", "error_noiseless_mha_std", "chemical_accuracy_runs",
    "evals_to_chemical_accuracy_median", *_GOOD_COLUMNS, "gates_mean", "seconds_per_eval",
]  # fmt: skip
#: the columns of GHZ and Max-Cut tables: errors in the problem's own units, no chemical accuracy
PLAIN_QUANTUM_COLUMNS = [
    "searcher", "budget", "seeds", "evaluations_mean", "error_mean", "error_std", "error_noiseless_mean",
    "error_noiseless_std", *_GOOD_COLUMNS, "gates_mean", "seconds_per_eval",
]  # fmt: skip


def problem_view(qinfo: dict[str, Any] | None = None) -> dict[str, Any]:
    """How the tables and plot present the problem recorded in ``quantum.json`` (a directory written
    before GHZ and Max-Cut existed has none: a molecule, good = chemical accuracy)."""
    problem = (qinfo or {}).get("problem") or {}
    kind = problem.get("kind", "molecule")
    ca = _chemical_accuracy()
    t = float(problem.get("success_threshold", ca))
    plain = {"kind": kind, "threshold": t, "scale": 1.0, "suffix": "", "columns": PLAIN_QUANTUM_COLUMNS}
    if kind == "ghz":
        return {
            **plain,
            "error": "1 − F",
            "good": f"F ≥ {1 - t:g}",
            "good_text": f"fidelity with |GHZ⟩ ≥ {1 - t:g} (noiseless 1 − F < {t:g})",
            "ground_text": "H = −|GHZ⟩⟨GHZ|, error = 1 − F",
            "ylabel": "noiseless 1 − F of the incumbent",
            "line": f"F = {1 - t:g}",
        }
    if kind == "maxcut":
        return {
            **plain,
            "error": "cut error",
            "good": "optimal cut",
            "good_text": f"optimal cut: noiseless cut error < {t:g}, half the gap to the next level, so more "
            "than half of the probability is on optimal cuts",
            "ground_text": "H = −cut, cut error = max cut − ⟨cut⟩",
            "ylabel": "noiseless cut error of the incumbent",
            "line": "optimal-cut threshold",
        }
    chemical = t == ca
    return {
        "kind": "molecule",
        "threshold": t,
        "scale": 1e3,
        "suffix": "_mha",
        "columns": QUANTUM_COLUMNS,
        "error": "error mHa",
        "good": "chem. acc." if chemical else f"error < {1e3 * t:g} mHa",
        "good_text": f"noiseless error < {1e3 * t:g} mHa" + (" (chemical accuracy)" if chemical else ""),
        "ground_text": None,
        "ylabel": "noiseless error of the incumbent (Ha)",
        "line": "chemical accuracy" if chemical else "success threshold",
    }


def _is_good(result: Result, threshold: float) -> bool:
    """A logged evaluation is good when its noiseless error is below the threshold; records that lack
    the error (imported CRLQAS steps) fall back on the flag they carry, if any."""
    m = result.metrics
    value = m.get("error_noiseless")
    if value is not None:
        return math.isfinite(float(value)) and float(value) < threshold
    return bool(m.get("success", m.get("chemical_accuracy", False)))


def _run_stats(records: list[Record], threshold: float | None = None) -> dict[str, Any]:
    from qgnas.core.bench import incumbent_curve

    threshold = _chemical_accuracy() if threshold is None else threshold
    obj, test = incumbent_curve(records, "error_noiseless")
    best_i, best = None, -math.inf
    for i, r in enumerate(records):
        if r.result.ok and r.result.objective > best:
            best_i, best = i, r.result.objective
    ca = _chemical_accuracy()
    hit = np.flatnonzero(test < ca)
    good = [i for i, r in enumerate(records) if _is_good(r.result, threshold)]
    timed = [r.elapsed for r in records]
    return {
        "objective": obj,
        "test": test,
        "error": -obj[-1] if np.isfinite(obj[-1]) else math.nan,
        "error_noiseless": float(test[-1]),
        "evals_to_ca": int(hit[0]) + 1 if len(hit) else None,
        "good": len(good),
        "evals_to_good": good[0] + 1 if good else None,
        "gates": float(records[best_i].result.metrics.get("gates", math.nan))
        if best_i is not None
        else math.nan,
        "seconds_per_eval": (timed[-1] / len(records)) if records else math.nan,
        "evaluations": len(records),
    }


def _ms(values: Sequence[float]) -> tuple[float, float]:
    """``mean_std`` of the finite values (runs that reached nothing report None or inf)."""
    from qgnas.core.bench import mean_std

    return mean_std([v for v in values if v is not None and math.isfinite(v)])


def quantum_summary(out_dir: str | os.PathLike, budget: int | None = None) -> list[dict[str, Any]]:
    """Recompute ``quantum.csv``, ``quantum.md`` and ``anytime_error.png`` of a quantum benchmark
    directory from its logs (truncated at ``budget``, default the one in ``bench.json``)."""
    from qgnas.core.bench import existing_runs
    from qgnas.core.runner import read_log

    out = Path(out_dir)
    info = json.loads((out / "bench.json").read_text()) if (out / "bench.json").exists() else {}
    qinfo = json.loads((out / "quantum.json").read_text()) if (out / "quantum.json").exists() else {}
    budget = int(budget or info.get("budget") or 10**12)
    view = problem_view(qinfo)
    runs: dict[str, list[dict[str, Any]]] = {}
    for path in existing_runs(out):
        records = read_log(path)[:budget]
        if records:
            stats = _run_stats(records, view["threshold"])
            stem = path.stem.removeprefix("seed")
            stats["seed"] = int(stem) if stem.isdigit() else math.inf
            runs.setdefault(path.parent.name, []).append(stats)
    for stats in runs.values():
        stats.sort(key=lambda st: st["seed"])  # seed order for the per-seed column (seed10 after seed2)
    order = [s for s in info.get("searchers", []) if s in runs] + sorted(
        set(runs) - set(info.get("searchers", []))
    )
    rows = []
    scale, sfx = view["scale"], view["suffix"]
    for name in order:
        stats = runs[name]
        e_m, e_s = _ms([scale * s["error"] for s in stats])
        n_m, n_s = _ms([scale * s["error_noiseless"] for s in stats])
        row = {
            "searcher": name,
            "budget": min(budget, max(s["evaluations"] for s in stats)),
            "seeds": len(stats),
            "evaluations_mean": float(np.mean([s["evaluations"] for s in stats])),
            f"error{sfx}_mean": e_m, f"error{sfx}_std": e_s,
            f"error_noiseless{sfx}_mean": n_m, f"error_noiseless{sfx}_std": n_s,
        }  # fmt: skip
        if view["kind"] == "molecule":  # the incumbent's chemical accuracy, as tables always reported it
            hits = [s["evals_to_ca"] for s in stats if s["evals_to_ca"] is not None]
            row["chemical_accuracy_runs"] = len(hits)
            row["evals_to_chemical_accuracy_median"] = float(np.median(hits)) if hits else math.nan
        firsts = [s["evals_to_good"] for s in stats]
        found = [e for e in firsts if e is not None]
        row.update({
            "good_circuits_mean": float(np.mean([s["good"] for s in stats])),
            "good_circuits_total": int(sum(s["good"] for s in stats)),
            "good_runs": len(found),
            "evals_to_good_median": float(np.median(found)) if found else math.nan,
            "evals_to_good": " ".join("-" if e is None else str(e) for e in firsts),
            "gates_mean": _ms([s["gates"] for s in stats])[0],
            "seconds_per_eval": _ms([s["seconds_per_eval"] for s in stats])[0],
        })  # fmt: skip
        rows.append(row)
    with open(out / "quantum.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=view["columns"])
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    (out / "quantum.md").write_text(quantum_markdown(rows, info, qinfo))
    _plot_errors(out / "anytime_error.png", order, runs, title=info.get("task", ""), view=view)
    return rows


def _g(x: float, digits: int = 3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def quantum_markdown(rows: list[dict[str, Any]], info: dict[str, Any], qinfo: dict[str, Any]) -> str:
    view = problem_view(qinfo)
    sfx, err, good = view["suffix"], view["error"], view["good"]
    lines = []
    if info.get("task"):
        lines.append(f"**{info['task']}**\n")
    lines.append(f"| searcher | budget | seeds | {err} (mean ± std) | noiseless {err} (mean ± std) "
                 f"| good circuits ({good}): mean / total | runs with a good one "
                 "| evals to first good: median | evals to first good: per seed | gates | s/eval |")  # fmt: skip
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        budget = (
            f"{r['budget']}"
            if r["evaluations_mean"] >= r["budget"]
            else f"{r['budget']} ({r['evaluations_mean']:.0f} done)"
        )
        lines.append(
            f"| {r['searcher']} | {budget} | {r['seeds']} "
            f"| {_g(r[f'error{sfx}_mean'])} ± {_g(r[f'error{sfx}_std'], 2)} "
            f"| {_g(r[f'error_noiseless{sfx}_mean'])} ± {_g(r[f'error_noiseless{sfx}_std'], 2)} "
            f"| {_g(r['good_circuits_mean'])} / {r['good_circuits_total']} | {r['good_runs']}/{r['seeds']} "
            f"| {_g(r['evals_to_good_median'])} | {r['evals_to_good']} "
            f"| {_g(r['gates_mean'])} | {_g(r['seconds_per_eval'], 2)} |"
        )
    lines.append("")
    ground = (info.get("reference") or {}).get("ground_energy")
    if view["kind"] == "molecule":
        facts = [f"ground energy {ground:.8f} Ha" if ground is not None else None,
                 f"chemical accuracy {1e3 * _chemical_accuracy():g} mHa (noiseless error)"]  # fmt: skip
    else:
        facts = [view["ground_text"], f"ground energy {ground:g}" if ground is not None else None]
    lines.append("; ".join(f for f in facts if f) + ".")
    lines.append(
        "Incumbent = best error among the first `budget` evaluations; evaluations = circuits whose angles "
        "were optimised (distinct circuits for the searchers, every agent step for crlqas, whose "
        "intermediate circuits are unlogged and never count as incumbent)."
    )
    lines.append(
        f"Good circuit = {view['good_text']}. Good circuits: evaluated circuits that are good, mean per "
        "run and total over the seeds; evals to first good: evaluations up to and including the first "
        "good circuit, per seed (`-`: none found), median over the seeds that found one."
    )
    for note in qinfo.get("crlqas_notes", []):
        lines.append(f"- crlqas setting differs: {note}")
    return "\n".join(lines) + "\n"


def _plot_errors(
    path: Path,
    order: list[str],
    runs: dict[str, list[dict[str, Any]]],
    title: str = "",
    view: dict[str, Any] | None = None,
) -> None:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    view = view or problem_view()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in order:
        stats = runs[name]
        n = min(len(s["test"]) for s in stats)
        test = np.stack([s["test"][:n] for s in stats])
        test = np.clip(test, 1e-10, None)  # log scale; a noiseless error is >= 0 up to rounding
        x = np.arange(1, n + 1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns before a first result
            med = np.nanmedian(test, axis=0)
            lo, hi = np.nanmin(test, axis=0), np.nanmax(test, axis=0)
        (line,) = ax.plot(x, med, label=f"{name} ({len(stats)} seeds)")
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15)
    ax.axhline(view["threshold"], color="k", ls="--", lw=1, label=view["line"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("circuits optimised")
    ax.set_ylabel(view["ylabel"])
    ax.set_title(title or "anytime energy error")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------
# the command


def bench_quantum(
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
    options = inspect.signature(quantum_task).bind(**task_options)  # TypeError names an unknown option
    options.apply_defaults()
    opts = options.arguments
    task_factory = functools.partial(quantum_task, **opts)
    task = task_factory()  # checks problem, molecule, qubits, noise, optimiser before anything runs
    evaluator = task.evaluator
    hamiltonian = evaluator.hamiltonian
    kind = hamiltonian.metadata.get("problem", "molecule")
    task_config = {
        k: opts[k] for k in ("noise", "shots", "max_gates", "optimizer", "optimizer_options", "connectivity")
    }
    if kind == "molecule":
        task_config.update({
            "molecule": hamiltonian.metadata.get("molecule", opts["molecule"] or "H2"),
            "qubits": hamiltonian.n_qubits,
            "bond": float(hamiltonian.metadata.get("bond_angstrom", opts["bond"] or 0.0)),
        })  # fmt: skip
    else:
        task_config.update({"problem": kind, "qubits": hamiltonian.n_qubits})
        if crlqas_runs:
            raise ValueError(
                f"crlqas_runs compare against molecules only (the CRLQAS environment solves molecules); "
                f"problem {kind!r} has none to import"
            )
    problem = {
        "kind": kind,
        "hamiltonian": hamiltonian.name,
        "success_threshold": evaluator.success_threshold,
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
    summary = run_benchmark(task_factory, factories, budget=budget, seeds=list(seeds), out_dir=out,
                            resume=resume, jobs=jobs, seconds=seconds, progress=progress)  # fmt: skip
    if crlqas_runs:
        import_crlqas_runs(crlqas_runs, out, task_config)
        summary = summarize(out, task=task, budget=budget)
    (Path(out) / "quantum.json").write_text(
        json.dumps({"task": task_config, "problem": problem, "crlqas_runs": [str(p) for p in crlqas_runs],
                    "crlqas_notes": notes}, indent=2, default=str)
    )  # fmt: skip
    rows = quantum_summary(out, budget)
    return {"rows": rows, "summary": summary}
