"""The run directory of a CRLQAS experiment (``experiments/crlqas.py``): what it holds, written and read
in one place, so the script that writes a run and the benchmark that reads it cannot drift apart.

A run directory holds:

- ``config.json``: ``{"config": the resolved experiment config (sections name, env, agent, train),
  "seed": ..., "episodes": ..., "agent": the agent's hyperparameters}``;
- ``episodes.jsonl``: one row per training episode (:data:`EPISODE_FIELDS`, plus ``test`` with the
  greedy test episode's ``return``, ``error_noiseless`` and ``gates`` when one ran after it);
- ``curves.csv``: the same rows, flat;
- ``checkpoint.pt``: agent, environment and run state, written atomically;
- ``best_circuit.{qasm,json,png}``: the circuit with the lowest noiseless error found;
- ``summary.json``: best noiseless error, gate counts, first success, episodes, wall seconds.

Reading: :func:`crlqas_records` turns the episodes into the per-evaluation records a benchmark
compares searchers by. The agent re-optimises its circuit after every gate, so an episode of
``length`` k is k evaluations; only the last circuit of an episode is logged, so the first k-1 are
recorded as evaluated but unknown (never the incumbent, which can only understate the agent).
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from qgnas.core import Record, Result
from qgnas.core.io import (
    append_jsonl,
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    read_jsonl,
    write_jsonl,
)

#: The environment a CRLQAS run trains in; its constructor's defaults fill what a config leaves out.
ENV_ID = "qgnas/QuantumArchSearch-v0"

CONFIG_FILE = "config.json"
EPISODES_FILE = "episodes.jsonl"
CURVES_FILE = "curves.csv"
CHECKPOINT_FILE = "checkpoint.pt"
SUMMARY_FILE = "summary.json"
BEST_CIRCUIT_STEM = "best_circuit"

#: The columns of ``episodes.jsonl`` rows and of ``curves.csv``.
EPISODE_FIELDS = [
    "episode",
    "return",
    "length",
    "energy",
    "energy_noiseless",
    "error",
    "error_noiseless",
    "chemical_accuracy",
    "gates",
    "depth",
    "cnots",
    "rotations",
    "threshold",
    "epsilon",
    "loss",
    "seconds",
]
#: What a row takes from the info of the episode's last step (the errors and energies as floats).
_INFO_FIELDS = (
    "energy",
    "energy_noiseless",
    "error",
    "error_noiseless",
    "gates",
    "depth",
    "cnots",
    "rotations",
    "threshold",
)
_FLOAT_INFO = ("energy", "energy_noiseless", "error", "error_noiseless", "threshold")


def environment_defaults() -> dict[str, Any]:
    """The keyword defaults of the registered CRLQAS environment (:data:`ENV_ID`), read from its
    constructor through Gymnasium's registry, so they are never copied by hand."""
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    spec = gymnasium.spec(ENV_ID)  # registered when qgnas is imported
    creator = spec.entry_point if callable(spec.entry_point) else load_env_creator(spec.entry_point)
    params = inspect.signature(creator).parameters.values()
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    return {**defaults, **(spec.kwargs or {})}


# ---------------------------------------------------------------------------------------------------
# writing (experiments/crlqas.py)


def episode_row(stats: dict[str, Any]) -> dict[str, Any]:
    """The ``episodes.jsonl`` row of one training episode, from the agent's episode statistics."""
    info = stats["info"]
    row = {k: stats[k] for k in ("episode", "return", "length", "epsilon", "loss", "seconds")}
    for k in _INFO_FIELDS:
        row[k] = float(info[k]) if k in _FLOAT_INFO else int(info[k])
    row["chemical_accuracy"] = bool(info["chemical_accuracy"])
    if stats.get("test"):
        t = stats["test"]["info"]
        row["test"] = {
            "return": stats["test"]["return"],
            "error_noiseless": float(t["error_noiseless"]),
            "gates": int(t["gates"]),
        }
    return row


def write_config(
    run_dir: Path, config: dict[str, Any], seed: int, episodes: int, agent: dict[str, Any]
) -> None:
    atomic_write_json(
        Path(run_dir) / CONFIG_FILE, {"config": config, "seed": seed, "episodes": episodes, "agent": agent}
    )


def open_episode_log(run_dir: Path, keep: int) -> IO[str]:
    """``episodes.jsonl`` opened for appending after its first ``keep`` complete rows (those a
    checkpoint covers; the rest are run again, so nothing is lost or counted twice)."""
    path = Path(run_dir) / EPISODES_FILE
    if path.exists():
        write_jsonl(path, read_jsonl(path)[:keep])
    return open(path, "a", encoding="utf-8")


def append_episode(log: IO[str], row: dict[str, Any]) -> None:
    append_jsonl(log, row)


def write_best_circuit(run_dir: Path, info: dict[str, Any]) -> None:
    """``best_circuit.qasm`` and ``.json`` (the record) and ``.png`` (a drawing, when it can be made)."""
    out = Path(run_dir)
    circuit, params = info["circuit"], np.asarray(info["params"], dtype=float)
    atomic_write_text(out / f"{BEST_CIRCUIT_STEM}.qasm", circuit.to_qasm(params))
    data = {
        "circuit": circuit.to_dict(),
        "params": params.tolist(),
        "error_noiseless": float(info["error_noiseless"]),
        "energy_noiseless": float(info["energy_noiseless"]),
    }
    atomic_write_json(out / f"{BEST_CIRCUIT_STEM}.json", data)
    try:
        circuit.draw(params, output="mpl", filename=str(out / f"{BEST_CIRCUIT_STEM}.png"))
    except Exception as exc:  # noqa: BLE001 - a drawing is a convenience; the QASM and JSON are the record
        print(f"crlqas: could not draw the circuit ({exc}); QASM and JSON written", file=sys.stderr)


