"""Noise parameters given per qubit or per qubit pair: validation, look-up and their plain (YAML) form.

A parameter is a number (every qubit or pair) or a mapping ``{qubit: value}`` /
``{(control, target): value}`` (YAML: ``"0,1": value``), optionally with a ``"default"`` entry for the
qubits or pairs it does not list.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "check_positive",
    "check_prob",
    "check_readout",
    "is_zero",
    "lookup",
    "normalise",
    "to_plain",
]


def check_prob(value: Any, what: str, upper: float = 1.0) -> float:
    """``value`` as a float in ``[0, upper]``, else a ValueError naming ``what``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number in [0, {upper:g}], got {value!r}") from None
    if not 0.0 <= v <= upper or math.isnan(v):
        raise ValueError(f"{what} = {value!r} is outside the allowed range [0, {upper:g}]")
    return v


def check_positive(value: Any, what: str, allow_zero: bool = False) -> float:
    """``value`` as a float > 0 (or finite and >= 0 with ``allow_zero``), else a ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if math.isnan(v) or v < 0 or (v == 0 and not allow_zero) or (allow_zero and math.isinf(v)):
        bound = "finite and >= 0" if allow_zero else "> 0"
        raise ValueError(f"{what} = {value!r} is not allowed; it must be {bound}")
    return v


def check_readout(value: Any, what: str) -> tuple[float, float]:
    """A readout error as ``(p(1|0), p(0|1))``; one number means a symmetric error."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{what} must be p or (p(1|0), p(0|1)), got {value!r}")
        return (check_prob(value[0], f"{what} p(1|0)"), check_prob(value[1], f"{what} p(0|1)"))
    p = check_prob(value, what)
    return (p, p)


def _qubit_key(key: Any, what: str) -> int | str:
    if key == "default":
        return "default"
    try:
        q = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: qubit key {key!r} is not an integer (or 'default')") from None
    if q < 0:
        raise ValueError(f"{what}: qubit key {key!r} is negative")
    return q


def _pair_key(key: Any, what: str) -> tuple[int, int] | str:
    if key == "default":
        return "default"
    if isinstance(key, str):
        parts = key.replace("(", "").replace(")", "").replace("-", ",").split(",")
    else:
        parts = list(key)
    try:
        a, b = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: pair key {key!r} is not a pair of qubits like (0, 1) or '0,1'") from None
    if a == b or a < 0 or b < 0:
        raise ValueError(f"{what}: pair key {key!r} must name two different non-negative qubits")
    return (a, b)


def normalise(value: Any, what: str, check: Callable[[Any, str], Any], pair: bool = False) -> Any:
    """Validate a number-or-mapping parameter; mappings get int / (int, int) keys."""
    if isinstance(value, Mapping):
        keyfn = _pair_key if pair else _qubit_key
        return {keyfn(k, what): check(v, f"{what}[{k}]") for k, v in value.items()}
    return check(value, what)


def lookup(table: Any, key: Any, what: str) -> Any:
    """The value of a qubit (or pair) in a normalised parameter: its own entry, for a pair its reverse's,
    then ``"default"``."""
    if not isinstance(table, dict):
        return table
    if key in table:
        return table[key]
    if isinstance(key, tuple) and (key[1], key[0]) in table:
        return table[(key[1], key[0])]
    if "default" in table:
        return table["default"]
    known = sorted(k for k in table if k != "default")
    raise ValueError(
        f"{what} has no value for {'pair' if isinstance(key, tuple) else 'qubit'} {key!r} and no "
        f"'default'; it lists {known}"
    )


def is_zero(table: Any) -> bool:
    """Whether a normalised parameter is zero everywhere."""
    if isinstance(table, dict):
        return all(v == 0 for v in table.values())
    return table == 0


def to_plain(value: Any) -> Any:
    """YAML/JSON-friendly form of a number-or-mapping parameter."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = f"{k[0]},{k[1]}" if isinstance(k, tuple) else k
            out[key] = list(v) if isinstance(v, tuple) else v
        return out
    return list(value) if isinstance(value, tuple) else value
