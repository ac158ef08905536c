"""Fixtures of the graph-world tests: a writable copy of the offline Planetoid files, small archs.

The raw files live in ``shared/data/planetoid`` *beside* the repository (CI clones the repository
with ``shared/`` next to it). PyG writes ``processed/`` next to ``raw/``, so the session copies the raw
files to a temporary root once; tests that need data skip, saying why, when the folder is absent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

# QGNAS_TEST_PLANETOID overrides the place, for machines where shared/ cannot sit beside the repository
# (the GPU check carries the raw files inside the checkout; see benchmarks/gnn_gpu_check.sh)
SHARED_PLANETOID = Path(
    os.environ.get("QGNAS_TEST_PLANETOID")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "planetoid"
)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    # The models here are tiny: one thread is faster than a pool on a shared machine, and it keeps
    # timings stable. Restored after the session.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def planetoid_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable data root holding ``Cora/raw`` and ``CiteSeer/raw`` (copied from shared/)."""
    if not (SHARED_PLANETOID / "Cora" / "raw").is_dir():
        pytest.skip(f"offline Planetoid data not found at {SHARED_PLANETOID} (clone shared/ beside the repo)")
    root = tmp_path_factory.mktemp("planetoid")
    for name in ("Cora", "CiteSeer"):
        if (SHARED_PLANETOID / name / "raw").is_dir():
            shutil.copytree(SHARED_PLANETOID / name / "raw", root / name / "raw")
    return root


@pytest.fixture(scope="session")
def cora(planetoid_root: Path):
    from qgnas.graph.datasets import load_planetoid

    return load_planetoid("cora", planetoid_root)


def small_arch(attention: str = "gat", aggregation: str = "sum", activation: str = "elu", **kw):
    """A 2-layer architecture with few units (cheap to train)."""
    from qgnas.graph.autognn_space import GNNArch, LayerSpec

    first = dict(
        attention=attention, aggregation=aggregation, activation=activation, heads=2, hidden=8, skip=False
    )
    first.update(kw)
    return GNNArch((LayerSpec(**first), LayerSpec(attention, aggregation, "linear", 1, None, False)))


def changed_classes(space, a, b) -> set[str]:
    """The action classes (attention, heads, ...) in which architectures ``a`` and ``b`` of ``space`` differ."""
    from qgnas.searchers.autognn import action_classes

    classes = action_classes(space)
    return {
        classes[i] for i, (x, y) in enumerate(zip(space.encode(a), space.encode(b), strict=True)) if x != y
    }
