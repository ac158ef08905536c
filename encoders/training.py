"""Training an encoder on a space's architectures (never on their scores), and its quality report.

Data: every distinct architecture of a finite space that has at most ``max_enumerate`` of them (the
whole NAS-Bench-Graph table), else ``samples`` distinct random ones (``space.sample``, deduplicated by
key, so that no held-out architecture is also a training one). 10% are held out for the report.

The report (``metrics.json``), all on the held-out architectures or on prior samples:

* ``op_accuracy``: decoded op equals the true op, over the real nodes of the held-out graphs (decoding
  the posterior mean); ``adj_accuracy``: decoded edge presence equals the true one, over the
  upper-triangular node pairs of the real nodes; ``reconstruction``: the decoded architecture is the
  held-out one (ops, edges and where the graph ends all right), the strictest of the three.
* ``validity``: decoded prior samples z ~ N(0, I) that the space accepts; ``uniqueness``: distinct
  architectures among the valid ones; ``novelty``: valid ones that are not training architectures.
* ``distance_spearman``: rank correlation of latent (Euclidean) distance with node-aligned graph edit
  distance, over random held-out pairs.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgnas.core import SearchSpace
from qgnas.core.io import atomic_write_json
from qgnas.core.threads import torch_threads

from .encoder import FORMAT, Encoder, space_spec
from .graphs import edit_distance, graph_vocabulary, pad_graphs
from .model import GraphVAE

DEFAULTS = {
    "latent": 16,
    "hidden": 128,
    "layers": 4,
    "beta": 0.01,
    "warmup": 0.5,
    "lr": 1e-3,
    "batch_size": 32,
}


def distinct_architectures(space: SearchSpace) -> dict[str, Any]:
    """Every distinct architecture of a (small, finite) space: key -> canonical form, in enumeration
    order."""
    out: dict[str, Any] = {}
    for arch in space.enumerate():
        key = space.key(arch)
        if key not in out:
            out[key] = space.canonical(arch)
    return out


def architectures(
    space: SearchSpace, rng: np.random.Generator, samples: int | None, max_enumerate: int = 200_000
) -> list[Any]:
    """Distinct canonical architectures to train on (module doc), in a seeded order."""
    size = space.size()
    if size is not None and size <= max_enumerate and (samples is None or samples >= size):
        archs = list(distinct_architectures(space).values())
        return [archs[i] for i in rng.permutation(len(archs))]
    if samples is None:
        samples = 100_000
    keys: set[str] = set()
    return [space.canonical(space.sample_unseen(rng, keys)) for _ in range(samples)]


def train_encoder(
    space: SearchSpace,
    *,
    samples: int | None = None,
    epochs: int = 16,
    latent: int = DEFAULTS["latent"],
    hidden: int = DEFAULTS["hidden"],
    layers: int = DEFAULTS["layers"],
    beta: float = DEFAULTS["beta"],
    warmup: float = DEFAULTS["warmup"],
    lr: float = DEFAULTS["lr"],
    batch_size: int = DEFAULTS["batch_size"],
    seed: int = 0,
    holdout: float = 0.1,
    prior_samples: int = 10_000,
    out: str | os.PathLike | None = None,
    objective: Callable[[Sequence[Any]], np.ndarray] | None = None,
    objective_name: str = "objective",
    progress: bool = True,
    threads: int = 1,
) -> Encoder:
    """Train a graph VAE on ``space`` and measure it (module doc); with ``out``, write the checkpoint,
    ``metrics.json`` and ``latent.png`` there.

    ``objective`` (optional) maps held-out architectures to numbers that only colour the latent plot;
    it is called after training, so no score can reach the model. ``threads``: torch threads while
    training (one by default: the model is small, and the result then depends on nothing but the seed).
    Same seed and arguments, same encoder, bit for bit.
    """
    _check_options(
        samples, holdout, warmup, beta, lr, epochs, latent, hidden, layers, batch_size, threads, prior_samples
    )
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    archs = architectures(space, rng, samples)
    vocabulary = graph_vocabulary(space, archs[0])
    graphs = [space.to_graph(a) for a in archs]
    n_nodes = space.graph_size() or max(len(g.ops) for g in graphs)
    n_test = max(1, int(round(holdout * len(archs))))
    config: dict[str, Any] = {
        "format": FORMAT,
        "space": space_spec(space),
        "vocabulary": list(vocabulary),
        "n_nodes": int(n_nodes),
        "latent": int(latent),
        "hidden": int(hidden),
        "layers": int(layers),
        "beta": float(beta),
        "warmup": float(warmup),
        "lr": float(lr),
        "batch_size": int(batch_size),
        "epochs": int(epochs),
        "seed": int(seed),
        "architectures": len(archs),
        "train": len(archs) - n_test,
        "heldout": n_test,
        "enumerated": samples is None and space.size() is not None and len(archs) == space.size(),
    }
    ops, adj, sizes = pad_graphs(graphs, n_nodes, vocabulary)
    start = time.perf_counter()
    model = _trained_model(config, ops[n_test:], adj[n_test:], rng, threads, progress)
    config["train_seconds"] = round(time.perf_counter() - start, 2)
    encoder = Encoder(space, model, config)
    with torch_threads(threads):
        metrics = quality_report(
            encoder,
            ops[:n_test],
            adj[:n_test],
            sizes[:n_test],
            archs[:n_test],
            train_keys={space.key(a) for a in archs[n_test:]},
            prior_samples=prior_samples,
            rng=rng,
        )
    metrics["train_seconds"] = config["train_seconds"]
    encoder.metrics = metrics
    if out is not None:
        _write_outputs(encoder, Path(out), archs[: min(n_test, 5000)], objective, objective_name)
    return encoder


def _check_options(
    samples: int | None,
    holdout: float,
    warmup: float,
    beta: float,
    lr: float,
    epochs: int,
    latent: int,
    hidden: int,
    layers: int,
    batch_size: int,
    threads: int,
    prior_samples: int,
) -> None:
    """ValueError naming the first bad argument of :func:`train_encoder`."""
    for name, value in (
        ("epochs", epochs),
        ("latent", latent),
        ("hidden", hidden),
        ("layers", layers),
        ("batch_size", batch_size),
        ("threads", threads),
        ("prior_samples", prior_samples),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if samples is not None and (not isinstance(samples, int | np.integer) or samples < 10):
        raise ValueError(f"samples must be an integer >= 10, got {samples!r}")
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be a fraction in (0, 1), got {holdout!r}")
    if not 0 <= warmup <= 1:
        raise ValueError(f"warmup must be a fraction in [0, 1], got {warmup!r}")
    if not beta >= 0 or not lr > 0:
        raise ValueError(f"beta must be >= 0 and lr > 0, got beta={beta!r}, lr={lr!r}")


def _trained_model(
    config: dict[str, Any],
    ops: np.ndarray,
    adj: np.ndarray,
    rng: np.random.Generator,
    threads: int,
    progress: bool,
) -> GraphVAE:
    """A :class:`GraphVAE` of ``config``'s shape fitted on the training graphs; its initial weights and
    its sampling noise are seeded from ``rng``, and torch's global random state is left as it was."""
    with torch_threads(threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**62)))
        model = GraphVAE(
            len(config["vocabulary"]), config["n_nodes"], config["latent"], config["hidden"], config["layers"]
        )
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        _fit(
            model,
            ops,
            adj,
            config["epochs"],
            config["batch_size"],
            config["lr"],
            config["beta"],
            config["warmup"],
            rng,
            generator,
            progress,
        )
    return model


