"""``SearchConv``: the GraphNAS message-passing layer, one class for every attention and aggregator."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import add_self_loops, degree, remove_self_loops, softmax

from .resolver import AGGREGATION, ATTENTION

# attention types whose coefficients are normalised with a softmax over each node's neighbourhood
SOFTMAX_ATTENTIONS = frozenset({"gat", "sym-gat", "cos", "linear", "generalized-linear"})
# PyG's reduction for each aggregator; "mlp" sums messages after passing each through an MLP
_REDUCE = {"sum": "add", "mean": "mean", "max": "max", "mlp": "add"}


class SearchConv(MessagePassing):
    r"""The GraphNAS/Auto-GNN layer: one linear map, an attention variant, an aggregator, multi-head.

    .. math::
        \mathbf{h}_i = \mathbf{W}\mathbf{x}_i \ \text{(per head)},\qquad
        \mathbf{x}'_i = \big\Vert_{k=1}^{K} \ \operatorname{AGG}_{j \in \mathcal{N}(i) \cup \{i\}}
            \ \phi\big(\alpha^{k}_{ij}\, \mathbf{h}^{k}_j\big) \;+\; \mathbf{b}

    (or the mean over heads instead of the concatenation ``||``), with the attention coefficients of
    GraphNAS (Gao et al., 2020, Table 1), ``a_l``/``a_r`` learnable per head:

    ===================  ================================================================  =========
    ``const``            :math:`\alpha_{ij} = 1`                                            raw
    ``gcn``              :math:`\alpha_{ij} = 1/\sqrt{d_i d_j}` (degrees with self-loops)   raw
    ``gat``              :math:`\mathrm{LeakyReLU}(a_l^\top h_i + a_r^\top h_j)`            softmax
    ``sym-gat``          :math:`e_{ij} + e_{ji}` with :math:`e` the ``gat`` score            softmax
    ``cos``              :math:`\langle a_l \odot h_i,\ a_r \odot h_j \rangle`              softmax
    ``linear``           :math:`\tanh(a_r^\top h_j)`                                        softmax
    ``generalized-linear`` :math:`w^\top \tanh(a_l \odot h_i + a_r \odot h_j)`             softmax
    ===================  ================================================================  =========

    "softmax" scores are normalised over each target's neighbourhood (self-loop included); dropout is
    applied to the (normalised) coefficients while training, for every attention type, as in GAT.
    ``AGG`` is ``sum``, ``mean`` or ``max``, with :math:`\phi` the identity; ``mlp`` sums
    :math:`\phi(m) = W_2\,\mathrm{ReLU}(W_1 m)` (a per-message MLP shared by the heads, hidden width
    ``pool_dim``). GraphNAS also passes ``mean``/``max`` messages through that pooling MLP; we do not,
    so that those names mean the plain aggregators and only ``mlp`` carries MLP parameters.

    Self-loops are removed and re-added, so every node aggregates over itself and its neighbours.

    Args:
        in_channels: input features per node.
        out_channels: output features per head.
        heads: number of attention heads :math:`K`.
        concat: concatenate the heads (output ``heads * out_channels``) or average them (output
            ``out_channels``, what a last layer does).
        attention: attention type (resolved: ``"gat"``, ``"GAT"``, ``"gat-conv"`` are the same).
        aggregation: ``sum`` (alias ``add``), ``mean``, ``max`` or ``mlp``.
        dropout: dropout rate on the attention coefficients while training.
        value_dropout: dropout rate on the transformed features :math:`\mathbf{h}_j` that the
            coefficients weight, after the scores are computed (GAT's code drops ``seq_fts`` there with
            its input rate; GraphNAS does not). One mask per node and head, shared by all its messages.
        negative_slope: LeakyReLU slope of the ``gat``/``sym-gat`` scores.
        pool_dim: hidden width of the ``mlp`` aggregator's MLP.
        bias: add a learnable bias to the output.

    Shapes:
        - **input:** node features :math:`(N, F_{in})` (dense, or sparse CSR), edge indices :math:`(2, E)`
        - **output:** :math:`(N, K \cdot F_{out})` if ``concat`` else :math:`(N, F_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        heads: int = 1,
        concat: bool = True,
        attention: str = "gat",
        aggregation: str = "sum",
        dropout: float = 0.0,
        negative_slope: float = 0.2,
        pool_dim: int = 128,
        bias: bool = True,
        value_dropout: float = 0.0,
    ):
        attention, aggregation = ATTENTION(attention), AGGREGATION(aggregation)
        super().__init__(aggr=_REDUCE[aggregation], node_dim=0)
        self.attention, self.aggregation = attention, aggregation
        if in_channels <= 0 or out_channels <= 0 or heads <= 0:
            raise ValueError(
                f"in_channels, out_channels and heads must be positive, got {in_channels}, {out_channels}, {heads}"
            )
        self.in_channels, self.out_channels, self.heads = int(in_channels), int(out_channels), int(heads)
        self.concat, self.dropout, self.negative_slope = bool(concat), float(dropout), float(negative_slope)
        for name, rate in (("dropout", self.dropout), ("value_dropout", float(value_dropout))):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{name}={rate} must be in [0, 1)")
        self.value_dropout = float(value_dropout)
        self.lin = nn.Linear(in_channels, heads * out_channels, bias=False)
        # Only the parameters this attention/aggregator uses exist, so two layers have the same
        # parameter names and shapes exactly when they are interchangeable (what weight sharing checks).
        softmaxed = attention in SOFTMAX_ATTENTIONS
        self.att_src = nn.Parameter(torch.empty(1, heads, out_channels)) if softmaxed else None  # a_r (h_j)
        has_dst = softmaxed and attention != "linear"
        self.att_dst = nn.Parameter(torch.empty(1, heads, out_channels)) if has_dst else None  # a_l (h_i)
        self.gen_att = nn.Linear(out_channels, 1, bias=False) if attention == "generalized-linear" else None
        self.mlp = (
            nn.Sequential(nn.Linear(out_channels, pool_dim), nn.ReLU(), nn.Linear(pool_dim, out_channels))
            if aggregation == "mlp"
            else None
        )
        self.bias = (
            nn.Parameter(torch.empty(heads * out_channels if concat else out_channels)) if bias else None
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        nn.init.xavier_uniform_(self.lin.weight)
        for p in (self.att_src, self.att_dst):
            if p is not None:
                nn.init.xavier_uniform_(p)
        if self.gen_att is not None:
            self.gen_att.reset_parameters()
        if self.mlp is not None:
            for m in self.mlp:
                if isinstance(m, nn.Linear):
                    m.reset_parameters()
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        n = x.size(0)
        edge_index, _ = remove_self_loops(edge_index)
        edge_index, _ = add_self_loops(edge_index, num_nodes=n)
        # a sparse CSR input (bag-of-words features) is multiplied sparse x dense
        h = self.lin(x) if x.layout == torch.strided else x @ self.lin.weight.t()
        h = h.view(n, self.heads, self.out_channels)
        alpha = _SCORES[self.attention](self, h, edge_index)  # (E, heads)
        if self.attention in SOFTMAX_ATTENTIONS:
            alpha = softmax(alpha, edge_index[1], num_nodes=n)
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        if self.value_dropout > 0:  # skipped at 0 so that no random numbers are drawn (same results)
            h = F.dropout(h, p=self.value_dropout, training=self.training)
        out = self.propagate(edge_index, x=h, alpha=alpha, size=(n, n))  # (N, heads, out)
        out = out.reshape(n, self.heads * self.out_channels) if self.concat else out.mean(dim=1)
        return out if self.bias is None else out + self.bias

    def message(self, x_j: Tensor, alpha: Tensor) -> Tensor:
        msg = alpha.unsqueeze(-1) * x_j
        return msg if self.mlp is None else self.mlp(msg)

    # --- attention scores, one function per type (resolved through _SCORES, no if/elif chain) -------
    def _const(self, h: Tensor, edge_index: Tensor) -> Tensor:
        return h.new_ones(edge_index.size(1), self.heads)

    def _gcn(self, h: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        deg = degree(dst, h.size(0), dtype=h.dtype)
        inv = deg.pow(-0.5).masked_fill(deg == 0, 0.0)
        return (inv[src] * inv[dst]).unsqueeze(-1).expand(-1, self.heads)

    def _gat_scores(self, h: Tensor, edge_index: Tensor) -> tuple[Tensor, Tensor]:
        # node-level projections, then gathered per edge: cheaper than (E, heads, C) products
        s_src = (h * self.att_src).sum(-1)  # a_r^T h, used for the neighbour j
        s_dst = (h * self.att_dst).sum(-1)  # a_l^T h, used for the target i
        return s_src, s_dst

    def _gat(self, h: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        s_src, s_dst = self._gat_scores(h, edge_index)
        return F.leaky_relu(s_dst[dst] + s_src[src], self.negative_slope)

    def _sym_gat(self, h: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        s_src, s_dst = self._gat_scores(h, edge_index)
        forward = F.leaky_relu(s_dst[dst] + s_src[src], self.negative_slope)
        backward = F.leaky_relu(s_dst[src] + s_src[dst], self.negative_slope)
        return forward + backward

    def _cos(self, h: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        return ((h * self.att_dst)[dst] * (h * self.att_src)[src]).sum(-1)

    def _linear(self, h: Tensor, edge_index: Tensor) -> Tensor:
        return torch.tanh((h * self.att_src).sum(-1))[edge_index[0]]

    def _generalized_linear(self, h: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        return self.gen_att(torch.tanh((h * self.att_dst)[dst] + (h * self.att_src)[src])).squeeze(-1)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads}, "
            f"attention={self.attention!r}, aggregation={self.aggregation!r}, concat={self.concat})"
        )


_SCORES: dict[str, Callable[[SearchConv, Tensor, Tensor], Tensor]] = {
    "const": SearchConv._const,
    "gcn": SearchConv._gcn,
    "gat": SearchConv._gat,
    "sym-gat": SearchConv._sym_gat,
    "cos": SearchConv._cos,
    "linear": SearchConv._linear,
    "generalized-linear": SearchConv._generalized_linear,
}
assert set(_SCORES) == set(ATTENTION.names)
