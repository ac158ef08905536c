"""Build a PyG model from an Auto-GNN architecture, and the constrained weight-sharing rule.

The network (GraphNAS's ``GraphNet`` plus Auto-GNN's skip connections), per layer ``l``::

    x = dropout(x)                       # p = 0.6 on the layer's input, as GAT/GraphNAS
    x = batch_norm(x)                    # only with batch_norm=True
    h = conv_l(x, edge_index)            # SearchConv: attention, aggregator, heads
    h = h + skip_l(x)                    # only if the layer's skip is on: identity, or a linear
                                         # projection (no bias) when the widths differ
    x = activation_l(h)

Inner layers concatenate their heads (width ``heads * hidden``); the last layer averages its heads and
has ``out_dim`` (the class count) units. The model returns logits (the activation of the last layer
included, as GraphNAS does; the trainer applies the cross-entropy).

Module names are part of the weight-sharing contract: ``convs.<l>.*`` are the layers' weights,
``skips.<l>.*`` and ``bns.<l>.*`` are never shared (see :func:`inheritable_state`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .autognn_space import GNNArch
from .layers.resolver import ACTIVATION
from .layers.search_conv import SearchConv

# torch warns once that sparse CSR support is in beta; the sparse input path relies on it and is tested.
# One narrow filter at import: a catch_warnings() around every forward would reset Python's registry of
# shown warnings each time, so every show-once warning elsewhere (PyG's, on CUDA) would repeat per epoch.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta", category=UserWarning)


def _identity(x: Tensor) -> Tensor:
    return x


# module-level functions, not lambdas: models stay picklable
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "linear": _identity,
    "softplus": F.softplus,
    "leaky_relu": F.leaky_relu,
    "relu6": F.relu6,
    "elu": F.elu,
}
assert set(ACTIVATIONS) == set(ACTIVATION.names)

# prefixes of parameters that constrained sharing never transfers
UNSHARED_PREFIXES: tuple[str, ...] = ("skips.", "bns.")


def activation(name: str) -> Callable[[Tensor], Tensor]:
    """The activation function called ``name`` (resolved: ``"ReLU"``, ``"leaky-relu"`` work)."""
    return ACTIVATIONS[ACTIVATION(name)]


class GNN(nn.Module):
    """A stack of :class:`~qgnas.graph.layers.SearchConv` layers built from a :class:`GNNArch`.

    Args:
        arch: the architecture (validated by the caller's space; the layer count is the arch's).
        in_dim: input feature width.
        out_dim: number of classes (the last layer's width).
        dropout: dropout on every layer's input (and on attention coefficients unless
            ``attention_dropout`` is given).
        attention_dropout: dropout on attention coefficients; default ``dropout``.
        value_dropout: dropout on each layer's transformed features before they are aggregated (GAT's
            code uses its input rate there; default 0, GraphNAS's layer).
        batch_norm: batch-normalise every layer's input (GraphNAS's option; off by default).

    Shapes:
        - **input:** node features :math:`(N, F_{in})`, edge indices :math:`(2, E)`
        - **output:** logits :math:`(N, C)`
    """

    def __init__(
        self,
        arch: GNNArch,
        in_dim: int,
        out_dim: int,
        dropout: float = 0.6,
        attention_dropout: float | None = None,
        batch_norm: bool = False,
        value_dropout: float = 0.0,
    ):
        super().__init__()
        self.arch = arch
        self.dropout = float(dropout)
        att_dropout = self.dropout if attention_dropout is None else float(attention_dropout)
        self.convs = nn.ModuleList()
        self.skips = nn.ModuleDict()  # keyed by layer index: only layers with a skip connection have one
        self.bns = nn.ModuleList() if batch_norm else None
        self.activations = [ACTIVATION(s.activation) for s in arch.layers]
        self._nonzero: tuple | None = None  # (input tag, its nonzero pattern): see _sparse_input
        width = int(in_dim)
        last = len(arch.layers) - 1
        for i, spec in enumerate(arch.layers):
            hidden = int(out_dim) if i == last else int(spec.hidden)
            concat = i != last
            conv = SearchConv(
                width,
                hidden,
                heads=spec.heads,
                concat=concat,
                attention=spec.attention,
                aggregation=spec.aggregation,
                dropout=att_dropout,
                value_dropout=value_dropout,
            )
            out_width = hidden * spec.heads if concat else hidden
            if self.bns is not None:
                self.bns.append(nn.BatchNorm1d(width))
            if spec.skip:
                self.skips[str(i)] = (
                    nn.Identity() if width == out_width else nn.Linear(width, out_width, bias=False)
                )
            self.convs.append(conv)
            width = out_width

    def _sparse_input(self, x: Tensor) -> Tensor:
        """The first layer's input after dropout, as a sparse CSR matrix when the features are sparse.

        Bag-of-words features (Cora: 1.3% nonzero) make the dense input dropout and the first
        ``x @ W`` the most expensive steps of an epoch on CPU (on Cora, dropout alone was two thirds of
        a 2-layer GCN's epoch; a 1024-wide ``x @ W`` with its gradient runs ~3.5x faster sparse).
        Masking zeros changes nothing, so we draw the dropout mask for the nonzeros only (the same
        distribution of outputs) and multiply sparse x dense. The nonzero pattern is computed once per
        input tensor. Dense inputs (or inputs that need a gradient) take the plain path.
        """
        if x.requires_grad or x.layout != torch.strided or self.bns is not None:
            return F.dropout(x, p=self.dropout, training=self.training)
        tag = (x.data_ptr(), tuple(x.shape), x._version, x.device)
        if self._nonzero is None or self._nonzero[0] != tag:
            idx = x.nonzero(as_tuple=True)
            if idx[0].numel() >= 0.25 * x.numel():
                self._nonzero = (tag, None)
            else:
                rows = torch.bincount(idx[0], minlength=x.size(0))
                crow = torch.cat([rows.new_zeros(1), rows.cumsum(0)])
                flat = idx[0] * x.size(1) + idx[1]  # row-major, so already in CSR order
                self._nonzero = (tag, (flat, crow, idx[1].contiguous()))
        if self._nonzero[1] is None:
            return F.dropout(x, p=self.dropout, training=self.training)
        flat, crow, col = self._nonzero[1]
        values = F.dropout(x.reshape(-1).index_select(0, flat), p=self.dropout, training=self.training)
        # built valid by construction, so invariant checks are opted out of explicitly (which also
        # silences torch's "checks are implicitly disabled" warning)
        return torch.sparse_csr_tensor(crow, col, values, tuple(x.shape), check_invariants=False)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        for i, (conv, act) in enumerate(zip(self.convs, self.activations, strict=True)):
            x = self._sparse_input(x) if i == 0 else F.dropout(x, p=self.dropout, training=self.training)
            if self.bns is not None:
                x = self.bns[i](x)
            h = conv(x, edge_index)
            skip = self.skips[str(i)] if str(i) in self.skips else None
            if skip is not None:
                h = h + _apply(skip, x)
            x = ACTIVATIONS[act](h)
        return x


def _apply(module: nn.Module, x: Tensor) -> Tensor:
    """A skip module (identity or bias-free linear) on a dense or sparse CSR input."""
    if x.layout == torch.strided:
        return module(x)
    return x.to_dense() if isinstance(module, nn.Identity) else x @ module.weight.t()


def build_model(arch: GNNArch, in_dim: int, out_dim: int, **options) -> GNN:
    """The network for ``arch`` with ``in_dim`` input features and ``out_dim`` classes (see :class:`GNN`
    for ``options``: dropout=0.6, attention_dropout, batch_norm=False, value_dropout=0)."""
    from .autognn_space import AutoGNNSpace

    arch = AutoGNNSpace(len(arch.layers)).validate(arch)
    return GNN(arch, in_dim, out_dim, **options)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def homogeneous_layers(parent: GNNArch, child: GNNArch) -> list[int]:
    """Indices of layers whose attention and activation agree in ``parent`` and ``child``: the first two
    conditions of constrained sharing (the third, equal weight shapes, needs the tensors)."""
    return [
        i
        for i, (p, c) in enumerate(zip(parent.layers, child.layers, strict=False))
        if p.attention == c.attention and p.activation == c.activation
    ]


def inheritable_state(
    parent: GNNArch, parent_state: Mapping[str, Tensor], child: GNNArch, child_model: nn.Module
) -> dict[str, Tensor]:
    """Auto-GNN's constrained parameter sharing: the part of ``parent_state`` the child may start from.

    A child layer inherits its parent's layer only when the two are *homogeneous*: same attention type,
    same activation, and every weight of the child's layer has a parent weight of the same name and
    shape (so same input width, heads and units; the aggregator matters only through the ``mlp``
    weights). Batch-norm and skip weights are never shared: Auto-GNN found that sharing them makes
    the brief retraining unstable. Everything not returned keeps the child's fresh initialisation.
    """
    child_state = child_model.state_dict()
    out: dict[str, Tensor] = {}
    for i in homogeneous_layers(parent, child):
        prefix = f"convs.{i}."
        names = [k for k in child_state if k.startswith(prefix)]
        if all(k in parent_state and parent_state[k].shape == child_state[k].shape for k in names):
            if set(names) == {k for k in parent_state if k.startswith(prefix)}:
                out.update({k: parent_state[k].detach().clone() for k in names})
    assert not any(k.startswith(UNSHARED_PREFIXES) for k in out)
    return out


__all__ = ["ACTIVATIONS", "GNN", "activation", "build_model", "count_parameters", "inheritable_state"]