def _write_outputs(
    encoder: Encoder,
    out: Path,
    heldout: Sequence[Any],
    objective: Callable[[Sequence[Any]], np.ndarray] | None,
    objective_name: str,
) -> None:
    """The checkpoint, ``metrics.json`` and the latent plot of ``heldout`` (coloured by ``objective``)."""
    from .report import plot_latent

    encoder.save(out)
    atomic_write_json(out / "metrics.json", encoder.metrics)
    values = None if objective is None else np.asarray(objective(heldout), dtype=float)
    plot_latent(encoder, heldout, out / "latent.png", values, objective_name)


def _fit(model, ops, adj, epochs, batch_size, lr, beta, warmup, rng, generator, progress) -> None:
    """Adam on the loss, the KL weight rising linearly from 0 to ``beta`` over the first ``warmup``
    fraction of the steps (KL annealing: the decoder learns to use the latent before the KL term
    pulls the posteriors towards the prior; without it, beta = 1 collapsed the posteriors here)."""
    from tqdm.auto import tqdm

    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    ops_t, adj_t = torch.as_tensor(ops), torch.as_tensor(adj).float()
    steps = math.ceil(len(ops) / batch_size)
    model.train()
    with tqdm(
        total=epochs * steps, desc="encoder", unit="batch", disable=not (progress and sys.stderr.isatty())
    ) as bar:
        for epoch in range(epochs):
            order = torch.as_tensor(rng.permutation(len(ops)))
            for s in range(steps):
                idx = order[s * batch_size : (s + 1) * batch_size]
                done = (epoch * steps + s) / max(1, warmup * epochs * steps)
                loss, parts = model.loss(ops_t[idx], adj_t[idx], beta * min(1.0, done), generator)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                bar.update(1)
                if s % 50 == 0:
                    bar.set_postfix(
                        epoch=epoch + 1, **{k: f"{v:.3g}" for k, v in parts.items()}, refresh=False
                    )
    model.eval()


