"""The roster of ``grade-many``: one row per solution, one column per kata stage.

Cells are the stage's status (``passed``, ``failed``, ``locked``, ``not run``)
or, for the stage where a run broke, its outcome (``timed out``, ``crashed``,
``killed: memory``). CSV for spreadsheets, Markdown for people.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from dojo.catalog import Catalog
from dojo.grading.grader import Grade
from dojo.grading.observe import ERROR, TAMPERED

CELL_ICONS = {"passed": "✅", "failed": "❌", "locked": "🔒", "not run": "·"}


@dataclass
class Entry:
    """One graded solution, or the one line why it could not be graded."""

    name: str
    path: str
    grade: Grade | None = None
    problem: str | None = None


def columns(catalog: Catalog, katas: list[str]) -> list[tuple[str, int]]:
    return [(k.name, s) for k in catalog.katas if not katas or k.name in katas for s in k.stages]


def _cell(entry: Entry, kata: str, stage: int) -> str:
    if entry.grade is None:
        return "error"
    graded = next((k for k in entry.grade.katas if k.name == kata), None)
    if graded is None:
        return ""
    if graded.where is not None and graded.where.stage == stage:
        return graded.outcome
    if graded.outcome in (TAMPERED, ERROR) and stage == 1:
        return graded.outcome
    return graded.stages[stage - 1].status


def rows(entries: list[Entry], cols: list[tuple[str, int]]) -> list[list[str]]:
    header = ["solution", *(f"{k} s{s}" for k, s in cols), "score", "max_score", "status"]
    out = [header]
    for entry in entries:
        grade = entry.grade
        out.append(
            [
                entry.name,
                *(_cell(entry, k, s) for k, s in cols),
                f"{grade.score:g}" if grade else "0",
                f"{grade.max_score:g}" if grade else "",
                grade.status if grade else f"error: {entry.problem}",
            ]
        )
    return out


def to_csv(entries: list[Entry], cols: list[tuple[str, int]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows(entries, cols))
    return buffer.getvalue()


def to_markdown(entries: list[Entry], cols: list[tuple[str, int]]) -> str:
    table = rows(entries, cols)
    lines = ["## kata-dojo roster", ""]
    lines.append("| " + " | ".join(table[0]) + " |")
    lines.append("|" + "|".join("---" for _ in table[0]) + "|")
    for row in table[1:]:
        cells = [row[0], *(f"{CELL_ICONS.get(c, '⚠️')} {c}" if c else "" for c in row[1:-3]), *row[-3:]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
