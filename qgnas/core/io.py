"""The project's file formats on disk: atomic writes and JSONL logs.

Every result file is written through :func:`atomic_write_text` (a temporary file in the same folder,
then ``os.replace``), so a process killed mid-write leaves the old file or the new one, never half of
one. Logs are JSONL: one JSON object per line, appended and flushed as results arrive, read back by
:func:`read_jsonl`, which drops a torn last line left by a kill.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any


def _file_mode() -> int:
    """The mode ``open`` gives a new file under this process's umask (``mkstemp`` would give 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then move it onto ``path``,
    so that readers see either the old content or the new, whole (``torch.save`` writes this way)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda fh: fh.write(data))


def atomic_write_json(path: str | os.PathLike, data: Any, indent: int | None = 2) -> Path:
    """:func:`atomic_write_text` of ``data`` as JSON (values JSON does not know are written as strings)."""
    return atomic_write_text(path, json.dumps(data, indent=indent, default=str) + "\n")


def append_jsonl(handle: IO[str], row: Any, sync: bool = False) -> None:
    """Append one row to an open JSONL log and flush it, so a kill loses at most the row being written;
    ``sync=True`` also asks the OS to put it on disk (a search log, where a row can cost minutes)."""
    handle.write(json.dumps(row, default=str) + "\n")
    handle.flush()
    if sync:
        os.fsync(handle.fileno())


def write_jsonl(path: str | os.PathLike, rows: Iterable[Any]) -> Path:
    """Write a whole JSONL file atomically."""
    return atomic_write_text(path, "".join(json.dumps(row, default=str) + "\n" for row in rows))


def read_jsonl(
    path: str | os.PathLike, repair: bool = False, parse: Callable[[Any], Any] | None = None
) -> list[Any]:
    """Rows of a JSONL log, each passed through ``parse`` when given. A torn last line (no newline,
    not JSON, or rejected by ``parse``) and anything after it is ignored, and with ``repair=True``
    cut from the file so that appending continues cleanly."""
    path = Path(path)
    if not path.exists():
        return []
    raw = path.read_bytes()
    rows: list[Any] = []
    good_end = 0
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        if line.strip():
            try:
                row = json.loads(line)
                rows.append(parse(row) if parse is not None else row)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                break
        good_end += len(line)
    if repair and good_end < len(raw):
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return rows
