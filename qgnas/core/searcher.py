"""The ask/tell searcher protocol.

Every searcher, from random sampling to an RL controller, is driven the same way::

    arch = searcher.ask()
    searcher.tell(arch, evaluator(arch))

A searcher draws all its randomness from the ``numpy.random.Generator`` it is given (torch-based ones
seed a private ``torch.Generator`` from it), so a run is reproduced exactly by replaying its log:
that is how the Runner resumes, and why ``ask`` must be a pure function of the seed and the history.

A Runner with several workers asks for a batch of architectures before it tells their results (in ask
order), so ``ask`` must not assume that its previous proposal has been told.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .result import Result
from .space import Arch, SearchSpace


class Searcher(ABC):
    name: str = "searcher"

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space = space
        self.rng = rng

    @abstractmethod
    def ask(self) -> Arch:
        """Propose the next architecture (valid in ``space``). Raise SearchExhausted when done."""

    @abstractmethod
    def tell(self, arch: Arch, result: Result) -> None:
        """Report the result of evaluating ``arch`` (a failed result has objective -inf)."""


class WarmStart(Searcher):
    """Propose the given architectures first, then hand over to ``inner``.

    Every result, the given architectures' included, is told to ``inner``, so a searcher that keeps an
    incumbent starts from the best of them: Auto-GNN's conservative explorer takes them in place of its
    random first draws, evolution puts them in its population, a policy-gradient controller learns from
    them as from any other sample. Use it to search around a known design (GAT, a published
    architecture, an earlier run's best). Replay is deterministic, so a warm-started run resumes like
    any other.
    """

    def __init__(self, inner: Searcher, start: list[Arch]):
        super().__init__(inner.space, inner.rng)
        self.inner = inner
        self.name = inner.name
        self.start = [inner.space.validate(arch) for arch in start]  # InvalidArchitecture names the fault
        keys = [inner.space.key(arch) for arch in self.start]
        if len(set(keys)) != len(keys):
            raise ValueError(f"the starting architectures repeat one: {keys}")
        self._given = 0

    def ask(self) -> Arch:
        if self._given < len(self.start):
            self._given += 1
            return self.start[self._given - 1]
        return self.inner.ask()

    def tell(self, arch: Arch, result: Result) -> None:
        self.inner.tell(arch, result)
