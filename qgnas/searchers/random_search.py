"""Random search without repeats: uniform samples of the space, skipping canonical duplicates."""

from __future__ import annotations

import numpy as np

from qgnas.core import Result, Searcher, SearchSpace


class RandomSearch(Searcher):
    """Samples uniformly over the space's decision vectors (``space.sample``) and never proposes an
    architecture whose canonical key it has proposed before.

    Args:
        max_tries: consecutive already-seen samples after which the space counts as exhausted.
    """

    name = "random"

    def __init__(self, space: SearchSpace, rng: np.random.Generator, max_tries: int = 10_000):
        super().__init__(space, rng)
        self.max_tries = max_tries
        self.seen: set[str] = set()

    def ask(self):
        return self.space.sample_unseen(self.rng, self.seen, self.max_tries)

    def tell(self, arch, result: Result) -> None:
        self.seen.add(self.space.key(arch))
