"""The graph world: GNN search spaces, the NAS-Bench-Graph tabular benchmark, datasets and training.

Names are resolved lazily: ``qgnas.graph.NASBenchGraphSpace`` costs no torch import, and
torch_geometric is imported only when a dataset is loaded or a model is built.
"""

from __future__ import annotations

from qgnas._lazy import lazy_exports

# public name -> module (inside this package) that defines it
_EXPORTS: dict[str, str] = {
    "DATASETS": "nas_bench_graph",
    "OPS": "nas_bench_graph",
    "NASBenchGraphEvaluator": "nas_bench_graph",
    "NASBenchGraphSpace": "nas_bench_graph",
    "NBGArch": "nas_bench_graph",
    "nas_bench_graph_task": "nas_bench_graph",
    "AutoGNNSpace": "autognn_space",
    "GNNArch": "autognn_space",
    "LayerSpec": "autognn_space",
    "DatasetNotFound": "datasets",
    "load_planetoid": "datasets",
    "GNNTrainingEvaluator": "trainer",
    "train_node_classifier": "trainer",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
