"""The axis order of the state tensor: where each layer finds its two qubits, planned at compile time.

``order[i]`` is the qubit on axis i of the state. A layer needs its two qubits as the first two axes
("front") or the last two ("end"): a batched GEMM reads either without a copy (the end case as a
transposed operand) and writes its result with the pair in front (writing it at the end would make
the GEMM's output skinny, which measured 2-3x slower). Axes are moved only when neither holds, to
whichever target copies faster (copies whose innermost contiguous block is tiny are several times
slower than a plain copy), with consecutive axes merged so that a move is one <= 6-d permute. A pair
already on two adjacent axes in the middle is applied where it is when at least
:data:`MIDDLE_MIN_INNER` numbers follow it (one GEMM per leading index: no copy, and the order is
unchanged). Each layer is stored with the qubit on the first of its two axes as its first qubit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import Layer

__all__ = ["MIDDLE_MIN_INNER", "AxisPlan", "Permutation", "Step", "axis_permutation", "plan_axes"]

# A layer whose pair already sits on two adjacent middle axes is applied in place when at least this
# many numbers per parameter set follow the pair (smaller GEMMs lose to one axis move plus a GEMM).
MIDDLE_MIN_INNER = 256


@dataclass(frozen=True)
class Permutation:
    """An axis move as a view shape plus a permute, for batch-first and batch-last states."""

    shape_bf: tuple[int, ...]
    axes_bf: tuple[int, ...]
    shape_bl: tuple[int, ...]
    axes_bl: tuple[int, ...]
    inner: int  # numbers in the innermost contiguous block the copy moves (batch-first)


@dataclass(frozen=True)
class Step:
    """What happens to the state's axes before and while one layer is applied."""

    perm: Permutation | None  # axis move before the layer, if any
    # the layer's qubits are then the first two axes (else the last two); the result always has
    # them first
    in_front: bool
    # > 1: the pair sits on two adjacent middle axes after this many leading entries, and the layer
    # is applied there (result in the same order)
    lead: int = 1


@dataclass
class AxisPlan:
    """One step per layer, the layers oriented to match, and the axis order after the last one."""

    steps: list[Step]
    layers: list[Layer]
    final_order: list[int]


def plan_axes(layers: list[Layer], n: int, k: int, d: int) -> AxisPlan:
    """Plan every axis move of a pass over ``layers`` on ``n`` qubits (see the module docstring)."""
    order = list(range(n))
    steps: list[Step] = []
    oriented: list[Layer] = []
    for layer in layers:
        if k == 1:
            steps.append(Step(None, True))
            oriented.append(layer)
            continue
        pair = set(layer.qubits)
        pos = min(order.index(q) for q in pair)
        if 0 < pos < n - 2 and set(order[pos : pos + 2]) == pair and d ** (n - pos - 2) >= MIDDLE_MIN_INNER:
            # adjacent axes in the middle, with long enough rows after them: the GEMM runs on
            # (B * d^pos) blocks in place, cheaper than moving the axes (measured at 8 qubits)
            steps.append(Step(None, True, d**pos))
            oriented.append(_oriented(layer, order[pos : pos + 2], d))
            continue
        perm = None
        if set(order[:2]) == pair:
            in_front = True
        elif set(order[-2:]) == pair:
            in_front = False
        else:
            target, in_front = _cheapest_target(order, pair, d)
            perm = axis_permutation(order, target, d)
            order = target
        first = order[:2] if in_front else order[-2:]
        oriented.append(_oriented(layer, first, d))
        order = first + [q for q in order if q not in pair]
        steps.append(Step(perm, in_front))
    return AxisPlan(steps, oriented, order)


def _oriented(layer: Layer, first: list[int], d: int) -> Layer:
    """The layer with its qubits in the order they have on the state's axes."""
    return layer if list(layer.qubits) == first else layer.swapped(d)


def _consecutive_runs(src: list[int], dst: list[int]) -> list[list[int]]:
    """Maximal runs of ``src`` that appear consecutively, in the same order, in ``dst``."""
    where = {q: i for i, q in enumerate(dst)}
    runs = [[src[0]]]
    for q in src[1:]:
        if where[q] == where[runs[-1][-1]] + 1:
            runs[-1].append(q)
        else:
            runs.append([q])
    return runs


def axis_permutation(src: list[int], dst: list[int], d: int) -> Permutation:
    """The view shape and permute turning a state with axes ``src`` into one with axes ``dst``."""
    runs = _consecutive_runs(src, dst)
    sizes = [d ** len(r) for r in runs]
    order = sorted(range(len(runs)), key=lambda i: dst.index(runs[i][0]))
    inner = sizes[order[-1]]
    return Permutation(
        shape_bf=(-1, *sizes),
        axes_bf=(0, *(1 + i for i in order)),
        shape_bl=(*sizes, -1),
        axes_bl=(*order, len(runs)),
        inner=inner,
    )


def _copy_cost(src: list[int], dst: list[int], d: int) -> float:
    """Relative cost of the move, in plain copies: tiny innermost blocks make torch's copy slow."""
    if src == dst:
        return 0.0
    inner = axis_permutation(src, dst, d).inner
    return 1.0 if inner >= 16 else (3.0 if inner >= 4 else 4.0)


def _cheapest_target(order: list[int], pair: set[int], d: int) -> tuple[list[int], bool]:
    """The pair moved to the front or to the end (keeping its relative order), whichever is cheaper;
    and whether that is the front."""
    p = [q for q in order if q in pair]
    rest = [q for q in order if q not in pair]
    front, end = p + rest, rest + p
    if _copy_cost(order, front, d) <= _copy_cost(order, end, d):
        return front, True
    return end, False
