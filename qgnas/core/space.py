"""The search-space protocol every task implements.

A space describes its architectures twice:

* as *decisions*: a fixed list of categorical choices (``decisions()``), with ``encode``/``decode``
  between an architecture and a list of choice indices. Every generic searcher (random, evolution,
  REINFORCE, BO) works on this view only, so it works on any space.
* as a *graph* (``to_graph``): node-op one-hots plus a DAG adjacency, the common currency of the
  architecture encoders.

Identity is the *canonical key*: two architectures that compute the same function (for example two
isomorphic wirings of the same cell) have the same ``key``. Runners cache and deduplicate on it.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Arch = Any  # each space chooses its own (hashable, JSON-convertible) architecture type


class InvalidArchitecture(ValueError):
    """An architecture that the space cannot evaluate; the message says why and what is allowed."""


class SearchExhausted(RuntimeError):
    """Raised by a searcher's ``ask`` when it has nothing new left to propose."""


@dataclass(frozen=True)
class Decision:
    """One categorical design decision: its name and the allowed choices (in index order)."""

    name: str
    choices: tuple

    def __len__(self) -> int:
        return len(self.choices)


@dataclass
class ArchGraph:
    """Graph view of an architecture: ``ops[i]`` is node i's op index into ``op_names``,
    ``adjacency[i, j] = 1`` for an edge i -> j (a DAG, nodes in topological order)."""

    ops: np.ndarray
    adjacency: np.ndarray
    op_names: tuple[str, ...]

    def one_hot(self) -> np.ndarray:
        out = np.zeros((len(self.ops), len(self.op_names)), dtype=np.float32)
        out[np.arange(len(self.ops)), self.ops] = 1.0
        return out


class SearchSpace(ABC):
    """Base class of search spaces. Subclasses implement the decision view, ``key`` and the JSON
    round trip; the rest has generic defaults built on those that a subclass may specialise."""

    name: str = "space"

    # --- decision view -------------------------------------------------------------------------
    @abstractmethod
    def decisions(self) -> list[Decision]:
        """The categorical decisions that make up an architecture, in a fixed order."""

    @abstractmethod
    def decode(self, indices: Sequence[int]) -> Arch:
        """Architecture from one choice index per decision; raises InvalidArchitecture."""

    @abstractmethod
    def encode(self, arch: Arch) -> list[int]:
        """Inverse of ``decode``."""

    # --- identity --------------------------------------------------------------------------------
    @abstractmethod
    def key(self, arch: Arch) -> str:
        """Canonical hash: equal for architectures that are the same function."""

    def canonical(self, arch: Arch) -> Arch:
        """A fixed representative of ``arch``'s equivalence class (identity by default)."""
        return self.validate(arch)

    # --- serialisation ---------------------------------------------------------------------------
    @abstractmethod
    def to_json(self, arch: Arch) -> Any:
        """A JSON-serialisable form of ``arch``."""

    @abstractmethod
    def from_json(self, obj: Any) -> Arch:
        """Inverse of ``to_json``; validates."""

    # --- checks ----------------------------------------------------------------------------------
    def validate(self, arch: Arch) -> Arch:
        """Return ``arch`` if it is valid, else raise InvalidArchitecture naming the problem."""
        return self.decode(self.encode(arch))

    def is_valid(self, arch: Arch) -> bool:
        try:
            self.validate(arch)
        except InvalidArchitecture:
            return False
        return True

    # --- generic operators built on the decision view --------------------------------------------
    def sample(self, rng: np.random.Generator, max_tries: int = 1000) -> Arch:
        """A uniformly random valid architecture (uniform over decision vectors, rejecting invalid ones)."""
        sizes = [len(d) for d in self.decisions()]
        for _ in range(max_tries):
            idx = [int(rng.integers(n)) for n in sizes]
            try:
                return self.decode(idx)
            except InvalidArchitecture:
                continue
        raise RuntimeError(f"{self.name}: no valid architecture in {max_tries} random draws")

    def sample_unseen(self, rng: np.random.Generator, seen: set[str], max_tries: int = 10_000) -> Arch:
        """A random architecture whose key is not in ``seen`` (and add its key to ``seen``).

        Raises SearchExhausted when every architecture has been seen (finite spaces) or ``max_tries``
        draws in a row were all seen before.
        """
        size = self.size()
        if size is None or len(seen) < size:
            for _ in range(max_tries):
                arch = self.sample(rng)
                key = self.key(arch)
                if key not in seen:
                    seen.add(key)
                    return arch
        raise SearchExhausted(f"{self.name}: no unseen architecture in {max_tries} random draws")

    def mutate(self, arch: Arch, rng: np.random.Generator, max_tries: int = 1000) -> Arch:
        """One edit: change a single decision so that the result is valid and differs canonically."""
        idx = self.encode(arch)
        decisions = self.decisions()
        own = self.key(arch)
        mutable = [i for i, d in enumerate(decisions) if len(d) > 1]
        for _ in range(max_tries):
            i = mutable[int(rng.integers(len(mutable)))]
            new = list(idx)
            choice = int(rng.integers(len(decisions[i]) - 1))
            new[i] = choice if choice < idx[i] else choice + 1  # any value but the current one
            try:
                child = self.decode(new)
            except InvalidArchitecture:
                continue
            if self.key(child) != own:
                return child
        raise RuntimeError(f"{self.name}: no valid one-edit mutation of {arch!r} found")

    def neighbours(self, arch: Arch) -> list[Arch]:
        """All valid one-edit neighbours, one per distinct canonical key, excluding ``arch`` itself."""
        idx = self.encode(arch)
        seen = {self.key(arch)}
        out = []
        for i, d in enumerate(self.decisions()):
            for c in range(len(d)):
                if c == idx[i]:
                    continue
                new = list(idx)
                new[i] = c
                try:
                    child = self.decode(new)
                except InvalidArchitecture:
                    continue
                k = self.key(child)
                if k not in seen:
                    seen.add(k)
                    out.append(child)
        return out

    def size(self) -> int | None:
        """Number of distinct (canonical) architectures, when finite and known; None otherwise."""
        return None

    def enumerate(self) -> Iterator[Arch]:
        """Every valid decision vector (duplicates by key included). Only sensible for small spaces."""
        for idx in itertools.product(*[range(len(d)) for d in self.decisions()]):
            try:
                yield self.decode(list(idx))
            except InvalidArchitecture:
                continue

    # --- graph view ------------------------------------------------------------------------------
    def to_graph(self, arch: Arch) -> ArchGraph:
        raise NotImplementedError(f"{type(self).__name__} has no graph view yet")

    def from_graph(self, graph: ArchGraph) -> Arch:
        raise NotImplementedError(f"{type(self).__name__} has no graph view yet")

    def graph_size(self) -> int | None:
        """The most nodes a graph of ``to_graph`` can have (encoders pad to it); None when unbounded
        or unknown (an encoder then pads to the largest graph it was trained on)."""
        return None
