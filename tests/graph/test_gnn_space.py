"""The Auto-GNN macro space: decisions, JSON and graph round trips, clear errors for malformed archs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgnas.core import InvalidArchitecture
from qgnas.graph.autognn_space import ATTENTIONS, AutoGNNSpace, GNNArch, LayerSpec


def test_decisions_follow_graphnas_order_and_drop_the_last_hidden():
    space = AutoGNNSpace()
    names = [d.name for d in space.decisions()]
    assert names[:6] == [
        f"layer1.{f}" for f in ("attention", "aggregation", "activation", "heads", "hidden", "skip")
    ]
    assert names[6:] == [f"layer2.{f}" for f in ("attention", "aggregation", "activation", "heads", "skip")]
    assert space.decision_classes()[6:] == ["attention", "aggregation", "activation", "heads", "skip"]
    assert space.size() == (7 * 4 * 8 * 6 * 7 * 2) * (7 * 4 * 8 * 6 * 2)
    assert len(AutoGNNSpace(3).decisions()) == 17


def test_encode_decode_json_and_graph_round_trips():
    rng = np.random.default_rng(0)
    for layers in (1, 2, 3):
        space = AutoGNNSpace(layers)
        for _ in range(50):
            arch = space.sample(rng)
            assert space.decode(space.encode(arch)) == arch
            assert space.from_json(json.loads(json.dumps(space.to_json(arch)))) == arch
            assert space.from_json(json.dumps(space.to_json(arch))) == arch
            graph = space.to_graph(arch)
            assert graph.adjacency.shape[0] == len(graph.ops)
            assert np.all(np.tril(graph.adjacency) == 0)  # a DAG in topological order
            assert space.from_graph(graph) == arch


def test_layers_are_nodes_of_the_graph():
    space = AutoGNNSpace()
    arch = space.sample(np.random.default_rng(1))
    g = space.to_graph(arch)
    labels = [g.op_names[i] for i in g.ops]
    assert labels[0] == "input" and labels[-1] == "output"
    assert [lab for lab in labels if lab.startswith("attention:")] == [
        f"attention:{s.attention}" for s in arch.layers
    ]


def test_last_layer_hidden_may_be_omitted_in_json():
    space = AutoGNNSpace()
    obj = {
        "layers": [
            {
                "attention": "gat",
                "aggregation": "sum",
                "activation": "elu",
                "heads": 8,
                "hidden": 8,
                "skip": True,
            },
            {"attention": "gat", "aggregation": "mean", "activation": "linear", "heads": 1},
        ]
    }
    arch = space.from_json(obj)
    assert arch.layers[1].hidden is None and arch.layers[1].skip is False


GOOD = {
    "attention": "gcn",
    "aggregation": "sum",
    "activation": "relu",
    "heads": 1,
    "hidden": 16,
    "skip": False,
}
LAST = {"attention": "gcn", "aggregation": "sum", "activation": "linear", "heads": 1, "hidden": None}


@pytest.mark.parametrize(
    "change, pattern",
    [
        (
            {"attention": "transformer"},
            r"layers\[0\]\.attention = 'transformer'.*allowed: 'const', 'gcn', 'gat'",
        ),
        ({"aggregation": "median"}, r"layers\[0\]\.aggregation = 'median'.*'sum', 'mean', 'max', 'mlp'"),
        ({"activation": "gelu"}, r"layers\[0\]\.activation = 'gelu'.*'leaky_relu'"),
        ({"heads": 3}, r"layers\[0\]\.heads = 3.*allowed: 1, 2, 4, 6, 8, 16"),
        ({"hidden": 100}, r"layers\[0\]\.hidden = 100.*allowed: 4, 8, 16, 32, 64, 128, 256"),
        ({"hidden": "16"}, r"layers\[0\]\.hidden = '16'"),
        ({"skip": "yes"}, r"layers\[0\]\.skip = 'yes'.*False, True"),
        ({"dropout": 0.5}, r"layers\[0\] has unknown key 'dropout'"),
    ],
)
def test_malformed_architecture_names_the_field_and_the_allowed_values(change, pattern):
    with pytest.raises(InvalidArchitecture, match=pattern):
        AutoGNNSpace().from_json({"layers": [{**GOOD, **change}, LAST]})


def test_structural_errors_are_clear():
    space = AutoGNNSpace()
    with pytest.raises(
        InvalidArchitecture, match=r"layers\[1\]\.hidden = 7: the last layer's width is the number"
    ):
        space.from_json({"layers": [GOOD, {**LAST, "hidden": 7}]})
    with pytest.raises(InvalidArchitecture, match="has 2 layers, the architecture has 1"):
        space.from_json({"layers": [LAST]})
    with pytest.raises(InvalidArchitecture, match=r"layers\[0\] lacks 'heads'"):
        space.from_json({"layers": [{k: v for k, v in GOOD.items() if k != "heads"}, LAST]})
    with pytest.raises(InvalidArchitecture, match="not valid JSON"):
        space.from_json("{layers")
    with pytest.raises(InvalidArchitecture, match="expected a GNNArch"):
        space.validate({"layers": []})
    with pytest.raises(InvalidArchitecture, match=r"layer1\.heads index 9 out of range 0..5"):
        space.decode([0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="layers must be a positive integer"):
        AutoGNNSpace(0)


def test_keys_identify_architectures():
    space = AutoGNNSpace()
    a = GNNArch((LayerSpec("gat", "sum", "elu", 8, 8, False), LayerSpec("gat", "sum", "linear", 1, None)))
    b = GNNArch((LayerSpec("gat", "sum", "elu", 8, 8, True), LayerSpec("gat", "sum", "linear", 1, None)))
    assert space.key(a) != space.key(b)
    assert set(ATTENTIONS) == {"const", "gcn", "gat", "sym-gat", "cos", "linear", "generalized-linear"}


def test_restricted_choices_shrink_the_space_and_are_named():
    space = AutoGNNSpace(2, {"heads": (8, 1, 2, 4), "hidden": (4, 8, 16, 32)})
    assert space.name == "autognn{heads=1,2,4,8;hidden=4,8,16,32}"
    assert space.size() == AutoGNNSpace(2).size() * 4 * 4 * 4 // (6 * 6 * 7)  # heads twice, hidden once
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        assert all(layer.heads <= 8 for layer in arch.layers) and arch.layers[0].hidden <= 32
        assert space.decode(space.encode(arch)) == arch
    wide = AutoGNNSpace(2).decode([0] * len(AutoGNNSpace(2).decisions()))
    wide = GNNArch((LayerSpec("gat", "sum", "elu", 16, 8), wide.layers[1]))
    with pytest.raises(InvalidArchitecture, match=r"heads = 16 is not allowed; allowed: 1, 2, 4, 8"):
        space.validate(wide)
    assert AutoGNNSpace(2, {"skip": (False, True)}).name == "autognn"  # the full set is no restriction


@pytest.mark.parametrize(
    "choices, match",
    [
        ({"heads": (3,)}, r"choices\['heads'\] = \[3\].*1, 2, 4, 6, 8, 16"),
        ({"width": (1,)}, "unknown Auto-GNN field"),
        ({"hidden": ()}, "non-empty"),
        ({"skip": (0,)}, r"choices\['skip'\]"),
    ],
)
def test_bad_choices_are_named(choices, match):
    with pytest.raises(ValueError, match=match):
        AutoGNNSpace(2, choices)


def test_a_fixed_output_activation_removes_the_last_activation_decision():
    space = AutoGNNSpace(2, {"heads": (1, 2, 4, 8)}, output_activation="linear")
    published = AutoGNNSpace(2, {"heads": (1, 2, 4, 8)})
    assert space.name == "autognn{heads=1,2,4,8;output-activation=linear}"
    assert "layer2.activation" not in [d.name for d in space.decisions()]
    assert "layer1.activation" in [d.name for d in space.decisions()]
    assert len(space.decision_classes()) == len(space.decisions()) == len(published.decisions()) - 1
    assert space.size() * 8 == published.size()
    rng = np.random.default_rng(3)
    for _ in range(50):
        arch = space.sample(rng)
        assert arch.layers[-1].activation == "linear"
        assert space.decode(space.encode(arch)) == arch
        assert space.from_json(space.to_json(arch)) == arch
        assert space.from_graph(space.to_graph(arch)) == arch  # the graph still shows the activation
        assert published.validate(arch) == arch  # a member of the published space
    relu = GNNArch((arch.layers[0], LayerSpec("gat", "sum", "relu", 1, None)))
    with pytest.raises(InvalidArchitecture, match=r"layers\[1\].activation = 'relu'.*fixes the last layer's"):
        space.validate(relu)
    # restricting the searched activations leaves the fixed one alone
    tanh = AutoGNNSpace(2, {"activation": ("tanh",)}, output_activation="linear")
    assert [s.activation for s in tanh.sample(rng).layers] == ["tanh", "linear"]
    with pytest.raises(
        ValueError, match=r"output_activation = 'softmax' is not an activation; allowed: 'sigmoid'"
    ):
        AutoGNNSpace(2, output_activation="softmax")
