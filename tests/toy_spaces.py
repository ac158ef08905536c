"""Small categorical search spaces and evaluators for testing searchers.

``ToySpace`` is deliberately awkward in the ways real spaces are: an *invalid corner* (some decision
vectors decode to nothing), *canonical duplicates* (when decision ``d4`` is 0 the "branch" is off and
``d5`` is irrelevant, so several vectors are one architecture), and the evaluator has a *failing
region* (a recorded failure, not a crash). The objective is additive per decision plus a weaker
interaction between neighbouring decisions: local search, policy learning and model-based search can
exploit that, random search cannot, which is what the behaviour tests check.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

from qgnas.core import Decision, Evaluator, InvalidArchitecture, Result, SearchSpace


class ToySpace(SearchSpace):
    """Architectures are tuples of choice indices, one per decision.

    Args:
        sizes: number of choices of each decision.
        invalid_corner: if True, an architecture with the *last* choice of both ``d0`` and ``d1`` is
            invalid.
        off_switch: if True (needs >= 6 decisions), ``d4 == 0`` switches a branch off and makes
            ``d5`` irrelevant: such architectures are canonicalised to ``d5 = 0``.
    """

    name = "toy"

    def __init__(
        self,
        sizes: Sequence[int] = (4, 5, 6, 4, 5, 6),
        invalid_corner: bool = True,
        off_switch: bool = True,
    ):
        if not sizes or any(int(n) < 1 for n in sizes):
            raise ValueError(f"sizes must be a non-empty list of positive integers, got {sizes!r}")
        if off_switch and len(sizes) < 6:
            raise ValueError(f"off_switch needs at least 6 decisions, got {len(sizes)}")
        if invalid_corner and len(sizes) < 2:
            raise ValueError(f"invalid_corner needs at least 2 decisions, got {len(sizes)}")
        self.sizes = tuple(int(n) for n in sizes)
        self.invalid_corner = invalid_corner
        self.off_switch = off_switch
        self._decisions = [Decision(f"d{i}", tuple(range(n))) for i, n in enumerate(self.sizes)]

    def decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decode(self, indices: Sequence[int]) -> tuple[int, ...]:
        if len(indices) != len(self.sizes):
            raise InvalidArchitecture(f"expected {len(self.sizes)} choice indices, got {list(indices)!r}")
        arch = []
        for i, (c, n) in enumerate(zip(indices, self.sizes, strict=True)):
            if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= c < n:
                raise InvalidArchitecture(f"decision d{i}: choice {c!r} not in 0..{n - 1}")
            arch.append(int(c))
        if self.invalid_corner and arch[0] == self.sizes[0] - 1 and arch[1] == self.sizes[1] - 1:
            raise InvalidArchitecture(
                f"{tuple(arch)!r}: d0 = {arch[0]} and d1 = {arch[1]} together are not allowed"
            )
        return tuple(arch)

    def encode(self, arch: Sequence[int]) -> list[int]:
        return [int(c) for c in arch]

    def canonical(self, arch: Sequence[int]) -> tuple[int, ...]:
        arch = list(self.validate(arch))
        if self.off_switch and arch[4] == 0:
            arch[5] = 0
        return tuple(arch)

    def key(self, arch: Sequence[int]) -> str:
        return "-".join(str(c) for c in self.canonical(arch))

    def to_json(self, arch: Sequence[int]) -> list[int]:
        return [int(c) for c in arch]

    def from_json(self, obj: Sequence[int]) -> tuple[int, ...]:
        return self.decode(list(obj))

    def size(self) -> int:
        return _distinct(self.sizes, self.invalid_corner, self.off_switch)


@functools.cache
def _distinct(sizes: tuple[int, ...], invalid_corner: bool, off_switch: bool) -> int:
    """Number of distinct architectures, by enumeration, computed once per configuration."""
    space = ToySpace(sizes, invalid_corner, off_switch)
    return len({space.key(a) for a in space.enumerate()})


class ToyEvaluator(Evaluator):
    """objective = sum_i unary_i[c_i] + coupling * sum_i pair_i[c_i, c_{i+1}] on the canonical
    architecture, with fixed random tables drawn from ``seed``. Architectures with
    ``d2 == d3 == 0`` fail (a failed Result). ``metrics["test"]`` is a perturbed copy of the objective,
    so tests can check it is never what gets optimised.

    Every result reports the same simulated cost (``seconds``) instead of the wall time, so that two
    runs with the same seed write identical logs apart from the runner's own wall-clock field.
    Proposals the space rejects are collected in ``invalid`` (a searcher bug the tests look for).
    """

    name = "toy"
    cost = 0.01  # simulated seconds per evaluation

    def __init__(self, space: ToySpace, seed: int = 0, coupling: float = 0.5, failures: bool = True):
        self.space = space
        self.failures = failures
        self._config = (space.sizes, space.invalid_corner, space.off_switch, seed, coupling, failures)
        rng = np.random.default_rng(seed)
        sizes = space.sizes
        self.unary = [rng.normal(size=n) for n in sizes]
        self.pair = [coupling * rng.normal(size=(a, b)) for a, b in itertools.pairwise(sizes)]
        self.test_shift = rng.normal(scale=0.1, size=len(sizes))
        self.calls = 0
        self.invalid: list = []

    def value(self, arch: Sequence[int]) -> float | None:
        """The objective of ``arch``, or None where it fails."""
        c = self.space.canonical(arch)
        if self.failures and len(c) > 3 and c[2] == 0 and c[3] == 0:
            return None
        total = sum(float(u[i]) for u, i in zip(self.unary, c, strict=True))
        total += sum(float(p[a, b]) for p, (a, b) in zip(self.pair, itertools.pairwise(c), strict=False))
        return total

    def _evaluate(self, arch: Sequence[int]) -> Result:
        self.calls += 1
        if not self.space.is_valid(arch):
            self.invalid.append(arch)
            return Result.failure(f"invalid architecture {arch!r}", seconds=self.cost)
        value = self.value(arch)
        if value is None:
            return Result.failure(f"toy failure at {tuple(arch)!r}", seconds=self.cost)
        c = self.space.canonical(arch)
        test = value + float(sum(self.test_shift[i] * ci for i, ci in enumerate(c)))
        return Result(objective=value, metrics={"test": test}, seconds=self.cost)

    def best(self) -> tuple[tuple[int, ...], float]:
        """The best architecture and its objective (by enumeration: only for small spaces)."""
        return _best(*self._config)


@functools.cache
def _best(
    sizes: tuple[int, ...], invalid_corner: bool, off_switch: bool, seed: int, coupling: float, failures: bool
) -> tuple[tuple[int, ...], float]:
    evaluator = ToyEvaluator(ToySpace(sizes, invalid_corner, off_switch), seed, coupling, failures)
    scored = ((a, evaluator.value(a)) for a in evaluator.space.enumerate())
    return max(((a, v) for a, v in scored if v is not None), key=lambda av: av[1])
