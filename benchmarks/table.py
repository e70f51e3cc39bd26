"""Render results as Markdown tables: the same text on the terminal and in the docs."""

from __future__ import annotations

from collections.abc import Sequence


def markdown(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A Markdown table with columns padded to line up in plain text too.

    ``align`` has one letter per column, ``l`` or ``r`` (default: the first
    column left, the others right).
    """
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        padded = [
            text.ljust(width) if side == "l" else text.rjust(width)
            for text, width, side in zip(row, widths, align)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join(
        "-" * (w - 1) + ":" if side == "r" else "-" * w for w, side in zip(widths, align)
    ) + " |"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ns(value: float | None) -> str:
    """Nanoseconds for a table cell: ``1,234`` or ``0.85``."""
    return "–" if value is None else _cell(float(value))


def ratio(value: float | None) -> str:
    """A ratio for a table cell: ``1.32x``."""
    return "–" if value is None else f"{value:.2f}x"
