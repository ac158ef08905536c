"""Planetoid citation graphs (Cora, CiteSeer, PubMed) through ``torch_geometric.datasets.Planetoid``.

We always use the standard public split (20 labelled nodes per class for training, 500 validation and
1000 test nodes), the one GraphNAS, Auto-GNN, GAT and GCN report on, and by default row-normalise the
bag-of-words features (``NormalizeFeatures``) as all of them do: without it GAT loses 1-4 points.

Where the data lives (first match wins):

1. the ``root`` argument (the CLI's ``--data-root``);
2. the environment variable ``QGNAS_DATA``;
3. ``~/.cache/qgnas/data``.

Under that root PyG expects ``<Name>/raw/ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}`` (``Name``
spelled ``Cora``, ``CiteSeer`` or ``PubMed``) and writes ``<Name>/processed/`` next to ``raw/``, so the
root must be writable. With internet access PyG downloads the raw files on first use; offline, a
missing dataset raises :class:`DatasetNotFound` saying where we looked and how to provide the files.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from qgnas.core.registry import Registry

ENV_VAR = "QGNAS_DATA"
DEFAULT_ROOT = Path("~/.cache/qgnas/data")
# lower-case name -> PyG's spelling (also the folder name under the root)
PLANETOID: dict[str, str] = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}
RAW_SUFFIXES: tuple[str, ...] = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")


class DatasetNotFound(FileNotFoundError):
    """The dataset's raw files are not under the data root and could not be downloaded."""


_PLANETOID: Registry[str] = Registry("Planetoid dataset", PLANETOID)


def resolve_dataset(name: str) -> str:
    """PyG's spelling of a Planetoid dataset name, case-insensitively (``"cora"`` -> ``"Cora"``)."""
    return _PLANETOID[name]


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: ``root`` if given, else ``$QGNAS_DATA``, else ``~/.cache/qgnas/data``."""
    if root is None or str(root) == "":
        root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return Path(root).expanduser().resolve()


def raw_files(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """The raw files PyG needs for ``name`` under ``root`` (whether or not they exist)."""
    pyg_name = resolve_dataset(name)
    raw = data_root(root) / pyg_name / "raw"
    return [raw / f"ind.{pyg_name.lower()}.{s}" for s in RAW_SUFFIXES]


def _not_found_message(pyg_name: str, root: Path, reason: str) -> str:
    raw = root / pyg_name / "raw"
    return (
        f"Planetoid dataset {pyg_name} not found: looked for {raw}/ind.{pyg_name.lower()}.* ({reason}). "
        f"To provide it, either point the data root at a folder that holds {pyg_name}/raw/ind."
        f"{pyg_name.lower()}.{{x,tx,allx,y,ty,ally,graph,test.index}} (argument root / --data-root, or the "
        f"environment variable {ENV_VAR}; the folder must be writable, PyG writes {pyg_name}/processed/ "
        f"next to raw/), or run once on a machine with internet access so that PyG downloads it there."
    )


def load_planetoid(
    name: str, root: str | os.PathLike | None = None, download: bool = True, normalize_features: bool = True
) -> Any:
    """The Planetoid dataset ``name`` (public split) as a PyG ``InMemoryDataset``.

    Args:
        name: ``cora``, ``citeseer`` or ``pubmed`` (any case).
        root: data root; default ``$QGNAS_DATA``, else ``~/.cache/qgnas/data``.
        download: try to download missing raw files (needs internet). With ``False`` a missing dataset
            fails at once, without a network attempt.
        normalize_features: divide each node's features by their sum (GCN/GAT/GraphNAS preprocessing).

    Returns:
        ``torch_geometric.datasets.Planetoid``: ``dataset[0]`` is the graph (``x``, ``edge_index``,
        ``y``, ``train_mask``, ``val_mask``, ``test_mask``), ``dataset.num_classes`` the class count.

    Raises:
        ValueError: unknown name.
        DatasetNotFound: raw files missing and not downloadable; the message says where we looked.
    """
    pyg_name = resolve_dataset(name)
    return _load(pyg_name, str(data_root(root)), bool(download), bool(normalize_features))


@functools.lru_cache(maxsize=8)
def _load(pyg_name: str, root: str, download: bool, normalize_features: bool) -> Any:
    # Cached per process: evaluators, environments and the CLI all ask for the same graph repeatedly.
    root_path = Path(root)
    missing = [p for p in raw_files(pyg_name, root_path) if not p.exists()]
    if missing and not download:
        raise DatasetNotFound(_not_found_message(pyg_name, root_path, f"missing {missing[0].name}"))
    raw_dir = root_path / pyg_name / "raw"
    created = not raw_dir.parent.exists()
    import torch_geometric.transforms as T
    from torch_geometric.datasets import Planetoid

    transform = T.NormalizeFeatures() if normalize_features else None
    try:
        return Planetoid(str(root_path), pyg_name, split="public", transform=transform)
    except PermissionError as exc:
        raise DatasetNotFound(
            _not_found_message(
                pyg_name, root_path, f"cannot write there: {exc}; copy the folder somewhere writable"
            )
        ) from exc
    except Exception as exc:  # download failures come as aiohttp/urllib/fsspec errors of many kinds
        if not missing:
            raise
        if created:  # do not leave an empty tree behind from the failed download
            _remove_empty_dirs(raw_dir, stop=root_path)
        raise DatasetNotFound(
            _not_found_message(
                pyg_name, root_path, f"missing, and the download failed: {type(exc).__name__}: {exc}"
            )
        ) from exc


def _remove_empty_dirs(path: Path, stop: Path) -> None:
    while path != stop and path.is_dir() and not any(path.iterdir()):
        path.rmdir()
        path = path.parent


__all__ = [
    "DEFAULT_ROOT",
    "ENV_VAR",
    "PLANETOID",
    "DatasetNotFound",
    "data_root",
    "load_planetoid",
    "resolve_dataset",
]
