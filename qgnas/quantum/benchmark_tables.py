"""The tables and plot of a quantum benchmark directory: ``quantum.md``/``quantum.csv`` and
``anytime_error.png``.

Energy errors are millihartree-sized, which the generic two-decimal benchmark table cannot show, so
these tables give errors in mHa for molecules and in plain units for GHZ (1 - F) and Max-Cut (cut
error), good circuits found, evaluations to the first good circuit, and gates; the plot shows the
incumbent's noiseless error on a log scale. A *good* circuit is one whose noiseless error is below
the task's success threshold: chemical accuracy for molecules, fidelity >= 0.99 for GHZ, an optimal
cut for Max-Cut. Counting good circuits, not only the incumbent's error, says how often a searcher
lands on solutions, which is what a user wants when any good circuit will do.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qgnas.core import Record, Result
from qgnas.core.io import atomic_write_text

_GOOD_COLUMNS = [
    "good_circuits_mean",
    "good_circuits_total",
    "good_runs",
    "evals_to_good_median",
    "evals_to_good",
]
QUANTUM_COLUMNS = [
    "searcher",
    "budget",
    "seeds",
    "evaluations_mean",
    "error_mha_mean",
    "error_mha_std",
    "error_noiseless_mha_mean",
    "error_noiseless_mha_std",
    "chemical_accuracy_runs",
    "evals_to_chemical_accuracy_median",
    *_GOOD_COLUMNS,
    "gates_mean",
    "seconds_per_eval",
]
#: the columns of GHZ and Max-Cut tables: errors in the problem's own units, no chemical accuracy
PLAIN_QUANTUM_COLUMNS = [
    "searcher",
    "budget",
    "seeds",
    "evaluations_mean",
    "error_mean",
    "error_std",
    "error_noiseless_mean",
    "error_noiseless_std",
    *_GOOD_COLUMNS,
    "gates_mean",
    "seconds_per_eval",
]


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


def _chemical_accuracy() -> float:
    from qgnas.quantum.circuit_space import CHEMICAL_ACCURACY

    return CHEMICAL_ACCURACY


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


def _runs_by_searcher(out: Path, budget: int, threshold: float) -> dict[str, list[dict[str, Any]]]:
    """Each searcher's per-seed statistics, in seed order (seed10 after seed2)."""
    from qgnas.core import read_log
    from qgnas.core.bench import existing_runs

    runs: dict[str, list[dict[str, Any]]] = {}
    for path in existing_runs(out):
        records = read_log(path)[:budget]
        if records:
            stats = _run_stats(records, threshold)
            stem = path.stem.removeprefix("seed")
            stats["seed"] = int(stem) if stem.isdigit() else math.inf
            runs.setdefault(path.parent.name, []).append(stats)
    for stats in runs.values():
        stats.sort(key=lambda st: st["seed"])
    return runs


def _table_row(name: str, stats: list[dict[str, Any]], budget: int, view: dict[str, Any]) -> dict[str, Any]:
    """One searcher's row of ``quantum.csv`` over its seeds."""
    scale, sfx = view["scale"], view["suffix"]
    e_m, e_s = _ms([scale * s["error"] for s in stats])
    n_m, n_s = _ms([scale * s["error_noiseless"] for s in stats])
    row = {
        "searcher": name,
        "budget": min(budget, max(s["evaluations"] for s in stats)),
        "seeds": len(stats),
        "evaluations_mean": float(np.mean([s["evaluations"] for s in stats])),
        f"error{sfx}_mean": e_m,
        f"error{sfx}_std": e_s,
        f"error_noiseless{sfx}_mean": n_m,
        f"error_noiseless{sfx}_std": n_s,
    }
    if view["kind"] == "molecule":  # the incumbent's chemical accuracy, as tables always reported it
        hits = [s["evals_to_ca"] for s in stats if s["evals_to_ca"] is not None]
        row["chemical_accuracy_runs"] = len(hits)
        row["evals_to_chemical_accuracy_median"] = float(np.median(hits)) if hits else math.nan
    firsts = [s["evals_to_good"] for s in stats]
    found = [e for e in firsts if e is not None]
    row["good_circuits_mean"] = float(np.mean([s["good"] for s in stats]))
    row["good_circuits_total"] = int(sum(s["good"] for s in stats))
    row["good_runs"] = len(found)
    row["evals_to_good_median"] = float(np.median(found)) if found else math.nan
    row["evals_to_good"] = " ".join("-" if e is None else str(e) for e in firsts)
    row["gates_mean"] = _ms([s["gates"] for s in stats])[0]
    row["seconds_per_eval"] = _ms([s["seconds_per_eval"] for s in stats])[0]
    return row


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    return buffer.getvalue()


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def quantum_summary(out_dir: str | os.PathLike, budget: int | None = None) -> list[dict[str, Any]]:
    """Recompute ``quantum.csv``, ``quantum.md`` and ``anytime_error.png`` of a quantum benchmark
    directory from its logs (truncated at ``budget``, default the one in ``bench.json``)."""
    out = Path(out_dir)
    info, qinfo = _read_json(out / "bench.json"), _read_json(out / "quantum.json")
    budget = int(budget or info.get("budget") or 10**12)
    view = problem_view(qinfo)
    runs = _runs_by_searcher(out, budget, view["threshold"])
    listed = info.get("searchers", [])
    order = [s for s in listed if s in runs] + sorted(set(runs) - set(listed))
    rows = [_table_row(name, runs[name], budget, view) for name in order]
    atomic_write_text(out / "quantum.csv", _csv_text(rows, view["columns"]))
    atomic_write_text(out / "quantum.md", quantum_markdown(rows, info, qinfo))
    _plot_errors(out / "anytime_error.png", order, runs, title=info.get("task", ""), view=view)
    return rows


def _g(x: float, digits: int = 3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def quantum_markdown(rows: list[dict[str, Any]], info: dict[str, Any], qinfo: dict[str, Any]) -> str:
    """``quantum.md``: the table of ``rows`` with what its columns mean and the CRLQAS setting notes."""
    view = problem_view(qinfo)
    sfx, err, good = view["suffix"], view["error"], view["good"]
    lines = []
    if info.get("task"):
        lines.append(f"**{info['task']}**\n")
    lines.append(
        f"| searcher | budget | seeds | {err} (mean ± std) | noiseless {err} (mean ± std) "
        f"| good circuits ({good}): mean / total | runs with a good one "
        "| evals to first good: median | evals to first good: per seed | gates | s/eval |"
    )
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
        facts = [
            f"ground energy {ground:.8f} Ha" if ground is not None else None,
            f"chemical accuracy {1e3 * _chemical_accuracy():g} mHa (noiseless error)",
        ]
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
