"""SearchConv: name resolution, every attention x aggregator, agreement with PyG's GATConv."""

from __future__ import annotations

import pytest
import torch

from qgnas.graph.layers import ACTIVATION, AGGREGATION, ATTENTION, SearchConv


@pytest.mark.parametrize("name", ["gat", "GAT", "gat-conv", "GATConv", "gat_conv"])
def test_attention_names_resolve(name):
    assert ATTENTION(name) == "gat"


def test_aliases_and_unknown_names():
    assert ATTENTION("gat-sym") == ATTENTION("SymGAT") == "sym-gat"
    assert ATTENTION("generalized_linear") == "generalized-linear"
    assert AGGREGATION("add") == "sum" and ACTIVATION("Leaky-ReLU") == "leaky_relu"
    with pytest.raises(ValueError, match=r"unknown attention 'sage'; allowed: const, gcn, gat, sym-gat"):
        ATTENTION("sage")
    with pytest.raises(ValueError, match="unknown aggregation 'median'; allowed: sum, mean, max, mlp"):
        SearchConv(4, 4, aggregation="median")


def _graph(n: int = 9, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    src = torch.randint(0, n, (20,), generator=g)
    dst = torch.randint(0, n, (20,), generator=g)
    return x, torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])


@pytest.mark.parametrize("attention", ATTENTION.names)
@pytest.mark.parametrize("aggregation", AGGREGATION.names)
def test_every_attention_and_aggregator_runs_forward_and_backward(attention, aggregation):
    x, edge_index = _graph()
    for concat, width in ((True, 3 * 4), (False, 4)):
        conv = SearchConv(
            5, 4, heads=3, concat=concat, attention=attention, aggregation=aggregation, dropout=0.5
        )
        out = conv(x, edge_index)
        assert out.shape == (9, width)
        out.square().sum().backward()
        grads = [p.grad for p in conv.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        conv.eval()
        assert torch.equal(conv(x, edge_index), conv(x, edge_index))  # no dropout in eval


def test_gat_matches_pyg_gatconv():
    from torch_geometric.nn import GATConv

    x, edge_index = _graph(seed=1)
    ours = SearchConv(5, 4, heads=3, attention="gat", aggregation="sum").eval()
    ref = GATConv(5, 4, heads=3).eval()
    with torch.no_grad():
        ref.lin.weight.copy_(ours.lin.weight)
        ref.att_src.copy_(ours.att_src)
        ref.att_dst.copy_(ours.att_dst)
        ref.bias.copy_(torch.randn(12))
        ours.bias.copy_(ref.bias)
    torch.testing.assert_close(ours(x, edge_index), ref(x, edge_index))


def test_gcn_attention_matches_pyg_gcnconv():
    from torch_geometric.nn import GCNConv

    x, edge_index = _graph(seed=2)
    ours = SearchConv(5, 4, heads=1, attention="gcn", aggregation="sum").eval()
    ref = GCNConv(5, 4).eval()
    with torch.no_grad():
        ref.lin.weight.copy_(ours.lin.weight)
        ref.bias.zero_()
    torch.testing.assert_close(ours(x, edge_index), ref(x, edge_index))


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_sparse_csr_input_gives_the_dense_result():
    x, edge_index = _graph(seed=3)
    x = torch.where(x > 1.0, x, torch.zeros_like(x))
    conv = SearchConv(5, 4, heads=2, attention="cos", aggregation="mean").eval()
    torch.testing.assert_close(conv(x.to_sparse_csr(), edge_index), conv(x, edge_index))


def test_value_dropout_masks_each_source_once_and_only_while_training():
    # nodes 1 and 2 have zero features and one neighbour, node 0: with const attention and a sum, each
    # receives exactly node 0's transformed features, through the same mask (GAT drops seq_fts per node)
    x = torch.zeros(3, 5)
    x[0] = torch.randn(5)
    edge_index = torch.tensor([[0, 0], [1, 2]])
    conv = SearchConv(5, 4, heads=3, attention="const", aggregation="sum", bias=False, value_dropout=0.5)
    torch.manual_seed(0)
    out = conv(x, edge_index)
    h0 = conv.lin(x[0])
    torch.testing.assert_close(out[1], out[2])
    kept = out[1] != 0
    assert 0 < kept.sum() < 12  # some of the 12 features dropped, some kept (scaled by 2)
    torch.testing.assert_close(out[1][kept], 2 * h0[kept])
    conv.eval()
    torch.testing.assert_close(conv(x, edge_index)[1], h0)
    with pytest.raises(ValueError, match=r"value_dropout=1.0 must be in \[0, 1\)"):
        SearchConv(5, 4, value_dropout=1.0)
