"""The communication graph as a search space: round trips, the k-edge budget, the graph view's checks,
searchers driving it through the Runner, and a seeded short-training evaluator."""

from __future__ import annotations

import itertools
import json
import math
import pickle

import numpy as np
import pytest
import torch

from qgnas.core import ArchGraph, InvalidArchitecture, Result, Runner, read_log
from qgnas.graph.commformer import (
    CommGraph,
    CommGraphArch,
    CommGraphEvaluator,
    CommGraphSpace,
    commgraph_task,
)
from qgnas.searchers import make_searcher

# one update of 4 grids x 20 steps: the 5x5 episode limit, so every grid ends one episode
TINY = {"steps": 80, "envs": 4, "rollout": 20}


def round_trip(space: CommGraphSpace, arch: CommGraphArch) -> None:
    assert space.decode(space.encode(arch)) == arch
    assert space.from_graph(space.to_graph(arch)) == arch
    assert space.from_json(json.loads(json.dumps(space.to_json(arch)))) == arch
    assert space.key(space.from_json(space.to_json(arch))) == space.key(arch)
    graph = space.to_graph(arch)
    n = space.n_agents
    assert graph.adjacency.shape == (space.graph_size(),) * 2
    assert not np.tril(graph.adjacency).any()  # a DAG in topological order, as the encoders read it
    assert (graph.adjacency[:n, n:].sum(0) == space.k).all()  # exactly k in-edges per receiver
    adj = arch.adjacency()
    assert (adj.diagonal() == 1).all() and (adj.sum(1) == space.k + 1).all()


def test_every_architecture_of_three_agents_round_trips():
    space = CommGraphSpace(3, 0.4)
    assert space.k == 1 and space.size() == 8 and space.name == "commgraph-n3-s0.4"
    archs = list(space.enumerate())
    assert len(archs) == 8 and len({space.key(a) for a in archs}) == 8
    for arch in archs:
        round_trip(space, arch)
    assert space.config() == {"n_agents": 3, "sparsity": 0.4}
    assert CommGraphSpace(**space.config()).decisions() == space.decisions()


def test_sampled_architectures_of_five_agents_round_trip_and_mutate():
    space = CommGraphSpace(5, 0.4)
    assert space.k == 2 and space.size() == math.comb(4, 2) ** 5 and space.graph_size() == 10
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        round_trip(space, arch)
        child = space.mutate(arch, rng)
        assert space.key(child) != space.key(arch)
        assert sum(a != b for a, b in zip(arch.senders, child.senders, strict=True)) == 1


def test_sender_sets_follow_the_combinations_order():
    space = CommGraphSpace(4, 0.5)
    assert space.decisions()[1].choices == tuple(itertools.combinations((0, 2, 3), 2))


@pytest.mark.parametrize(
    ("senders", "match"),
    [
        (((1,), (2,)), "3 receivers"),
        (((1, 2), (2,), (0,)), "exactly k=1"),
        (((0,), (2,), (0,)), "lists itself"),
        (((5,), (2,), (0,)), "agents are 0..2"),
        ((("a",), (2,), (0,)), "not agent indices"),
    ],
)
def test_invalid_architectures_are_named(senders, match):
    with pytest.raises(InvalidArchitecture, match=match):
        CommGraphSpace(3, 0.4).validate(CommGraphArch(senders))


def test_from_graph_rejects_what_to_graph_cannot_produce():
    space = CommGraphSpace(4, 0.5)
    graph = space.to_graph(space.sample(np.random.default_rng(1)))

    def broken(edit) -> ArchGraph:
        adj = graph.adjacency.copy()
        edit(adj)
        return ArchGraph(graph.ops.copy(), adj, graph.op_names)

    receiver = 4 + 2
    missing = [j for j in range(4) if j != 2 and graph.adjacency[j, receiver] == 0][0]

    def extra(adj):
        adj[missing, receiver] = 1

    def drop(adj):
        adj[int(np.flatnonzero(adj[:4, receiver])[0]), receiver] = 0

    with pytest.raises(InvalidArchitecture, match="receiver 2 has 3 incoming edges: expected exactly k=2"):
        space.from_graph(broken(extra))
    with pytest.raises(InvalidArchitecture, match="receiver 2 has 1 incoming edges"):
        space.from_graph(broken(drop))
    with pytest.raises(InvalidArchitecture, match="sends to itself"):
        space.from_graph(broken(lambda adj: adj.__setitem__((1, 5), 1)))
    with pytest.raises(InvalidArchitecture, match="not from a sender"):
        space.from_graph(broken(lambda adj: adj.__setitem__((4, 6), 1)))
    with pytest.raises(InvalidArchitecture, match="has 8 nodes"):
        space.from_graph(ArchGraph(graph.ops[:6], graph.adjacency[:6, :6], graph.op_names))
    with pytest.raises(InvalidArchitecture, match="node ops"):
        space.from_graph(ArchGraph(graph.ops[::-1].copy(), graph.adjacency, graph.op_names))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_agents": 1}, "n_agents=1"),
        ({"n_agents": 3.0}, "n_agents=3.0"),
        ({"n_agents": 3, "sparsity": 0.0}, "sparsity=0.0"),
        ({"n_agents": 3, "sparsity": 1.5}, "sparsity=1.5"),
    ],
)
def test_bad_space_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CommGraphSpace(**kwargs)