def read_best_circuit(run_dir: Path) -> dict[str, Any]:
    """The ``best_circuit.json`` record (circuit, params, errors), or {} before one is written."""
    path = Path(run_dir) / f"{BEST_CIRCUIT_STEM}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_checkpoint(run_dir: Path, blob: dict[str, Any]) -> None:
    """``checkpoint.pt``, replaced atomically (a kill mid-save keeps the previous one)."""
    import torch

    atomic_write(Path(run_dir) / CHECKPOINT_FILE, lambda fh: torch.save(blob, fh))


def load_checkpoint(run_dir: Path) -> dict[str, Any] | None:
    import torch

    path = Path(run_dir) / CHECKPOINT_FILE
    return torch.load(path, weights_only=False) if path.exists() else None


def write_summary(run_dir: Path, summary: dict[str, Any]) -> None:
    atomic_write_json(Path(run_dir) / SUMMARY_FILE, summary)


def write_curves(run_dir: Path) -> None:
    """``curves.csv`` from ``episodes.jsonl``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EPISODE_FIELDS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(read_episodes(run_dir))
    atomic_write_text(Path(run_dir) / CURVES_FILE, buffer.getvalue())


# ---------------------------------------------------------------------------------------------------
# reading


def crlqas_run_dirs(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Run directories (holding ``episodes.jsonl``) named by ``paths``: a run itself or a parent of runs."""
    runs: list[Path] = []
    for p in paths:
        path = Path(p)
        if (path / EPISODES_FILE).is_file():
            runs.append(path)
            continue
        found = sorted(q.parent for q in path.glob(f"*/{EPISODES_FILE}"))
        if not found:
            raise ValueError(
                f"--crlqas-runs {str(p)!r} holds no CRLQAS run (expected DIR/episodes.jsonl or "
                "DIR/<run>/episodes.jsonl, as experiments/crlqas.py writes)"
            )
        runs.extend(found)
    return runs


def read_episodes(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of ``run_dir/episodes.jsonl`` (a torn last line from a killed run is ignored)."""
    path = Path(run_dir) / EPISODES_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (not a CRLQAS run directory?)")
    return read_jsonl(path)


def crlqas_config(run_dir: str | os.PathLike) -> dict[str, Any]:
    """``config.json`` of a CRLQAS run (``{"config": ..., "seed": ...}``), or {} when absent."""
    path = Path(run_dir) / CONFIG_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def read_summary(run_dir: str | os.PathLike) -> dict[str, Any]:
    """``summary.json`` of a finished CRLQAS run, or {} while it runs."""
    path = Path(run_dir) / SUMMARY_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def run_environment(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The environment settings a run trained with: its config's ``env`` over the environment's
    defaults."""
    env = (crlqas_config(run_dir).get("config") or {}).get("env") or {}
    return {**environment_defaults(), **env}


def _noiseless_run(run_dir: str | os.PathLike) -> bool:
    env = (crlqas_config(run_dir).get("config") or {}).get("env") or {}
    noise = env.get("noise")
    quiet = noise is None or (isinstance(noise, str) and noise.strip().lower() in ("none", "noiseless"))
    return quiet and env.get("shots") is None


def _chemical_accuracy() -> float:
    from qgnas.quantum.circuit_space import CHEMICAL_ACCURACY

    return CHEMICAL_ACCURACY


def _test_result(test: dict[str, Any], noiseless: bool) -> Result:
    """A greedy test episode's result: it logs the noiseless error only, which in a noiseless run *is*
    the error; in a noisy run the objective stays unknown."""
    tm = {"error_noiseless": float(test["error_noiseless"]), "gates": int(test["gates"])}
    tm["chemical_accuracy"] = int(tm["error_noiseless"] < _chemical_accuracy())
    if noiseless:
        return Result(objective=-tm["error_noiseless"], metrics={**tm, "error": tm["error_noiseless"]})
    return Result(objective=-math.inf, metrics=tm, message="greedy test episode: noisy error not logged")


def episode_results(run_dir: str | os.PathLike) -> list[tuple[int, Result | None, str]]:
    """(evaluations, result of the last one or None, label) per training and greedy test episode."""
    noiseless = _noiseless_run(run_dir)
    logged = (
        "energy",
        "energy_noiseless",
        "error",
        "error_noiseless",
        "gates",
        "depth",
        "cnots",
        "rotations",
    )
    out: list[tuple[int, Result | None, str]] = []
    for row in read_episodes(run_dir):
        metrics = {k: row[k] for k in logged if k in row}
        if "chemical_accuracy" in row:
            metrics["chemical_accuracy"] = int(bool(row["chemical_accuracy"]))
        error = row.get("error", row.get("error_noiseless"))
        result = Result(objective=-float(error), metrics=metrics) if error is not None else None
        out.append((int(row["length"]), result, f"episode{row['episode']}"))
        if row.get("test"):
            test = row["test"]
            out.append((int(test["gates"]), _test_result(test, noiseless), f"episode{row['episode']}/test"))
    return out


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
    for n, result, _ in episode_results(run_dir):
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
    unknown = "circuit optimised by the agent; experiments/crlqas.py logs only an episode's last one"
    records: list[Record] = []
    elapsed = 0.0
    for n, result, label in episode_results(run_dir):
        episode = int(label.split("/")[0].removeprefix("episode"))
        step_time = 0.0 if label.endswith("/test") else seconds.get(episode, 0.0) / max(n, 1)
        for step in range(1, n + 1):
            elapsed += step_time
            last = step == n and result is not None
            res = result if last else Result(objective=-math.inf, message=unknown)
            records.append(Record(len(records), f"{label}/step{step}", None, res, elapsed))
    return records
