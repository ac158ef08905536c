"""String resolvers: user-facing names -> one canonical name, instead of if/elif chains.

A name is normalised by lower-casing and dropping everything but letters and digits, then a trailing
``conv``/``attention``/``att`` (so ``"gat"``, ``"GAT"``, ``"gat-conv"`` and ``"GATConv"`` all resolve to
``gat``), and looked up among the canonical names and their aliases. Unknown names raise a ValueError
that lists the allowed ones. This lives apart from the layers so that the search space and the model
builder share one notion of "the same name" without importing torch_geometric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_SUFFIXES = ("conv", "attention", "att")


def _norm(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class Resolver:
    """Resolves names of one kind (``what``) to canonical names.

    Args:
        what: what is being named, for error messages (``"attention"``).
        canonical: the canonical names, in their documented order.
        aliases: extra spellings -> canonical name.
    """

    def __init__(self, what: str, canonical: Iterable[str], aliases: Mapping[str, str] | None = None):
        self.what = what
        self.names: tuple[str, ...] = tuple(canonical)
        self._lookup: dict[str, str] = {}
        for name in self.names:
            self._lookup[_norm(name)] = name
        for alias, target in (aliases or {}).items():
            if target not in self.names:
                raise ValueError(f"alias {alias!r} points at unknown {what} {target!r}")
            self._lookup[_norm(alias)] = target

    def __call__(self, name: str) -> str:
        if not isinstance(name, str):
            raise ValueError(f"{self.what} must be a name, got {name!r}; allowed: {', '.join(self.names)}")
        key = _norm(name)
        if key not in self._lookup:
            raise ValueError(f"unknown {self.what} {name!r}; allowed: {', '.join(self.names)}")
        return self._lookup[key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _norm(name) in self._lookup


ATTENTION = Resolver(
    "attention",
    ("const", "gcn", "gat", "sym-gat", "cos", "linear", "generalized-linear"),
    {"constant": "const", "gat-sym": "sym-gat", "symmetric-gat": "sym-gat", "cosine": "cos",
     "generalised-linear": "generalized-linear", "gen-linear": "generalized-linear",
     "generalized_linear": "generalized-linear"},
)  # fmt: skip
AGGREGATION = Resolver("aggregation", ("sum", "mean", "max", "mlp"), {"add": "sum"})
ACTIVATION = Resolver(
    "activation",
    ("sigmoid", "tanh", "relu", "linear", "softplus", "leaky_relu", "relu6", "elu"),
    {"identity": "linear", "none": "linear", "lrelu": "leaky_relu"},
)
