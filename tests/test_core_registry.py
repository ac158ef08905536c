"""The name registry every lookup goes through: spellings, aliases, errors, lazy entries."""

from __future__ import annotations

import pytest

from qgnas.core import Registry, UnknownName


def make() -> Registry:
    registry = Registry("widget")
    registry.register("fast-one", 1, aliases=["quick"])
    registry.register("slow", 2)
    return registry


def test_lookup_ignores_case_and_punctuation_and_follows_aliases():
    registry = make()
    for spelling in ("fast-one", "Fast_One", " FASTONE ", "fast.one", "QUICK"):
        assert registry.resolve(spelling) == "fast-one"
        assert registry[spelling] == 1
        assert spelling in registry
    assert "medium" not in registry and 3 not in registry
    assert registry.get("medium") is None  # a Mapping: get() answers unknown names with the default


def test_listing_is_canonical_names_in_registration_order():
    registry = make()
    assert list(registry) == ["fast-one", "slow"] == list(registry.names)
    assert dict(registry) == {"fast-one": 1, "slow": 2}
    assert len(registry) == 2


def test_unknown_names_raise_a_value_error_and_key_error_listing_the_allowed_ones():
    registry = make()
    message = "unknown widget 'medium'; allowed: fast-one, slow"
    with pytest.raises(ValueError, match=message) as info:
        registry.resolve("medium")
    assert isinstance(info.value, KeyError) and isinstance(info.value, UnknownName)
    assert str(info.value) == message  # not quoted as KeyError would
    with pytest.raises(KeyError):
        registry["medium"]
    with pytest.raises(ValueError, match="widget must be a name, got 3; allowed: fast-one, slow"):
        registry.resolve(3)


def test_registration_conflicts_are_errors_and_re_registering_replaces():
    registry = make()
    registry.register("SLOW", 20)  # the same name spelled differently: replaces, keeps the first spelling
    assert dict(registry) == {"fast-one": 1, "slow": 20}
    with pytest.raises(ValueError, match="'quick' is already an alias of 'fast-one'"):
        registry.register("quick", 3)
    with pytest.raises(ValueError, match="alias 'q' points at unknown widget 'medium'"):
        registry.alias("q", "medium")
    with pytest.raises(ValueError, match="alias 'slow' is already a name of 'slow'"):
        registry.alias("slow", "fast-one")
    with pytest.raises(ValueError, match="nothing to look it up by"):
        registry.register("--", 0)


def test_module_attr_entries_are_imported_on_load_only():
    registry = Registry("thing", {"join": "os.path:join", "plain": "no colon here"})
    assert registry["join"] == "os.path:join"
    import os.path

    assert registry.load("JOIN") is os.path.join
    assert registry.load("plain") == "no colon here"


def test_a_custom_normaliser_decides_which_spellings_are_one_name():
    registry = Registry("word", {"a-b": 1}, normalise=str)  # exact spelling only
    assert "a-b" in registry and "A-B" not in registry
