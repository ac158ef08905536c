"""A task: what a benchmark searches (a space) and how an architecture is scored (an evaluator)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .result import Result
from .space import SearchSpace


@dataclass
class Task:
    """A search space plus its evaluator.

    Attributes:
        name: run-directory friendly name, e.g. ``nas-bench-graph/cora``.
        space: the search space.
        evaluator: arch -> Result; the objective is maximised (selection is on it alone).
        test_metric: name of the metric in ``Result.metrics`` reported for the selected architecture
            (never optimised); None when the task has no held-out metric.
        reference: optional published or exact reference values shown next to benchmark tables
            (e.g. the oracle of a tabular benchmark).
    """

    name: str
    space: SearchSpace
    evaluator: Callable[[Any], Result]
    test_metric: str | None = "test"
    objective_name: str = "valid"
    reference: dict[str, float] = field(default_factory=dict)
