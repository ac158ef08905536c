"""Message-passing layers of the graph world (PyG style: one layer per file).

Importing this package imports ``torch_geometric``; ``qgnas`` and ``qgnas.graph`` do not import it.
"""

from .resolver import ACTIVATION, AGGREGATION, ATTENTION, Resolver
from .search_conv import SearchConv

__all__ = ["ACTIVATION", "AGGREGATION", "ATTENTION", "Resolver", "SearchConv"]
