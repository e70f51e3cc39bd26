"""GitHub Classroom: the result its autograding reporter reads.

The reporter (``classroom-resources/autograding-grading-reporter``) takes, for
each runner id in its ``runners`` input, an environment variable
``<ID>_RESULTS`` holding base64 of a JSON object: ``version``, ``status``
(``pass``/``fail``/``error``), ``max_score`` and ``tests[]``, each with
``name``, ``status``, ``score``, ``message``, ``line_no``, ``execution_time``
(plus ``max_score``, ``test_code`` and ``filename``, which it ignores). It
totals the tests' ``score`` against ``max_score`` for Classroom's points, so
each kata stage is one "test" worth its points, scored only when it counts.

``dojo grade --classroom`` writes ``result=<base64>`` to ``$GITHUB_OUTPUT``
(so a step with ``id: dojo`` exposes ``steps.dojo.outputs.result``); outside
Actions it prints the base64 line.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from dojo import layout
from dojo.grading.grader import ALL_PASSED, GRADE_ERROR, SUITE_MODIFIED, Grade
from dojo.grading.observe import PASSED

RESULT_VERSION = 1
OUTPUT_NAME = "result"


def _message(kata, stage) -> str:
    if stage.status == PASSED:
        return f"{stage.count(PASSED)} test(s) passed"
    failures = stage.failures()
    if failures:
        first = failures[0]
        return f"{len(failures)} of {len(stage.tests)} failed; {first.name}: {first.message}"
    if kata.outcome != "completed" and kata.detail:
        return f"{stage.status} ({kata.outcome}: {kata.detail})"
    return stage.status


def result(grade: Grade) -> dict:
    """The reporter's JSON object for this grade."""
    tests = []
    for kata in grade.katas:
        for stage in kata.stages:
            tests.append(
                {
                    "name": f"{kata.name} stage {stage.stage}: {stage.title}",
                    "status": "pass" if stage.counted else "fail",
                    "score": stage.points,
                    "max_score": stage.max_points,
                    "message": _message(kata, stage),
                    "test_code": f"pytest {layout.stage_arg(stage.stage)} --kata {kata.name}",
                    "filename": layout.suite_file(Path(), stage.stage, kata.name).as_posix(),
                    "line_no": 0,
                    "execution_time": f"{stage.duration:.2f}s",
                }
            )
    if grade.status in (GRADE_ERROR, SUITE_MODIFIED):
        status = "error"
    else:
        status = "pass" if grade.status == ALL_PASSED else "fail"
    return {
        "version": RESULT_VERSION,
        "status": status,
        "max_score": grade.max_score,
        "tests": tests,
    }


def encode(data: dict) -> str:
    return base64.b64encode(json.dumps(data, sort_keys=True).encode()).decode("ascii")


def decode(text: str) -> dict:
    return json.loads(base64.b64decode(text))


def emit(grade: Grade, echo) -> None:
    """``result=<base64>`` into ``$GITHUB_OUTPUT`` if set, else onto ``echo``."""
    line = f"{OUTPUT_NAME}={encode(result(grade))}"
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with Path(target).open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        echo(
            f"classroom: wrote '{OUTPUT_NAME}' to $GITHUB_OUTPUT ({grade.score:g}/{grade.max_score:g} points)"
        )
    else:
        echo(line)
