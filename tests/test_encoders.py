"""Architecture encoders: graph views of every space, padding, training that reconstructs a small space
exactly, decoding, checkpoints, reproducibility, and that no score reaches the training."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qgnas.cli import main
from qgnas.core import InvalidArchitecture
from qgnas.encoders import EncoderMismatch, load_encoder, train_encoder
from qgnas.encoders.graphs import PAD, edit_distance, graph_vocabulary, pad_graphs, unpad_graph
from qgnas.graph.autognn_space import AutoGNNSpace
from qgnas.graph.nas_bench_graph import NASBenchGraphSpace
from qgnas.quantum.circuit_space import CircuitSpace

SPACES = {
    "nas-bench-graph": lambda: NASBenchGraphSpace(),
    "nas-bench-graph-proteins": lambda: NASBenchGraphSpace.for_dataset("proteins"),
    "circuit-4q": lambda: CircuitSpace(4, 20),
    "circuit-3q-linear": lambda: CircuitSpace(3, 8, connectivity=[(0, 1), (1, 0), (1, 2), (2, 1)]),
    "autognn": lambda: AutoGNNSpace(),
    "autognn-3-layers-linear-output": lambda: AutoGNNSpace(3, output_activation="linear"),
}

# Training settings for a tiny space, enough for an exact reconstruction (a few seconds).
TINY = {"epochs": 300, "latent": 8, "hidden": 64, "layers": 2, "batch_size": 16, "prior_samples": 200}


@pytest.mark.parametrize("name", sorted(SPACES))
def test_graph_views_round_trip_through_padding(name):
    space = SPACES[name]()
    rng = np.random.default_rng(0)
    archs = [space.canonical(space.sample(rng)) for _ in range(60)]
    vocabulary = graph_vocabulary(space, archs[0])
    assert vocabulary[-1] == PAD
    graphs = [space.to_graph(a) for a in archs]
    assert max(len(g.ops) for g in graphs) <= space.graph_size()
    ops, adj, sizes = pad_graphs(graphs, space.graph_size(), vocabulary)
    for a, o, m, n in zip(archs, ops, adj, sizes, strict=True):
        assert (o[n:] == len(vocabulary) - 1).all() and not m[n:].any() and not m[:, n:].any()
        assert not np.tril(m).any()  # topological order: edges only go forward
        back = space.from_graph(unpad_graph(o, m, vocabulary))
        assert space.key(back) == space.key(a)
        assert space.canonical(back) == a


def test_unpad_and_from_graph_reject_malformed_graphs():
    space = NASBenchGraphSpace()
    vocabulary = graph_vocabulary(space, space.sample(np.random.default_rng(0)))
    pad = len(vocabulary) - 1
    g = space.to_graph(space.sample(np.random.default_rng(1)))
    ops, adj, _ = pad_graphs([g], 6, vocabulary)
    bad = ops[0].copy()
    bad[2] = pad  # padding before real nodes
    with pytest.raises(InvalidArchitecture, match="after padding"):
        unpad_graph(bad, adj[0], vocabulary)
    with pytest.raises(InvalidArchitecture, match="no node"):
        unpad_graph(np.full(6, pad), adj[0], vocabulary)
    no_input = adj[0].copy()
    no_input[:, 2] = 0  # computing node 2 loses its only input
    with pytest.raises(InvalidArchitecture, match="exactly one input"):
        space.from_graph(unpad_graph(ops[0], no_input, vocabulary))


def test_edit_distance_counts_differing_ops_and_edges():
    a_ops, b_ops = np.array([0, 1, 2, 3]), np.array([0, 1, 1, 3])
    a_adj = np.triu(np.ones((4, 4), dtype=np.uint8), 1)
    b_adj = a_adj.copy()
    b_adj[0, 3] = 0
    b_adj[2, 1] = 1  # below the diagonal: not part of a DAG in topological order, not counted
    assert edit_distance(a_ops, a_adj, b_ops, b_adj) == 2
    assert edit_distance(a_ops, a_adj, a_ops, a_adj) == 0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """An encoder trained on all 107 NAS-Bench-Graph cells over the ops {gcn, fc}."""
    out = tmp_path_factory.mktemp("tiny")
    space = NASBenchGraphSpace(("gcn", "fc"))
    encoder = train_encoder(space, seed=3, out=out, progress=False, **TINY)
    return space, encoder, out


def test_tiny_training_reconstructs_the_whole_space(tiny):
    space, encoder, out = tiny
    every = {space.key(a): space.canonical(a) for a in space.enumerate()}
    assert encoder.config["enumerated"] and encoder.config["architectures"] == len(every) == 107
    archs = list(every.values())
    decoded = encoder.decode(encoder.encode(archs))
    assert [space.key(d) for d in decoded] == [space.key(a) for a in archs]
    metrics = json.loads((out / "metrics.json").read_text())
    for name in ("op_accuracy", "adj_accuracy", "reconstruction"):
        assert metrics[name] == 1.0
    for name in ("validity", "uniqueness", "novelty", "distance_spearman", "train_seconds"):
        assert np.isfinite(metrics[name])
    assert (out / "latent.png").stat().st_size > 1000


def test_decoding_an_invalid_point_is_an_invalid_architecture(tiny):
    space, encoder, _ = tiny
    rng = np.random.default_rng(0)
    Z = 30.0 * rng.standard_normal((2000, encoder.latent))  # far outside the data: many invalid decodes
    decoded = encoder.decode(Z)
    invalid = [i for i, d in enumerate(decoded) if d is None]
    assert invalid, "no far-away point decoded to an invalid graph"
    with pytest.raises(InvalidArchitecture):
        encoder.decode_one(Z[invalid[0]])
    valid = next(i for i, d in enumerate(decoded) if d is not None)
    assert space.key(encoder.decode_one(Z[valid])) == space.key(decoded[valid])


def test_checkpoint_round_trip_and_other_space_refused(tiny, tmp_path):
    space, encoder, out = tiny
    archs = [space.sample(np.random.default_rng(i)) for i in range(10)]
    loaded = load_encoder(out, space)
    assert np.array_equal(loaded.encode(archs), encoder.encode(archs))
    assert load_encoder(out).space.name == space.name  # rebuilt from the checkpoint's record
    with pytest.raises(EncoderMismatch, match="nas-bench-graph\\[gcn,fc\\]"):
        load_encoder(out, NASBenchGraphSpace())
    with pytest.raises(FileNotFoundError, match="not an encoder checkpoint"):
        load_encoder(tmp_path)


def test_same_seed_same_encoder_other_seed_other_encoder():
    space = CircuitSpace(2, 2)
    small = {**TINY, "epochs": 3}
    a = train_encoder(space, seed=5, progress=False, **small)
    b = train_encoder(space, seed=5, progress=False, **small)
    c = train_encoder(space, seed=6, progress=False, **small)
    archs = [space.sample(np.random.default_rng(i)) for i in range(8)]
    assert np.array_equal(a.encode(archs), b.encode(archs))
    assert a.metrics | {"train_seconds": 0} == b.metrics | {"train_seconds": 0}
    assert not np.array_equal(a.encode(archs), c.encode(archs))


def test_no_score_reaches_training(monkeypatch):
    """Training reads architectures only: with every way to score a NAS-Bench-Graph cell broken, the
    encoder trains, and it is the same encoder as with them intact."""
    space = NASBenchGraphSpace(("gcn", "fc"))
    small = {**TINY, "epochs": 3}
    intact = train_encoder(space, seed=1, progress=False, **small)

    def forbidden(*args, **kwargs):
        raise AssertionError("an accuracy was read during encoder training")

    from qgnas.graph import nas_bench_graph

    monkeypatch.setattr(nas_bench_graph, "load_table", forbidden)
    monkeypatch.setattr(nas_bench_graph.NASBenchGraphEvaluator, "_evaluate", forbidden)
    blind = train_encoder(space, seed=1, progress=False, **small)
    for p, q in zip(intact.model.state_dict().values(), blind.model.state_dict().values(), strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--space", "transformer"], "unknown --space 'transformer'"),
        (["--space", "circuit", "--latent", "0"], "--latent must be a positive integer, got 0"),
        (["--space", "circuit", "--qubits", "0"], "--qubits must be a positive integer"),
        (["--space", "nas-bench-graph", "--dataset", "mnist"], "unknown NAS-Bench-Graph dataset 'mnist'"),
    ],
)
def test_encode_cli_bad_input_exits_2_with_one_line(argv, message, tmp_path, capsys):
    assert main(["encode", "train", *argv, "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_encode_cli_writes_checkpoint_metrics_and_plot(tmp_path, capsys):
    out = tmp_path / "enc"
    argv = ["encode", "train", "--space", "circuit", "--qubits", "2", "--max-gates", "2", "--epochs", "2"]
    assert main([*argv, "--seed", "0", "--out", str(out), "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for name in (
        "op_accuracy",
        "adj_accuracy",
        "validity",
        "uniqueness",
        "novelty",
        "distance_spearman",
        "train_seconds",
    ):
        assert name in metrics
    assert json.loads(capsys.readouterr().out.split("\nwrote")[0]) == metrics
    assert (out / "model.pt").is_file() and (out / "latent.png").is_file()
    assert load_encoder(out).space.name == "circuit/2q/L2"
