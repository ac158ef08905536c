"""A :class:`~.circuit.Circuit` drawn as text: one row per qubit wire, one column per drawing layer,
with vertical connectors between the qubits of a two-qubit gate."""

from __future__ import annotations

from typing import Any

__all__ = ["draw_text"]

_FIXED_LABELS = {"h": "H", "x": "X", "sx": "SX"}


def draw_text(circuit: Any, params: Any = None) -> str:
    """The drawing of ``circuit``; rotations show their angle (``params``) or ``θk`` without them."""
    values = None if params is None else [float(v) for v in circuit.check_params(params)]
    columns = _columns(circuit)
    cells = _cells(circuit, columns, values)
    return _render(cells, circuit.n_qubits)


def _columns(circuit: Any) -> list[int]:
    """Each gate's drawing column: like moments, but a two-qubit gate also blocks the wires it crosses."""
    level = [0] * circuit.n_qubits
    columns = []
    for g in circuit.gates:
        lo, hi = min(g.qubits), max(g.qubits)
        m = max(level[lo : hi + 1])
        columns.append(m)
        for q in range(lo, hi + 1):
            level[q] = m + 1
    return columns


def _cells(circuit: Any, columns: list[int], values: list[float] | None) -> list[list[str]]:
    """The text of each cell; row 2*q is qubit q's wire, row 2*q+1 the gap below it (connectors)."""
    n = circuit.n_qubits
    n_cols = max(columns, default=-1) + 1
    cells: list[list[str]] = [["" for _ in range(n_cols)] for _ in range(2 * n - 1)]
    k = 0
    for g, m in zip(circuit.gates, columns, strict=True):
        if g.is_parametric:
            angle = f"θ{k}" if values is None else f"{values[k]:.3g}"
            cells[2 * g.qubits[0]][m] = f"{g.name.upper()}({angle})"
            k += 1
        elif g.n_qubits == 1:
            cells[2 * g.qubits[0]][m] = _FIXED_LABELS[g.name]
        else:
            a, b = g.qubits
            cells[2 * a][m] = "●"
            cells[2 * b][m] = "⊕" if g.name == "cx" else "●"
            lo, hi = min(a, b), max(a, b)
            for row in range(2 * lo + 1, 2 * hi):
                cells[row][m] = "│" if row % 2 else "┼"
    return cells


def _render(cells: list[list[str]], n: int) -> str:
    """The cells centred in their columns, wires filled with ``─`` and labelled ``q0:``, ``q1:``, ..."""
    n_cols = len(cells[0]) if cells else 0
    widths = [max(1, *(len(cells[r][c]) for r in range(2 * n - 1))) for c in range(n_cols)]
    label_w = len(f"q{n - 1}: ")
    lines = []
    for r in range(2 * n - 1):
        wire = r % 2 == 0
        fill = "─" if wire else " "
        parts = [f"q{r // 2}: ".ljust(label_w) if wire else " " * label_w]
        for c in range(n_cols):
            cell = cells[r][c]
            if wire and cell == "":
                cell = fill * widths[c]
            pad = widths[c] - len(cell)
            left = pad // 2
            parts.append(fill + fill * left + cell + fill * (pad - left) + fill)
        parts.append(fill)
        lines.append("".join(parts).rstrip())
    return "\n".join(lines)
