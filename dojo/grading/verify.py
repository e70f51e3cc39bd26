"""``dojo grade --verify REPORT.json``: re-grade a solution and say whether a
report holds.

A report names the solution's content (``solution_hash``), the suite that
graded it (``suite.hash``), the limits and the points. Verifying re-grades the
solution with those same limits and points, under this machine's strongest
isolation, and compares what matters: the two hashes, and per kata its
outcome, highest stage, score and each stage's status. A report that was
edited, graded from other files or with another suite does not hold.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dojo.grading import files, report
from dojo.grading.grader import Grade, GradeOptions, GradeProblem
from dojo.grading.sandbox import Limits

REPORT_LIMIT = 8 * files.MB
BAD_REPORT = "--verify {path}: not a kata-dojo grade report ({why})"


def load(path: Path) -> dict:
    """The report at ``path``, or a GradeProblem saying why it is not one."""
    try:
        data = json.loads(files.read_regular(path, limit=REPORT_LIMIT))
    except (OSError, ValueError) as exc:
        raise GradeProblem(BAD_REPORT.format(path=path, why=exc)) from None
    if not isinstance(data, dict) or data.get("schema") != report.SCHEMA_NAME:
        raise GradeProblem(BAD_REPORT.format(path=path, why="no kata-dojo/grade schema"))
    try:
        for kata in data["katas"].values():
            [stage["max_points"] for stage in kata["stages"].values()]
        data["limits"]["test_timeout"], data["limits"]["wall_clock"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise GradeProblem(BAD_REPORT.format(path=path, why=f"missing {exc}")) from None
    return data


def options(data: dict, solution: Path, suite: Path, upstream: bool) -> GradeOptions:
    """Grade options that repeat the report's grade: its katas, points and limits."""
    spec = ";".join(
        f"{name}=" + ",".join(f"{kata['stages'][s]['max_points']:g}" for s in sorted(kata["stages"], key=int))
        for name, kata in data["katas"].items()
    )
    limits = data["limits"]
    return GradeOptions(
        solution=Path(os.path.abspath(solution)),
        suite=suite.resolve(),
        upstream=upstream,
        katas=tuple(data["katas"]),
        points_spec=spec or None,
        test_timeout=float(limits["test_timeout"]),
        limits=Limits(wall_clock=float(limits["wall_clock"]), memory_mb=int(limits.get("memory_mb", 2048))),
    )


def mismatches(claimed: dict, regraded: Grade) -> list[str]:
    """How the re-grade differs from the report (empty: the report holds)."""
    now = report.to_dict(regraded)
    out = []
    if not claimed.get("solution_hash"):
        out.append("the report records no solution hash")
    elif claimed["solution_hash"] != now["solution_hash"]:
        out.append("the solution's files differ from the ones the report graded")
    if claimed.get("suite", {}).get("hash") != now["suite"]["hash"]:
        out.append("the suite differs from the one the report was graded with")
    for field in ("score", "max_score", "status"):
        if claimed.get(field) != now[field]:
            out.append(f"{field}: the report says {claimed.get(field)!r}, the re-grade {now[field]!r}")
    for name, kata in now["katas"].items():
        said = claimed.get("katas", {}).get(name, {})
        for field in ("outcome", "highest_stage", "score"):
            if said.get(field) != kata[field]:
                out.append(
                    f"{name} {field}: the report says {said.get(field)!r}, the re-grade {kata[field]!r}"
                )
        for number, stage in kata["stages"].items():
            was = said.get("stages", {}).get(number, {}).get("status")
            if was != stage["status"]:
                out.append(
                    f"{name} stage {number}: the report says {was!r}, the re-grade {stage['status']!r}"
                )
    return out
