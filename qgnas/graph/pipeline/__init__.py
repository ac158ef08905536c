"""The GNN pipeline that ``qgnas search|select|tune|train gnn`` and ``qgnas report`` run:

    search_gnn("cora", "autognn", budget=50, seed=0, out="runs/cora")  # -> runs/cora/best.json
    select_gnn("runs/cora", top=5, seeds=3)                            # -> runs/cora/selected.json
    tune_gnn("runs/cora", trials=20, seeds=2)                          # -> runs/cora/tuned.json
    train_gnn("runs/cora/tuned.json", seeds=10)                        # retrain, test mean and std

Each step reads what the one before wrote in the run directory, so each can be rerun alone; search,
select and tune append every training to a JSONL log as it finishes, so a killed step resumes.
"""

from __future__ import annotations

from .protocol import PROTOCOL_DEFAULTS, best_record, load_arch_file, training_protocol
from .report import format_search_summary, format_search_table, search_report
from .search import GNN_SEARCHERS, LATENT_SEARCHERS, resolve_gnn_searcher, search_gnn, search_log_name
from .select import format_selection, select_gnn
from .train import format_train_report, train_gnn
from .tune import format_tuning, tune_gnn

__all__ = [
    "GNN_SEARCHERS",
    "LATENT_SEARCHERS",
    "PROTOCOL_DEFAULTS",
    "best_record",
    "format_search_summary",
    "format_search_table",
    "format_selection",
    "format_train_report",
    "format_tuning",
    "load_arch_file",
    "resolve_gnn_searcher",
    "search_gnn",
    "search_log_name",
    "search_report",
    "select_gnn",
    "train_gnn",
    "training_protocol",
    "tune_gnn",
]
