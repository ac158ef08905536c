"""``tune_gnn``: tune the training schedule (lr, weight decay, dropout) of a search's chosen
architecture on mean validation accuracy over fresh seeds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qgnas.core.io import atomic_write_json

from .protocol import fresh_seeds, load_arch_file, search_log, training_protocol


def tune_gnn(
    run_dir: str | os.PathLike,
    trials: int = 20,
    seeds: int = 2,
    data_root: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Tune the training schedule (lr, weight decay, dropout) of a search's chosen architecture on
    mean validation accuracy (see ``qgnas.graph.tuning``); write ``run_dir/tuned.json``.

    The architecture is ``selected.json``'s when ``select_gnn`` ran, else ``best.json``'s. Training
    seeds are the ``seeds`` after the search's own (fresh, as in ``select_gnn``), the training protocol
    the search's; trials go to ``run_dir/tuning.jsonl``, so a killed tuning resumes. The
    written file is an architecture file that ``train_gnn`` reads, schedule included.
    """
    from qgnas.graph.datasets import load_planetoid
    from qgnas.graph.tuning import tune_training

    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    run_dir = Path(run_dir)
    source = run_dir / "selected.json" if (run_dir / "selected.json").exists() else run_dir / "best.json"
    if not source.exists():
        raise FileNotFoundError(
            f"{run_dir} has neither selected.json nor best.json: run `qgnas search gnn` first"
        )
    arch, meta = load_arch_file(source)
    _, search_meta = search_log(run_dir)
    config = search_meta.get("config", {})
    search_seed = int(search_meta.get("seed", meta.get("seed", 0)))
    data = load_planetoid(meta["dataset"], data_root)
    out = tune_training(
        arch,
        data,
        run_dir / "tuning.jsonl",
        trials=trials,
        seeds=fresh_seeds(search_meta, seeds),
        seed=search_seed,
        device=device,
        progress=progress,
        **training_protocol(config),
    )
    report = {
        "dataset": meta["dataset"],
        "space": meta.get("space"),
        "searcher": meta.get("searcher"),
        "seed": search_seed,
        "arch": arch.to_json(),
        "key": meta.get("key"),
        "training": out["training"],
        "chosen_trial": out["trial"],
        "valid": out["valid_mean"],
        "valid_std": out["valid_std"],
        "test": out["test_mean"],
        "test_std": out["test_std"],
        "default": out["default"],
        "tuned_by": f"mean validation accuracy over seeds {out['seeds'][0]}..{out['seeds'][-1]}, "
        f"{len(out['trials'])} trials (trial 0 = the search's schedule)",
        "architecture_from": str(source),
        "tuning_seconds": out["seconds"],
        "protocol": training_protocol(config),
        "trials": out["trials"],
    }
    atomic_write_json(run_dir / "tuned.json", report)
    return report


def format_tuning(report: dict[str, Any]) -> str:
    """Markdown table of a ``tune_gnn`` report's trials, the chosen one marked."""
    lines = [
        f"{report['dataset']}: `{(report['key'] or '').replace('|', ' -> ')}`, {report['tuned_by']}",
        "",
        "| trial | lr | weight decay | dropout | valid (mean) | test (mean) | s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["trials"]:
        t = row["training"]
        mark = " **(chosen)**" if row["trial"] == report["chosen_trial"] else ""
        ok = row["status"] == "ok"
        lines.append(
            f"| {row['trial']}{mark} | {t['lr']:.2g} | {t['weight_decay']:.2g} | {t['dropout']:.2f} "
            f"| {row['valid_mean'] if ok else float('nan'):.2f} | {row['test_mean'] if ok else float('nan'):.2f} "
            f"| {row['seconds']:.0f} |"
        )
    lines.append(
        f"\nchosen: valid {report['valid']:.2f} ± {report['valid_std']:.2f}, test {report['test']:.2f} ± "
        f"{report['test_std']:.2f}; tuning time {report['tuning_seconds']:.0f} s; written to tuned.json"
    )
    return "\n".join(lines) + "\n"