def test_bad_evaluator_arguments_are_rejected():
    with pytest.raises(ValueError, match="objective="):
        CommGraphEvaluator(objective="reward")
    with pytest.raises(ValueError, match="steps="):
        CommGraphEvaluator(steps=0)


def test_set_fixed_installs_the_graph_and_checks_the_budget():
    graph = CommGraph(3, 0.4, mode="random")
    arch = CommGraphArch(((2,), (0,), (1,)))
    graph.set_fixed(torch.as_tensor(arch.adjacency()))
    assert torch.equal(graph(), torch.as_tensor(arch.adjacency(), dtype=torch.float32))
    with pytest.raises(ValueError, match="expected k=1"):
        graph.set_fixed(torch.ones(3, 3))
    with pytest.raises(ValueError, match="diagonal"):
        graph.set_fixed(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="mode 'random'"):
        CommGraph(3, 0.4, mode="learned").set_fixed(torch.eye(3))


def test_seeded_evaluation_reproduces_and_the_graph_matters():
    evaluator = pickle.loads(pickle.dumps(CommGraphEvaluator(seed=3, **TINY)))
    space = evaluator.space
    a, b = CommGraphArch(((1,), (0,), (0,))), CommGraphArch(((2,), (2,), (1,)))
    first, again, other = evaluator(a), evaluator(a), evaluator(b)
    assert first.ok, first.message
    assert set(first.metrics) >= {"success_rate", "mean_episode_length", "env_steps", "mean_return"}
    assert first.metrics["env_steps"] == 80 and first.objective == first.metrics["success_rate"]
    same = {k: v for k, v in first.metrics.items() if k != "train_seconds"}
    assert same == {k: v for k, v in again.metrics.items() if k != "train_seconds"}
    assert other.metrics["mean_return"] != first.metrics["mean_return"]  # the fixed graph is trained
    assert space.key(a) != space.key(b)


def test_a_failed_training_is_a_failed_result():
    # rollout 10 < the 20-step episode limit: no episode ends, so there is no success rate to report
    result = CommGraphEvaluator(steps=40, envs=4, rollout=10)(CommGraphArch(((1,), (0,), (0,))))
    assert not result.ok and "no episode ended" in result.message
    assert not CommGraphEvaluator(**TINY)(CommGraphArch(((1, 2), (0,), (0,)))).ok


@pytest.mark.parametrize("searcher", ["random", "evolution", "bo"])
def test_searchers_run_on_the_space(tmp_path, searcher):
    task = commgraph_task(**TINY)
    outcome = Runner(
        task.space,
        task.evaluator,
        lambda space, rng: make_searcher(searcher, space, rng),
        budget=3,
        seed=0,
        run_dir=tmp_path,
        progress=False,
    ).run()
    records = read_log(tmp_path / "run.jsonl")
    assert outcome.status == "complete" and len(records) == 3
    assert len({r.key for r in records}) == 3
    assert all(r.result.ok for r in records), [r.result.message for r in records]
    for r in records:
        assert task.space.key(task.space.from_json(r.arch)) == r.key


def test_latent_searchers_search_the_graph_view():
    from qgnas.encoders import train_encoder

    space = CommGraphSpace(4, 0.5)
    encoder = train_encoder(space, samples=200, epochs=4, prior_samples=200, progress=False)
    for name in ("gae-bo", "gae-rl"):
        searcher = make_searcher(name, space, np.random.default_rng(0), encoder=encoder)
        keys = set()
        for _ in range(4):
            arch = space.validate(searcher.ask())
            keys.add(space.key(arch))
            searcher.tell(arch, Result(objective=float(sum(map(sum, arch.senders)))))
        assert len(keys) == 4, name
