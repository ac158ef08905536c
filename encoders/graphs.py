"""Architectures as fixed-size tensors, and back.

An encoder sees every architecture of a space through the space's graph view
(:class:`qgnas.core.ArchGraph`: node ops in topological order plus a DAG adjacency). Graphs of one space
differ in size (a 3-gate circuit has 5 nodes, a 20-gate one 22), so they are padded to the space's
largest graph: node ``i >= n`` gets the extra op ``PAD`` and no edges. The op vocabulary is the space's
``op_names`` followed by ``PAD``, so the op decoder's softmax also says where the graph ends.

Decoding is the inverse: argmax op per node, edges where the decoder's probability exceeds 1/2 in the
upper triangle (nodes are in topological order, so a DAG has no edge i -> j with j <= i), cut at the
first ``PAD``, and the space's ``from_graph`` turns the result into an architecture or raises
:class:`~qgnas.core.InvalidArchitecture`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qgnas.core import ArchGraph, InvalidArchitecture, SearchSpace

PAD = "<pad>"


def graph_vocabulary(space: SearchSpace, example: Any) -> tuple[str, ...]:
    """The space's node-op names (read off one architecture's graph) followed by ``PAD``."""
    names = tuple(space.to_graph(example).op_names)
    if PAD in names:
        raise ValueError(f"{space.name}: an op is called {PAD!r}, which the encoder reserves for padding")
    return (*names, PAD)


def pad_graphs(
    graphs: Sequence[ArchGraph], n_max: int, vocabulary: tuple[str, ...]
) -> tuple[np.ndarray, ...]:
    """(ops [N, n_max] int64 with PAD after each graph's last node, adjacency [N, n_max, n_max] uint8,
    sizes [N]) of ``graphs``; raises ValueError on a graph larger than ``n_max`` or with foreign ops."""
    pad = len(vocabulary) - 1
    ops = np.full((len(graphs), n_max), pad, dtype=np.int64)
    adj = np.zeros((len(graphs), n_max, n_max), dtype=np.uint8)
    sizes = np.zeros(len(graphs), dtype=np.int64)
    for g, graph in enumerate(graphs):
        if tuple(graph.op_names) != vocabulary[:-1]:
            raise ValueError("a graph's op names differ from the encoder's vocabulary (another space?)")
        n = len(graph.ops)
        if n > n_max:
            raise ValueError(f"a graph has {n} nodes; the encoder pads to {n_max}")
        ops[g, :n] = np.asarray(graph.ops, dtype=np.int64)
        adj[g, :n, :n] = np.asarray(graph.adjacency) != 0
        sizes[g] = n
    return ops, adj, sizes


def unpad_graph(ops: np.ndarray, adjacency: np.ndarray, vocabulary: tuple[str, ...]) -> ArchGraph:
    """The ``ArchGraph`` a decoder's argmax ops and thresholded adjacency describe: the nodes before the
    first PAD. A PAD followed by a real node, or no node at all, is an InvalidArchitecture."""
    pad = len(vocabulary) - 1
    ops = np.asarray(ops)
    where = np.flatnonzero(ops == pad)
    n = int(where[0]) if len(where) else len(ops)
    if n == 0:
        raise InvalidArchitecture("the decoded graph has no node (its first node is padding)")
    if (ops[n:] != pad).any():
        raise InvalidArchitecture(f"the decoded graph has a real node after padding at node {n}")
    adj = np.triu(np.asarray(adjacency)[:n, :n] != 0, k=1).astype(np.int8)
    return ArchGraph(ops=ops[:n].astype(np.int64), adjacency=adj, op_names=vocabulary[:-1])


def edit_distance(ops_a: np.ndarray, adj_a: np.ndarray, ops_b: np.ndarray, adj_b: np.ndarray) -> np.ndarray:
    """Node-aligned graph edit distance of padded graphs (batched over the leading axis): the number of
    nodes whose op differs plus the number of upper-triangular adjacency entries that differ. The
    canonical node order makes the identity alignment the natural one; it bounds the true (minimum
    over alignments) edit distance from above, as arch2vec measures it."""
    n = ops_a.shape[-1]
    iu = np.triu_indices(n, k=1)
    ops_diff = (ops_a != ops_b).sum(axis=-1)
    adj_diff = (adj_a[..., iu[0], iu[1]] != adj_b[..., iu[0], iu[1]]).sum(axis=-1)
    return ops_diff + adj_diff
