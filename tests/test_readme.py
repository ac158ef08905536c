"""Every ```python block of README.md runs, so the README's examples cannot rot.

Each block runs on its own, in a fresh namespace, in a fresh temporary working directory: the README
writes every Python block to be copied and run alone, with its own imports. The blocks that train on
Cora read it from ``$QGNAS_DATA``, which points at a temporary copy of the offline Planetoid files in
``shared/data/planetoid`` beside the repository (as in ``tests/graph/conftest.py``); they skip, saying
why, where that folder is absent. Fenced blocks must be ``python``, ``bash`` or ``text``, so that no
Python example escapes this test under another tag.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SHARED_PLANETOID = Path(
    os.environ.get("QGNAS_TEST_PLANETOID")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "planetoid"
)
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
LANGUAGES = {"python", "bash", "text"}
NEEDS_PLANETOID = ("load_planetoid", "GNNTrainingEvaluator")


def fenced_blocks() -> list[tuple[str, int, str]]:
    """(language, first line number of the code, code) of every fenced block of the README."""
    text = README.read_text(encoding="utf-8")
    return [
        (m.group(1).strip(), text.count("\n", 0, m.start(2)) + 1, m.group(2)) for m in FENCE.finditer(text)
    ]


PYTHON_BLOCKS = [(line, code) for lang, line, code in fenced_blocks() if lang == "python"]


def test_readme_fences_are_known_languages():
    blocks = fenced_blocks()
    assert blocks, "no fenced blocks found in README.md"
    unknown = [(line, lang) for lang, line, _ in blocks if lang not in LANGUAGES]
    assert not unknown, f"README.md blocks with a language other than {sorted(LANGUAGES)}: {unknown}"
    assert len(PYTHON_BLOCKS) >= 4, "the README's Python examples went missing"


@pytest.fixture(scope="module")
def planetoid_root(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A writable data root holding ``Cora/raw`` (PyG writes ``processed/`` beside it), or None."""
    if not (SHARED_PLANETOID / "Cora" / "raw").is_dir():
        return None
    root = tmp_path_factory.mktemp("planetoid")
    shutil.copytree(SHARED_PLANETOID / "Cora" / "raw", root / "Cora" / "raw")
    return root


@pytest.mark.parametrize(
    ("line", "code"), PYTHON_BLOCKS, ids=[f"README.md:{line}" for line, _ in PYTHON_BLOCKS]
)
def test_readme_python_block_runs(line, code, tmp_path, monkeypatch, planetoid_root):
    if any(name in code for name in NEEDS_PLANETOID):
        if planetoid_root is None:
            pytest.skip(
                f"offline Planetoid data not found at {SHARED_PLANETOID} (clone shared/ beside the repo)"
            )
        monkeypatch.setenv("QGNAS_DATA", str(planetoid_root))
    monkeypatch.chdir(tmp_path)
    # line - 1 blank lines put the block's code on its own README line numbers in tracebacks
    exec(compile("\n" * (line - 1) + code, str(README), "exec"), {"__name__": "__readme__"})
