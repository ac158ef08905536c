"""The on-disk cache of molecular Hamiltonians: one JSON file per request (strings, coefficients, ground
energy, metadata), named and keyed by all the arguments, written atomically so that parallel runs never
read half a file; an unreadable file is rebuilt, never fatal."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

from qgnas.core.io import atomic_write_json
from qgnas.quantum.hamiltonian import Hamiltonian

from .catalogue import MoleculeRequest

__all__ = [
    "CACHE_VERSION",
    "TAPERING_VERSION",
    "cache_key",
    "cache_path",
    "default_cache_dir",
    "load",
    "store",
]

# Bump when anything that changes the numbers in a cached file changes.
CACHE_VERSION = 1
# Bump when the choice or order of the tapered Z2 symmetries changes (only tapered entries use it).
TAPERING_VERSION = 1


def default_cache_dir() -> Path:
    """``$QGNAS_CACHE/hamiltonians`` if the variable is set, else ``~/.cache/qgnas/hamiltonians``."""
    root = os.environ.get("QGNAS_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "qgnas") / "hamiltonians"


def cache_key(request: MoleculeRequest) -> dict[str, Any]:
    """Every argument that changes the Hamiltonian, and the versions of the code that built it."""
    key: dict[str, Any] = {
        "name": request.spec.name,
        "bond": request.bond,
        "qubits": request.qubits,
        "mapping": request.mapping,
        "basis": request.basis,
        "version": CACHE_VERSION,
    }
    if request.tapered:  # only tapered entries carry the key, so the other cache files keep their names
        key["tapering"] = f"z2-{request.tapered}-v{TAPERING_VERSION}"
    return key


def cache_path(directory: Path, key: dict[str, Any]) -> Path:
    """The file of ``key`` in ``directory``: readable arguments, then a hash of all of them."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    stem = f"{key['name']}_{key['bond']!r}A_{key['qubits']}q_{key['mapping']}_{key['basis']}"
    stem = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in stem)
    return directory / f"{stem}_{digest}.json"


def load(path: Path, key: dict[str, Any]) -> Hamiltonian | None:
    """The cached Hamiltonian of ``key`` at ``path``, or None when there is none (a corrupt file warns)."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("args") == key:
            return Hamiltonian.from_dict(data["hamiltonian"])
    except (OSError, ValueError, KeyError) as err:
        # stacklevel 3: the warning names the caller of qgnas.quantum.molecules.molecule
        warnings.warn(f"ignoring unreadable Hamiltonian cache file {path}: {err}", stacklevel=3)
    return None


def store(path: Path, key: dict[str, Any], ham: Hamiltonian) -> None:
    """Write ``ham`` under ``key``; a cache that cannot be written only warns."""
    try:
        atomic_write_json(path, {"args": key, "hamiltonian": ham.to_dict()}, indent=None)
    except OSError as err:
        warnings.warn(f"could not write Hamiltonian cache {path}: {err}", stacklevel=3)
