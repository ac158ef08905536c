"""Name -> thing registries: one way to register, spell and look up searchers, backends, spaces, ...

A registry maps canonical names to entries (a class, a factory, or a ``"module:attr"`` string imported
on first use, so that listing names imports nothing heavy). Lookups accept the canonical names and
their aliases in any spelling the registry's normaliser folds together: by default case, spaces and
punctuation are ignored, so ``"Regularized_Evolution"``, ``"regularized-evolution"`` and
``"RegularizedEvolution"`` are one name. An unknown name raises :class:`UnknownName`, whose message
lists the allowed names::

    SEARCHERS = Registry("searcher")
    SEARCHERS.register("evolution", "qgnas.searchers.evolution:RegularizedEvolution", aliases=["re"])
    SEARCHERS.resolve("RE")  # "evolution"
    SEARCHERS.load("re")  # the class
    SEARCHERS.resolve("hill")  # UnknownName: unknown searcher 'hill'; allowed: evolution
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

T = TypeVar("T")


class UnknownName(KeyError, ValueError):
    """A name that no entry of a registry answers to.

    A ValueError (a bad argument value, what callers catch) and a KeyError (what a mapping raises).
    """

    def __str__(self) -> str:
        # KeyError's own __str__ would quote the message.
        return str(self.args[0]) if self.args else ""


def normalise(name: str) -> str:
    """The default key of a name: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


class Registry(Mapping[str, T]):
    """Canonical names -> entries, looked up through aliases and a spelling normaliser.

    Args:
        kind: what the names name, for error messages (``"searcher"``, ``"backend"``).
        entries: initial canonical name -> entry, in their listing order.
        aliases: initial alias -> canonical name.
        normalise: maps a spelling to its lookup key; two spellings with one key are one name.

    As a mapping it iterates over the canonical names in registration order, and ``registry[name]``
    accepts any spelling of a name or alias.
    """

    def __init__(
        self,
        kind: str,
        entries: Mapping[str, T] | None = None,
        aliases: Mapping[str, str] | None = None,
        normalise: Callable[[str], str] = normalise,
    ):
        self.kind = kind
        self._normalise = normalise
        self._entries: dict[str, T] = {}
        self._keys: dict[str, str] = {}  # lookup key -> canonical name
        for name, entry in (entries or {}).items():
            self.register(name, entry)
        for alias, target in (aliases or {}).items():
            self.alias(alias, target)

    # --- registration --------------------------------------------------------------------------------
    def register(self, name: str, entry: T, aliases: Iterable[str] = ()) -> None:
        """Register ``entry`` as ``name``, replacing the entry of a name spelled the same way before (which
        keeps its first spelling); ValueError if ``name`` is an alias of another entry."""
        key = self._key(name)
        owner = self._keys.get(key)
        if owner is not None and self._normalise(owner) != key:
            raise ValueError(f"{self.kind} name {name!r} is already an alias of {owner!r}")
        name = owner or name
        self._entries[name] = entry
        self._keys[key] = name
        for alias in aliases:
            self.alias(alias, name)

    def alias(self, alias: str, target: str) -> None:
        """Make ``alias`` another name of the registered ``target``."""
        if target not in self._entries:
            raise ValueError(f"alias {alias!r} points at unknown {self.kind} {target!r}")
        key = self._key(alias)
        owner = self._keys.get(key)
        if owner is not None and owner != target:
            raise ValueError(f"{self.kind} alias {alias!r} is already a name of {owner!r}")
        self._keys[key] = target

    # --- lookup --------------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """The canonical names, in registration order."""
        return tuple(self._entries)

    def resolve(self, name: str) -> str:
        """The canonical name that ``name`` spells; UnknownName if none."""
        if not isinstance(name, str):
            raise UnknownName(f"{self.kind} must be a name, got {name!r}; allowed: {self._allowed()}")
        canonical = self._keys.get(self._normalise(name))
        if canonical is None:
            raise UnknownName(f"unknown {self.kind} {name!r}; allowed: {self._allowed()}")
        return canonical

    def load(self, name: str) -> T:
        """The entry of ``name``, with a ``"module:attr"`` string imported (the module on first use)."""
        entry = self[name]
        if isinstance(entry, str) and ":" in entry:
            module, attr = entry.split(":", 1)
            return getattr(importlib.import_module(module), attr)
        return entry

    def __getitem__(self, name: str) -> T:
        return self._entries[self.resolve(name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._normalise(name) in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"

    def _key(self, name: str) -> str:
        key = self._normalise(name)
        if not key:
            raise ValueError(f"{self.kind} name {name!r} has nothing to look it up by")
        return key

    def _allowed(self) -> str:
        return ", ".join(self._entries)


__all__ = ["Registry", "UnknownName", "normalise"]
