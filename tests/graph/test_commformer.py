"""CommFormer policy: top-k graph, straight-through gradients, schedule, masked attention, gate, seeds."""

from __future__ import annotations

import math

import pytest
import torch

from qgnas.graph.commformer import (
    CommFormerConfig,
    CommFormerPolicy,
    CommGraph,
    EdgeSchedule,
    GraphAttention,
    TemporalGate,
    bilevel_target,
    check_sparsity,
    gate_adjacency,
    incoming_edges,
    topk_straight_through,
)

OBS_DIM = 52  # predator-prey 5x5, vision 1: 3*3*3 window channels + 25 own-cell one-hot


def policy(n_agents: int = 3, **kw) -> CommFormerPolicy:
    return CommFormerPolicy(CommFormerConfig(n_agents=n_agents, obs_dim=OBS_DIM, d_model=16, **kw))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
@pytest.mark.parametrize("sparsity", [0.1, 0.2, 0.4, 0.6, 1.0])
def test_topk_gives_exactly_k_incoming_edges_plus_self_loop(n, sparsity):
    k = incoming_edges(n, sparsity)
    assert k == min(max(math.floor(n * sparsity + 1e-9), 1), n - 1)
    torch.manual_seed(n)
    for _ in range(50):
        logits = torch.randn(n, n) * 3
        for noisy in (True, False):
            adjacency, hard = topk_straight_through(logits, k, noisy=noisy)
            assert torch.equal(hard.diagonal(), torch.ones(n))
            assert torch.equal((hard * (1 - torch.eye(n))).sum(-1), torch.full((n,), float(k)))
            assert torch.allclose(adjacency, hard)  # forward value is the hard graph
            assert torch.equal(adjacency != 0, hard != 0)  # absent edges are exact zeros


def test_learned_graph_counts_its_edges():
    graph = CommGraph(10, 0.4)
    graph.set_progress(0.5)
    sample = graph()
    assert graph.k == 4 and graph.comm_edges() == 40
    assert torch.equal((sample != 0).sum(-1), torch.full((10,), 5))
    assert CommGraph(5, 0.4, mode="full").comm_edges() == 20
    assert CommGraph(5, 0.4, mode="none").comm_edges() == 0
    assert CommGraph(5, 0.4, mode="random").comm_edges() == 10


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.01, 2, float("nan"), float("inf"), "0.4", True, None])
def test_sparsity_outside_unit_interval_is_rejected(bad):
    with pytest.raises(ValueError, match=r"sparsity=.* is not allowed: expected a number in \(0, 1\]"):
        check_sparsity(bad)
    with pytest.raises(ValueError, match="sparsity="):
        policy(sparsity=bad)


def test_schedule_moves_with_training_progress():
    schedule = EdgeSchedule(warmup=0.1, post_stable=0.8)
    assert [schedule.phase(p) for p in (0.0, 0.09, 0.1, 0.5, 0.79, 0.8, 1.0)] == [
        "continuous",
        "continuous",
        "gumbel",
        "gumbel",
        "gumbel",
        "deterministic",
        "deterministic",
    ]
    graph = CommGraph(5, 0.4, schedule=schedule)
    graph.edge_logits.data = torch.randn(5, 5)
    seen = {}
    for step in (0, 50_000, 900_000, 1_000_000, 1_100_000):  # the last overshoots: progress 1
        graph.set_progress(step=step, total=1_000_000)
        seen[step] = (graph.phase, graph())
    assert seen[0][0] == "continuous"
    continuous = seen[0][1]
    assert (continuous > 0).all() and ((continuous > 0) & (continuous < 1)).any()  # every edge, soft
    assert seen[900_000][0] == "deterministic" and seen[1_100_000][0] == "deterministic"
    assert torch.allclose(seen[900_000][1], graph.hard_adjacency())
    graph.set_progress(0.5)
    draws = {tuple(graph().flatten().round().tolist()) for _ in range(30)}
    assert graph.phase == "gumbel" and len(draws) > 1  # sampled, not fixed
    assert float(graph.state_dict()["progress"]) == 0.5  # a checkpoint resumes the schedule
    graph.eval()
    assert graph.phase == "deterministic"
    with pytest.raises(ValueError, match="progress=1.5"):
        graph.set_progress(1.5)


@pytest.mark.parametrize("progress", [0.0, 0.5])
def test_straight_through_gradients_reach_edge_logits(progress):
    torch.manual_seed(0)
    net = policy(n_agents=4, sparsity=0.5, post_stable=0.9)
    net.set_progress(progress)
    obs = torch.rand(8, 4, OBS_DIM)
    out, value = net(obs)
    (out.logits.square().sum() + value.sum()).backward()
    grad = net.actor.graph.edge_logits.grad
    assert grad is not None and grad.abs().sum() > 0
    groups = net.parameter_groups()
    assert groups["edges"] == [net.actor.graph.edge_logits]
    assert len(groups["model"]) == len(list(net.parameters())) - 1
    assert policy(graph="full").parameter_groups()["edges"] == []


