"""The graph world: GNN search spaces, the NAS-Bench-Graph tabular benchmark, datasets and training."""

from .nas_bench_graph import (
    DATASETS,
    OPS,
    NASBenchGraphEvaluator,
    NASBenchGraphSpace,
    NBGArch,
    nas_bench_graph_task,
)

__all__ = ["DATASETS", "OPS", "NASBenchGraphEvaluator", "NASBenchGraphSpace", "NBGArch", "nas_bench_graph_task"]