def quality_report(
    encoder: Encoder,
    ops: np.ndarray,
    adj: np.ndarray,
    sizes: np.ndarray,
    heldout: Sequence[Any],
    train_keys: set[str],
    prior_samples: int,
    rng: np.random.Generator,
    pairs: int = 5000,
) -> dict[str, Any]:
    """The held-out and prior-sample metrics of the module doc."""
    from scipy.stats import spearmanr

    space = encoder.space
    mu = encoder.encode_tensors(ops, adj)
    rec_ops, rec_adj = encoder.reconstruct(mu)
    n = ops.shape[1]
    real = np.arange(n)[None, :] < sizes[:, None]
    op_acc = float((rec_ops == ops)[real].mean())
    iu = np.triu_indices(n, k=1)
    pair_real = real[:, iu[0]] & real[:, iu[1]]
    adj_acc = float((rec_adj[:, iu[0], iu[1]] == (adj[:, iu[0], iu[1]] != 0))[pair_real].mean())
    keys = [space.key(a) for a in heldout]
    decoded = encoder.decode(mu)
    exact = float(np.mean([d is not None and space.key(d) == k for d, k in zip(decoded, keys, strict=True)]))

    Z = rng.standard_normal((prior_samples, encoder.latent))
    prior = [a for a in encoder.decode(Z) if a is not None]
    prior_keys = [space.key(a) for a in prior]
    validity = len(prior) / prior_samples
    uniqueness = len(set(prior_keys)) / len(prior) if prior else 0.0
    novelty = float(np.mean([k not in train_keys for k in prior_keys])) if prior else 0.0

    i = rng.integers(len(mu), size=pairs)
    j = rng.integers(len(mu), size=pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    latent_d = np.linalg.norm(mu[i] - mu[j], axis=1)
    edit_d = edit_distance(ops[i], adj[i], ops[j], adj[j])
    rho = spearmanr(latent_d, edit_d).statistic if len(i) > 2 else math.nan
    return {
        "space": space.name,
        "heldout": len(heldout),
        "op_accuracy": op_acc,
        "adj_accuracy": adj_acc,
        "reconstruction": exact,
        "prior_samples": prior_samples,
        "validity": validity,
        "uniqueness": uniqueness,
        "novelty": novelty,
        "distance_spearman": float(rho),
        "distance_pairs": int(len(i)),
    }


def cached_encoder(
    space: SearchSpace, directory: str | os.PathLike, **train_options: Any
) -> tuple[Encoder, bool]:
    """The encoder checkpointed in ``directory`` when there is one for ``space``, else one trained now
    with ``train_options`` and saved there. Returns it and whether it was trained now. A checkpoint of
    another space in ``directory`` is an EncoderMismatch, not overwritten."""
    from .encoder import load_encoder

    if (Path(directory) / "config.json").is_file():
        return load_encoder(directory, space), False
    return train_encoder(space, out=directory, **train_options), True
