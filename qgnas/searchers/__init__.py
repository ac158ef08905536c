"""Searchers that work on any ``SearchSpace`` through the ask/tell protocol.

Searchers are registered by name and imported only when asked for, so ``qgnas`` stays import-light
(BO pulls in scikit-optimize, REINFORCE pulls in torch).
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from qgnas.core import Searcher, SearchSpace

# name -> "module:Class" (resolved lazily)
SEARCHERS: dict[str, str] = {
    "random": "qgnas.searchers.random_search:RandomSearch",
    "evolution": "qgnas.searchers.evolution:RegularizedEvolution",
    "reinforce": "qgnas.searchers.reinforce:ReinforceSearcher",
    "bo": "qgnas.searchers.bayesopt:BayesOptSearcher",
    "autognn": "qgnas.searchers.autognn:AutoGNNSearcher",
    "gae-bo": "qgnas.searchers.latent:LatentBO",
    "gae-rl": "qgnas.searchers.latent:LatentReinforce",
}

_ALIASES = {
    "re": "evolution",
    "regularized-evolution": "evolution",
    "aging-evolution": "evolution",
    "rl": "reinforce",
    "bayesopt": "bo",
    "bayesian": "bo",
    "latent-bo": "gae-bo",
    "latent-rl": "gae-rl",
    "latent-reinforce": "gae-rl",
}


def resolve_searcher(name: str) -> str:
    """Canonical registered name for ``name`` (case and alias insensitive); ValueError if unknown."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in SEARCHERS:
        raise ValueError(f"unknown searcher {name!r}; allowed: {', '.join(SEARCHERS)}")
    return key


def searcher_class(name: str) -> type[Searcher]:
    module, cls = SEARCHERS[resolve_searcher(name)].split(":")
    return getattr(importlib.import_module(module), cls)


def make_searcher(name: str, space: SearchSpace, rng: np.random.Generator, **options: Any) -> Searcher:
    """Build the searcher registered as ``name`` on ``space`` with its random stream."""
    return searcher_class(name)(space, rng, **options)


__all__ = ["SEARCHERS", "make_searcher", "resolve_searcher", "searcher_class"]
