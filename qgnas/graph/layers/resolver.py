"""String resolvers: user-facing names -> one canonical name, instead of if/elif chains.

A name is normalised by lower-casing and dropping everything but letters and digits, then a trailing
``conv``/``attention``/``att`` (so ``"gat"``, ``"GAT"``, ``"gat-conv"`` and ``"GATConv"`` all resolve to
``gat``), and looked up among the canonical names and their aliases. Unknown names raise a ValueError
that lists the allowed ones. This lives apart from the layers so that the search space and the model
builder share one notion of "the same name" without importing torch_geometric.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from qgnas.core.registry import Registry, normalise

_SUFFIXES = ("conv", "attention", "att")


def _norm(name: str) -> str:
    key = normalise(name)
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class Resolver(Registry[str]):
    """Resolves names of one kind (``what``) to canonical names: ``resolver("GATConv") == "gat"``.

    Args:
        what: what is being named, for error messages (``"attention"``).
        canonical: the canonical names, in their documented order.
        aliases: extra spellings -> canonical name.
    """

    def __init__(self, what: str, canonical: Iterable[str], aliases: Mapping[str, str] | None = None):
        super().__init__(what, {name: name for name in canonical}, aliases, normalise=_norm)

    @property
    def what(self) -> str:
        return self.kind

    def __call__(self, name: str) -> str:
        return self.resolve(name)


ATTENTION = Resolver(
    "attention",
    ("const", "gcn", "gat", "sym-gat", "cos", "linear", "generalized-linear"),
    {
        "constant": "const",
        "gat-sym": "sym-gat",
        "symmetric-gat": "sym-gat",
        "cosine": "cos",
        "generalised-linear": "generalized-linear",
        "gen-linear": "generalized-linear",
    },
)
AGGREGATION = Resolver("aggregation", ("sum", "mean", "max", "mlp"), {"add": "sum"})
ACTIVATION = Resolver(
    "activation",
    ("sigmoid", "tanh", "relu", "linear", "softplus", "leaky_relu", "relu6", "elu"),
    {"identity": "linear", "none": "linear", "lrelu": "leaky_relu"},
)
