"""The ask/tell searcher protocol.

Every searcher, from random sampling to an RL controller, is driven the same way::

    arch = searcher.ask()
    searcher.tell(arch, evaluator(arch))

A searcher draws all its randomness from the ``numpy.random.Generator`` it is given (torch-based ones
seed a private ``torch.Generator`` from it), so a run is reproduced exactly by replaying its log:
that is how the Runner resumes, and why ``ask`` must be a pure function of the seed and the history.
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
