"""The graph half on a CUDA device: every layer variant trains there, training there reaches the CPU's
accuracy, and the evaluator and CLI take ``device="cuda"``. Skipped without a GPU (run with ``-m gpu``;
``benchmarks/gnn_gpu_check.sh`` runs them on a GPU machine)."""

from __future__ import annotations

import statistics

import pytest
import torch
import torch.nn.functional as F

from qgnas.graph.autognn_space import ACTIVATIONS, AGGREGATIONS, ATTENTIONS
from qgnas.graph.model import build_model
from qgnas.graph.trainer import GNNTrainingEvaluator, train_node_classifier

from .conftest import small_arch

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

CASES = [(att, agg) for att in ATTENTIONS for agg in AGGREGATIONS]


@pytest.mark.parametrize("attention, aggregation", CASES, ids=[f"{a}-{g}" for a, g in CASES])
def test_every_attention_and_aggregator_trains_a_step_on_cuda(cora, attention, aggregation):
    g = cora[0].to("cuda")
    model = build_model(small_arch(attention, aggregation, skip=True), g.num_features, 7).cuda()
    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    out = model(g.x, g.edge_index)
    assert out.device.type == "cuda" and out.shape == (g.num_nodes, 7)
    loss = F.cross_entropy(out[g.train_mask], g.y[g.train_mask])
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    opt.step()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_runs_on_cuda(cora, activation):
    g = cora[0].to("cuda")
    model = build_model(small_arch("gcn", activation=activation), g.num_features, 7).cuda()
    assert torch.isfinite(model(g.x, g.edge_index)).all()


def test_cuda_training_reaches_the_cpu_accuracy(cora):
    # CUDA's scatter sums run in another order, so seeds do not give the CPU's numbers bit for bit;
    # what must hold is the accuracy: the means over 4 seeds agree within 2 points and both learn Cora
    arch = small_arch("gat", heads=8, hidden=8)
    runs = {
        dev: [train_node_classifier(arch, cora, seed=s, device=dev) for s in range(4)]
        for dev in ("cpu", "cuda")
    }
    test = {dev: statistics.mean(r.test_acc for r in rs) for dev, rs in runs.items()}
    assert test["cpu"] > 0.78 and test["cuda"] > 0.78, test
    assert abs(test["cuda"] - test["cpu"]) < 0.02, test
    assert runs["cpu"][0].params == runs["cuda"][0].params


def test_evaluator_trains_on_cuda(planetoid_root):
    ev = GNNTrainingEvaluator("Cora", epochs=20, device="cuda", data_root=planetoid_root)
    result = ev(small_arch("gcn"))
    assert result.ok, result.message
    assert 0 < result.objective <= 100 and result.metrics["params"] > 0
