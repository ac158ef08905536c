"""The model builder (every attention/aggregation/activation trains a step) and the sharing rule."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from qgnas.graph.autognn_space import ACTIVATIONS, AGGREGATIONS, ATTENTIONS, GNNArch, LayerSpec
from qgnas.graph.model import build_model, count_parameters, inheritable_state

from .conftest import small_arch


def _train_step(model, g) -> tuple[float, float]:
    opt = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(g.x, g.edge_index)[g.train_mask], g.y[g.train_mask])
    loss.backward()
    opt.step()
    changed = sum(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
    return float(loss.detach()), changed / len(before)


CASES = (
    [("attention", a) for a in ATTENTIONS]
    + [("aggregation", a) for a in AGGREGATIONS]
    + [("activation", a) for a in ACTIVATIONS]
)


@pytest.mark.parametrize("field, value", CASES, ids=[f"{f}={v}" for f, v in CASES])
def test_every_choice_builds_and_trains_a_step(cora, field, value):
    arch = small_arch(**{field: value}, skip=True)
    g = cora[0]
    model = build_model(arch, g.num_features, cora.num_classes)
    assert model(g.x, g.edge_index).shape == (g.num_nodes, 7)
    loss, changed = _train_step(model, g)
    assert torch.isfinite(torch.tensor(loss))
    assert changed == 1.0  # every parameter received a gradient and moved


def test_skip_is_identity_or_projection_and_batch_norm_is_optional(cora):
    g = cora[0]
    wide = GNNArch(
        (LayerSpec("gcn", "sum", "relu", 2, 8, True), LayerSpec("gcn", "sum", "linear", 1, None, True))
    )
    model = build_model(wide, g.num_features, 7, batch_norm=True)
    assert isinstance(model.skips["0"], torch.nn.Linear) and model.skips["0"].weight.shape == (16, 1433)
    assert isinstance(model.skips["1"], torch.nn.Linear) and model.skips["1"].weight.shape == (7, 16)
    assert len(model.bns) == 2
    _train_step(model, g)
    same = GNNArch(
        (LayerSpec("gcn", "sum", "relu", 1, 16, False), LayerSpec("gcn", "sum", "relu", 1, 16, True))
    )
    # a layer whose output width equals its input's: identity skip (inner layer of a 3-layer net)
    three = GNNArch((same.layers[0], same.layers[1], LayerSpec("gat", "sum", "linear", 1, None, False)))
    assert isinstance(build_model(three, 1433, 7).skips["1"], torch.nn.Identity)
    assert count_parameters(build_model(three, 1433, 7)) > 0


def test_sparse_fast_path_matches_dense_in_eval(cora):
    g = cora[0]
    model = build_model(small_arch("gat", skip=True), g.num_features, 7).eval()
    dense = model.convs[0](g.x, g.edge_index)
    sparse = model.convs[0](g.x.to_sparse_csr(), g.edge_index)
    torch.testing.assert_close(sparse, dense, rtol=1e-4, atol=1e-5)


def _shared_layers(parent: GNNArch, child: GNNArch, batch_norm: bool = False) -> tuple:
    torch.manual_seed(0)
    p = build_model(parent, 1433, 7, batch_norm=batch_norm)
    c = build_model(child, 1433, 7, batch_norm=batch_norm)
    return {k.split(".")[1] for k in inheritable_state(parent, p.state_dict(), child, c)}, p, c


def _arch(l1: dict, l2: dict | None = None) -> GNNArch:
    base1 = dict(attention="gat", aggregation="sum", activation="elu", heads=4, hidden=8, skip=True)
    base2 = dict(attention="gat", aggregation="sum", activation="linear", heads=2, hidden=None, skip=True)
    return GNNArch((LayerSpec(**{**base1, **l1}), LayerSpec(**{**base2, **(l2 or {})})))


def test_homogeneous_layers_inherit_and_copy_exact_weights():
    parent = _arch({})
    layers, p, c = _shared_layers(parent, _arch({"aggregation": "mean"}, {"heads": 4}))
    assert layers == {"0"}  # layer 1 differs only in the aggregator (same shapes): shared
    shared = inheritable_state(parent, p.state_dict(), _arch({"aggregation": "mean"}, {"heads": 4}), c)
    for k, v in shared.items():
        assert torch.equal(v, p.state_dict()[k])
    assert {k for k in shared} == {k for k in p.state_dict() if k.startswith("convs.0.")}


@pytest.mark.parametrize(
    "l1, l2, expected",
    [
        ({}, {}, {"0", "1"}),
        ({"attention": "cos"}, {}, {"1"}),  # attention differs
        ({"activation": "relu"}, {}, {"1"}),  # activation differs
        ({"hidden": 16}, {}, set()),  # shapes differ in layer 1, and so layer 2's input width
        ({"heads": 2, "hidden": 16}, {}, {"1"}),  # same output width: layer 2 still homogeneous
        ({"aggregation": "mlp"}, {}, {"1"}),  # mlp weights in the child only: not the same shapes
        ({}, {"activation": "elu"}, {"0"}),
        ({}, {"attention": "gcn"}, {"0"}),
    ],
)
def test_only_homogeneous_layers_inherit(l1, l2, expected):
    assert _shared_layers(_arch({}), _arch(l1, l2))[0] == expected


def test_batch_norm_and_skip_weights_are_never_shared():
    parent = _arch({})
    _, p, c = _shared_layers(parent, parent, batch_norm=True)
    state = p.state_dict()
    assert any(k.startswith("bns.") for k in state) and any(k.startswith("skips.") for k in state)
    shared = inheritable_state(parent, state, parent, c)
    assert shared and all(k.startswith("convs.") for k in shared)


def _warn_from_one_place():
    warnings.warn("a show-once warning from one place", UserWarning, stacklevel=1)


def test_forward_passes_leave_the_warning_registry_alone(cora):
    # a catch_warnings() inside forward() resets Python's registry of shown warnings: every library
    # warning meant to show once per place (PyG's on CUDA) then repeats on every epoch
    g = cora[0]
    model = build_model(small_arch("gcn"), g.num_features, 7)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        _warn_from_one_place()
        model(g.x, g.edge_index)
        model(g.x, g.edge_index)
        _warn_from_one_place()
    assert [str(w.message) for w in seen] == ["a show-once warning from one place"]
