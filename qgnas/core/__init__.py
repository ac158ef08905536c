"""The shared search core: spaces, evaluators, ask/tell searchers, the runner and benchmarks.

This package imports neither the quantum nor the graph world: it defines the protocols they implement.
"""

from .registry import Registry, UnknownName
from .result import FAILED, OK, Evaluator, Result
from .runner import Record, ResumeMismatch, Runner, RunOutcome, read_log, search_seconds
from .searcher import Searcher, WarmStart
from .seeding import seed_streams, torch_seed
from .space import ArchGraph, Decision, InvalidArchitecture, SearchExhausted, SearchSpace
from .task import Task

__all__ = [
    "FAILED",
    "OK",
    "ArchGraph",
    "Decision",
    "Evaluator",
    "InvalidArchitecture",
    "Record",
    "Registry",
    "Result",
    "ResumeMismatch",
    "RunOutcome",
    "Runner",
    "SearchExhausted",
    "SearchSpace",
    "Searcher",
    "Task",
    "UnknownName",
    "WarmStart",
    "read_log",
    "search_seconds",
    "seed_streams",
    "torch_seed",
]
