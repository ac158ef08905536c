"""Searchers that work on any ``SearchSpace`` through the ask/tell protocol.

Searchers are registered by name and imported only when asked for, so ``qgnas`` stays import-light
(BO pulls in scikit-optimize, REINFORCE pulls in torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgnas.core import Registry, Searcher, SearchSpace

#: name -> "module:Class", imported on first use.
SEARCHERS: Registry[str] = Registry("searcher")
SEARCHERS.register("random", "qgnas.searchers.random_search:RandomSearch")
SEARCHERS.register(
    "evolution",
    "qgnas.searchers.evolution:RegularizedEvolution",
    aliases=["re", "regularized-evolution", "aging-evolution"],
)
# graphnas: GraphNAS's controller is this REINFORCE LSTM searcher, and the GNN literature names it so
SEARCHERS.register("reinforce", "qgnas.searchers.reinforce:ReinforceSearcher", aliases=["rl", "graphnas"])
SEARCHERS.register("bo", "qgnas.searchers.bayesopt:BayesOptSearcher", aliases=["bayesopt", "bayesian"])
SEARCHERS.register("autognn", "qgnas.searchers.autognn:AutoGNNSearcher")
SEARCHERS.register("gae-bo", "qgnas.searchers.latent:LatentBO", aliases=["latent-bo"])
SEARCHERS.register(
    "gae-rl", "qgnas.searchers.latent:LatentReinforce", aliases=["latent-rl", "latent-reinforce"]
)

#: Searchers that propose in an encoder's latent space and need an encoder of the search space.
LATENT_SEARCHERS: tuple[str, ...] = ("gae-bo", "gae-rl")


def resolve_searcher(name: str) -> str:
    """Canonical registered name for ``name`` (case and alias insensitive); ValueError if unknown."""
    return SEARCHERS.resolve(name)


def searcher_class(name: str) -> type[Searcher]:
    return SEARCHERS.load(name)


def make_searcher(name: str, space: SearchSpace, rng: np.random.Generator, **options: Any) -> Searcher:
    """Build the searcher registered as ``name`` on ``space`` with its random stream."""
    return searcher_class(name)(space, rng, **options)


__all__ = ["LATENT_SEARCHERS", "SEARCHERS", "make_searcher", "resolve_searcher", "searcher_class"]
