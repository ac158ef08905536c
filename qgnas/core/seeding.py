"""One root seed, split into independent streams with ``numpy.random.SeedSequence``."""

from __future__ import annotations

import numpy as np

STREAMS = ("searcher", "evaluator", "extra")


def seed_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for the parts of one run, all derived from ``seed``."""
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def torch_seed(rng: np.random.Generator) -> int:
    """A seed for a private ``torch.Generator``, drawn from a numpy stream."""
    return int(rng.integers(0, 2**62))
