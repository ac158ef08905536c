"""The latent space as a picture: a 2-D PCA projection of held-out architectures, coloured by an
objective (or by graph size when none is given). The colours are drawn after training; no score ever
reaches the model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .encoder import Encoder


def pca_2d(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection of the rows of ``Z`` on their first two principal axes, and the variance share of
    each axis."""
    centred = Z - Z.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    share = s**2 / max(float((s**2).sum()), 1e-300)
    return centred @ vt[:2].T, share[:2]


def plot_latent(
    encoder: Encoder,
    archs: Sequence[Any],
    path: str | os.PathLike,
    values: np.ndarray | None = None,
    label: str = "objective",
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Z = encoder.encode(archs)
    xy, share = pca_2d(Z)
    if values is None:
        values = np.array([len(encoder.space.to_graph(a).ops) for a in archs], dtype=float)
        label = "graph nodes"
    fig, ax = plt.subplots(figsize=(6.5, 5))
    finite = np.isfinite(values)
    ax.scatter(xy[~finite, 0], xy[~finite, 1], s=4, c="lightgrey", label="no value")
    # a few very poor architectures would take the whole colour range: it starts at the 5th percentile
    low = float(np.percentile(values[finite], 5)) if finite.any() else None
    sc = ax.scatter(xy[finite, 0], xy[finite, 1], s=4, c=values[finite], cmap="viridis", vmin=low)
    fig.colorbar(sc, ax=ax, label=label)
    ax.set_xlabel(f"PC1 ({100 * share[0]:.0f}% of the variance)")
    ax.set_ylabel(f"PC2 ({100 * share[1]:.0f}%)")
    ax.set_title(f"{encoder.space.name}: latent means of {len(archs)} held-out architectures", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
