"""CommFormer: a communication graph among agents learned jointly with the policy (graph world).

Names resolve lazily, so importing the package costs no torch import until one is used.
"""

from __future__ import annotations

from qgnas._lazy import lazy_exports

# public name -> module (inside this package) that defines it
_EXPORTS: dict[str, str] = {
    "GRAPH_MODES": "graph",
    "CommGraph": "graph",
    "EdgeSchedule": "graph",
    "check_sparsity": "graph",
    "incoming_edges": "graph",
    "progress_fraction": "graph",
    "topk_straight_through": "graph",
    "GraphAttention": "attention",
    "GraphAttentionBlock": "attention",
    "GateOutput": "gate",
    "TemporalGate": "gate",
    "gate_adjacency": "gate",
    "ActorOutput": "policy",
    "CentralisedCritic": "policy",
    "CommFormerActor": "policy",
    "CommFormerConfig": "policy",
    "CommFormerPolicy": "policy",
    "bilevel_target": "policy",
    "TrainConfig": "training",
    "Trainer": "training",
    "train": "training",
    "CommGraphArch": "search_space",
    "CommGraphEvaluator": "search_space",
    "CommGraphSpace": "search_space",
    "commgraph_task": "search_space",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
