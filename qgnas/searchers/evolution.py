"""Regularized (aging) evolution, Real et al., "Regularized Evolution for Image Classifier
Architecture Search", AAAI 2019.

The population is a FIFO queue: every evaluated child joins it and the *oldest* member (not the
worst) leaves. Aging keeps the search from clinging to one lucky evaluation, which is why it is the
standard evolutionary baseline of NAS benchmarks (NAS-Bench-Graph runs it with population 50,
tournament 10 and one edit per child, the defaults here).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from qgnas.core import Result, Searcher, SearchExhausted, SearchSpace
from qgnas.core.space import Arch


def _fitness(result: Result) -> float:
    """The objective, with failures (and NaN or infinite objectives) as -inf so they never win."""
    obj = result.objective
    if not result.ok or not math.isfinite(obj):
        return -math.inf
    return float(obj)


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


class RegularizedEvolution(Searcher):
    """Aging evolution driven by ask/tell.

    * Until the population is full, ``ask`` returns uniform random samples (``space.sample``), never
      one whose canonical key was proposed before.
    * Then ``ask`` runs a tournament: ``sample_size`` members are drawn uniformly *with replacement*
      (as in the paper's reference implementation), the one with the highest objective is the parent
      (ties: the first drawn), and the child is ``space.mutate(parent, rng)`` (one edit, canonically
      different from the parent). A child may repeat an architecture evaluated earlier; the runner
      then serves the cached result, and the child joins the population like any other.
    * ``tell`` appends ``(arch, objective)`` and the oldest member drops out when over size. Failed
      results join too (objective -inf): they age out instead of being retried, and never win a
      tournament unless every sampled member failed.

    Args:
        population_size: P, the population size (and the number of initial random samples).
        sample_size: S, the tournament size, 1 <= S <= P.
        max_tries: random draws tried before the initial phase counts as exhausted.
    """

    name = "evolution"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        population_size: int = 50,
        sample_size: int = 10,
        max_tries: int = 10_000,
    ):
        super().__init__(space, rng)
        self.population_size = _check_int("population_size", population_size, 1)
        self.sample_size = _check_int("sample_size", sample_size, 1)
        if self.sample_size > self.population_size:
            raise ValueError(
                f"sample_size must be <= population_size ({self.population_size}), got {sample_size!r}"
            )
        self.max_tries = _check_int("max_tries", max_tries, 1)
        self.population: deque[tuple[Arch, float]] = deque(maxlen=self.population_size)
        self.seen: set[str] = set()

    def _random_unseen(self) -> Arch | None:
        """A random architecture not proposed before, or None if none turned up."""
        try:
            return self.space.sample_unseen(self.rng, self.seen, self.max_tries)
        except SearchExhausted:
            return None

    def ask(self) -> Arch:
        if len(self.population) < self.population_size:
            arch = self._random_unseen()
            if arch is not None:
                return arch
            if not self.population:
                raise SearchExhausted(f"{self.space.name}: no unseen architecture left to start from")
            # A space smaller than the population: evolve what there is.
        members = self.rng.integers(len(self.population), size=self.sample_size)
        parent, best = self.population[int(members[0])]
        for m in members[1:]:
            arch, fitness = self.population[int(m)]
            if fitness > best:
                parent, best = arch, fitness
        child = self.space.mutate(parent, self.rng)
        self.seen.add(self.space.key(child))
        return child

    def tell(self, arch: Arch, result: Result) -> None:
        self.seen.add(self.space.key(arch))
        self.population.append((arch, _fitness(result)))