def test_relation_attention_matches_its_update_rule():
    torch.manual_seed(0)
    attention = GraphAttention(d_model=8, heads=2)
    x, a = torch.randn(3, 4, 8), torch.rand(4, 4)
    q, k, v = (t.unflatten(-1, (2, 4)) for t in attention.qkv(x).chunk(3, -1))  # [B, n, h, dh]
    e0, e1 = attention.relation.weight.unflatten(-1, (2, 4))
    r = e0 + a[..., None, None] * (e1 - e0)  # [n, n, h, dh]
    scores = ((q[:, :, None] + r) * (k[:, None] + r)).sum(-1) / 2.0  # [B, i, j, h]
    weights = torch.softmax(scores, dim=2) * a[None, :, :, None]
    expected = attention.out(torch.einsum("bijh,bjhd->bihd", weights, v).flatten(-2))
    assert torch.allclose(attention(x, a), expected, atol=1e-5)


def test_attention_ignores_non_neighbours():
    torch.manual_seed(1)
    net = policy(n_agents=5, sparsity=0.4).eval()  # deterministic top-k: a hard graph
    net.actor.graph.edge_logits.data = torch.randn(5, 5)
    hard = net.actor.graph.hard_adjacency()
    obs = torch.rand(2, 5, OBS_DIM)
    base = net.actor(obs).logits
    for receiver in range(5):
        for sender in range(5):
            if hard[receiver, sender]:
                continue
            changed = obs.clone()
            changed[:, sender] = torch.rand(2, OBS_DIM)
            assert torch.allclose(net.actor(changed).logits[:, receiver], base[:, receiver], atol=1e-6)
    neighbour = int((hard[0] * (1 - torch.eye(5)[0])).argmax())
    changed = obs.clone()
    changed[:, neighbour] = torch.rand(2, OBS_DIM)
    assert not torch.allclose(net.actor(changed).logits[:, 0], base[:, 0])


def test_gate_penalty_open_fraction_and_closed_receivers():
    torch.manual_seed(2)
    gate = TemporalGate(OBS_DIM, cost=0.5)
    obs = torch.rand(64, 3, OBS_DIM)
    out = gate(obs)
    assert set(out.open.unique().tolist()) <= {0.0, 1.0}
    assert out.open_fraction == pytest.approx(float(out.open.detach().mean()))
    assert out.penalty.item() == pytest.approx(0.5 * out.prob.mean().item())
    out.penalty.backward()
    assert all(p.grad is not None for p in gate.parameters())
    with torch.no_grad():
        gate.net[-1].bias.fill_(-50.0)  # always closed
    closed = gate(obs)
    assert closed.open_fraction == 0.0
    adjacency = gate_adjacency(torch.ones(3, 3), closed.open)
    assert torch.equal(adjacency, torch.eye(3).expand(64, 3, 3))  # only self-loops remain
    with pytest.raises(ValueError, match="cost=-1"):
        TemporalGate(OBS_DIM, cost=-1)


def test_closed_gate_cuts_incoming_messages_in_the_policy():
    torch.manual_seed(3)
    net = policy(graph="full", gate=True).eval()
    with torch.no_grad():
        net.actor.gate.net[-1].bias.fill_(-50.0)
    obs = torch.rand(4, 3, OBS_DIM)
    out = net.actor(obs)
    assert out.gate.open_fraction == 0.0 and out.penalty.item() >= 0.0
    changed = obs.clone()
    changed[:, 1:] = torch.rand(4, 2, OBS_DIM)
    assert torch.allclose(net.actor(changed).logits[:, 0], out.logits[:, 0], atol=1e-6)


def test_bilevel_alternation():
    assert [bilevel_target(e) for e in range(10)] == ["model"] * 4 + ["edges"] + ["model"] * 4 + ["edges"]
    net = policy()
    optimizers = net.optimizers()
    assert optimizers["edges"].param_groups[0]["lr"] == 1e-4
    assert optimizers["model"].param_groups[0]["lr"] == 5e-4
    assert policy(graph="none").optimizers()["edges"] is None


def test_seeded_reproduction():
    def run(seed: int) -> list[torch.Tensor]:
        torch.manual_seed(seed)
        net = policy(gate=True, warmup=0.0)
        net.set_progress(0.3)
        obs = torch.rand(5, 3, OBS_DIM)
        out, value = net(obs)
        actions, logp = net.act(obs)
        return [out.logits, out.adjacency, value, actions, logp]

    for a, b in zip(run(7), run(7), strict=True):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(run(7), run(8), strict=True))
    random_graphs = [CommGraph(6, 0.4, "random", seed=s).hard_adjacency() for s in (1, 1, 2)]
    assert torch.equal(random_graphs[0], random_graphs[1])
