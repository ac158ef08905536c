"""Evaluation results and the evaluator protocol.

Convention: the ``objective`` is always *maximised* (a validation accuracy, or minus an energy error).
Test metrics and costs go in ``metrics``: they are recorded and reported, never optimised.
"""

from __future__ import annotations

import math
import time
import traceback
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

OK = "ok"
FAILED = "failed"


@dataclass
class Result:
    """What one evaluation measured. A failure is a Result too (status "failed", objective -inf)."""

    objective: float
    metrics: dict[str, float] = field(default_factory=dict)
    status: str = OK
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def failure(cls, message: str, seconds: float = 0.0) -> Result:
        return cls(objective=-math.inf, status=FAILED, message=message, seconds=seconds)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        # JSON has no infinities; failures carry None and are restored as -inf.
        if not math.isfinite(d["objective"]):
            d["objective"] = None
        d["metrics"] = {k: _plain(v) for k, v in d["metrics"].items()}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Result:
        obj = d.get("objective")
        return cls(
            objective=-math.inf if obj is None else float(obj),
            metrics=dict(d.get("metrics", {})),
            status=d.get("status", OK),
            message=d.get("message", ""),
            seconds=float(d.get("seconds", 0.0)),
        )


def _plain(v: Any) -> Any:
    """numpy scalars -> Python numbers, non-finite floats -> None (JSON-safe)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


class Evaluator(ABC):
    """Maps an architecture to a Result. Subclasses implement ``_evaluate``; ``__call__`` turns any
    exception into a recorded failure so that one bad evaluation never ends a search."""

    name: str = "evaluator"

    @abstractmethod
    def _evaluate(self, arch: Any) -> Result: ...

    def __call__(self, arch: Any) -> Result:
        start = time.perf_counter()
        try:
            result = self._evaluate(arch)
        except Exception as exc:  # noqa: BLE001 - a failed evaluation is recorded, not fatal
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return Result.failure(tb, seconds=time.perf_counter() - start)
        if not result.seconds:
            result.seconds = time.perf_counter() - start
        return result
