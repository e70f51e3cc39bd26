"""The JSON report: a documented, versioned schema (``schema/grade-v1.json``).

Everything in it is reproducible for the same solution and suite except the
``duration`` fields. ``katas.<name>.highest_stage`` is the highest stage such
that it and every earlier one pass (0 when stage 1 does not).
"""

from __future__ import annotations

import json
from pathlib import Path

from dojo.grading.grader import Grade
from dojo.grading.observe import FAILED, LOCKED, NOT_RUN, PASSED, SKIPPED, KataGrade, StageGrade

SCHEMA_NAME = "kata-dojo/grade"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "grade-v1.json"


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 3)


def stage_dict(stage: StageGrade) -> dict:
    return {
        "title": stage.title,
        "status": stage.status,
        "total": len(stage.tests),
        "passed": stage.count(PASSED),
        "failed": stage.count(FAILED),
        "locked": stage.count(LOCKED),
        "skipped": stage.count(SKIPPED),
        "not_run": stage.count(NOT_RUN),
        "points": _number(stage.points),
        "max_points": _number(stage.max_points),
        "duration": round(stage.duration, 3),
        "failures": [{"test": t.nodeid, "message": t.message or ""} for t in stage.failures()],
    }


def kata_dict(kata: KataGrade) -> dict:
    where = None
    if kata.where is not None:
        where = {"test": kata.where.nodeid, "stage": kata.where.stage}
    return {
        "title": kata.title,
        "outcome": kata.outcome,
        "detail": kata.detail,
        "where": where,
        "highest_stage": kata.highest_stage,
        "score": _number(kata.score),
        "max_score": _number(kata.max_score),
        "duration": round(kata.duration, 3),
        "notes": list(kata.notes),
        "stages": {str(s.stage): stage_dict(s) for s in kata.stages},
    }


def to_dict(grade: Grade) -> dict:
    """The report as JSON-ready data."""
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "tool": {"name": "kata-dojo", "version": grade.tool_version},
        "status": grade.status,
        "solution": str(grade.solution),
        "suite": {
            "source": grade.suite.source,
            "hash": grade.suite.hash,
            "status": grade.suite.status,
            "changed": list(grade.suite.changed),
        },
        "isolation": grade.isolation,
        "solution_hash": grade.solution_hash,
        "limits": {
            "test_timeout": _number(grade.test_timeout),
            "wall_clock": _number(grade.limits.wall_clock),
            "memory_mb": grade.limits.memory_mb,
            "cpu_seconds": grade.limits.cpu,
        },
        "score": _number(grade.score),
        "max_score": _number(grade.max_score),
        "duration": round(grade.duration, 3),
        "notes": list(grade.notes),
        "katas": {k.name: kata_dict(k) for k in grade.katas},
    }


def without_durations(data):
    """The report with every ``duration`` removed: what must repeat run after run."""
    if isinstance(data, dict):
        return {k: without_durations(v) for k, v in data.items() if k != "duration"}
    if isinstance(data, list):
        return [without_durations(v) for v in data]
    return data


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def to_json(grade: Grade) -> str:
    """The report as the JSON text that is written to a file."""
    return json.dumps(to_dict(grade), indent=2, sort_keys=True) + "\n"
