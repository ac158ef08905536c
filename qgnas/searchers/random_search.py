"""Random search without repeats: uniform samples of the space, skipping canonical duplicates."""

from __future__ import annotations

import numpy as np

from qgnas.core import Result, Searcher, SearchExhausted, SearchSpace


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
        size = self.space.size()
        if size is not None and len(self.seen) >= size:
            raise SearchExhausted(f"all {size} architectures of {self.space.name} proposed")
        for _ in range(self.max_tries):
            arch = self.space.sample(self.rng)
            key = self.space.key(arch)
            if key not in self.seen:
                self.seen.add(key)
                return arch
        raise SearchExhausted(f"{self.max_tries} consecutive samples were all seen before")

    def tell(self, arch, result: Result) -> None:
        self.seen.add(self.space.key(arch))
