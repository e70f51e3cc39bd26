"""Markdown for ``$GITHUB_STEP_SUMMARY``: a table read in seconds, then the
failing tests' first lines."""

from __future__ import annotations

from dojo.grading.grader import ALL_PASSED, NOT_ALL_PASSED, Grade
from dojo.grading.observe import COMPLETED, FAILED, LOCKED, NOT_RUN, PASSED, KataGrade, StageGrade

ICONS: dict[str, str] = {PASSED: "✅", FAILED: "❌", LOCKED: "🔒", NOT_RUN: "⏹️"}
FAILURES_SHOWN = 5  # per stage


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _points(value: float) -> str:
    return f"{value:g}"


def _stage_cell(stage: StageGrade) -> str:
    icon = ICONS.get(stage.status, "⏭️")
    total = len(stage.tests)
    if stage.status in (PASSED, FAILED):
        return f"{icon} {stage.count(PASSED)}/{total}"
    return f"{icon} {stage.status}"


def to_markdown(grade: Grade) -> str:
    width = max((len(k.stages) for k in grade.katas), default=0)
    head = "✅" if grade.status == ALL_PASSED else "⚠️" if grade.status != NOT_ALL_PASSED else "📋"
    lines = [
        f"## {head} kata-dojo grade: {_points(grade.score)}/{_points(grade.max_score)} points"
        f" ({grade.status})",
        "",
    ]
    if not grade.suite.trusted:
        lines += [
            f"> **Suite modified**: the fork's suite differs from the shipped manifest "
            f"({', '.join(grade.suite.changed[:5])}); scores are 0. "
            "Grade with `--suite` from a pristine checkout.",
            "",
        ]
    header = ["Kata", "Outcome", *(f"Stage {n}" for n in range(1, width + 1)), "Highest", "Points"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for kata in grade.katas:
        outcome = kata.outcome if kata.outcome == COMPLETED else f"**{kata.outcome}**"
        cells = [f"{kata.name}", outcome, *(_stage_cell(s) for s in kata.stages)]
        cells += [""] * (width - len(kata.stages))
        cells += [
            f"{kata.highest_stage}/{len(kata.stages)}",
            f"{_points(kata.score)}/{_points(kata.max_score)}",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    problems = _problems(grade.katas)
    if problems:
        lines += ["", "### What failed", "", *problems]
    lines += [
        "",
        f"<sub>kata-dojo {grade.tool_version} · suite {grade.suite.source} "
        f"`{grade.suite.hash[:12]}` · {grade.duration:.0f} s</sub>",
        "",
    ]
    return "\n".join(lines)


def _problems(katas: list[KataGrade]) -> list[str]:
    lines = []
    for kata in katas:
        if kata.outcome != COMPLETED:
            where = f" at `{kata.where.nodeid}`" if kata.where is not None else ""
            lines.append(f"- **{kata.name}**: {kata.outcome}{where}: {_cell(kata.detail or '')}")
        for note in kata.notes:
            lines.append(f"- **{kata.name}**: note: {_cell(note)}")
        for stage in kata.stages:
            failures = stage.failures()
            for test in failures[:FAILURES_SHOWN]:
                lines.append(
                    f"- **{kata.name} stage {stage.stage}** `{test.name}`: {_cell(test.message or 'failed')}"
                )
            if len(failures) > FAILURES_SHOWN:
                lines.append(
                    f"- **{kata.name} stage {stage.stage}**: and "
                    f"{len(failures) - FAILURES_SHOWN} more failing test(s)"
                )
    return lines
