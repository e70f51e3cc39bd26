"""Judge one kata's solution from outside, stage by stage; and apply the verdict to a grade.

The judge of a kata is found by convention, never by name: the suite
checkout's ``stages/judges/<kata>.py``, whose ``JUDGE`` (a
``declare.Judge``) lists the checks of each stage. A kata without that file
has no outside judge (its stages are graded by the suite alone).

A stage counts only when the in-process suite and the judge both pass it;
when the suite passed a stage that the judge fails, that stage fails with
an ``integrity`` note naming the first mismatch (``apply``).
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dojo import layout
from dojo.catalog import Kata
from dojo.judge.declare import Context, Judge, Mismatch
from dojo.judge.dispatch import START_TIME
from dojo.judge.session import Broken, Session

JUDGES = layout.JUDGES
INTEGRITY = "integrity: the outside judge disagrees with the suite at stage {stage} (seed {seed}): {why}"
NOT_IMPORTED = "the solution could not be imported by the judge's worker: {problem}"
NOT_JUDGED = "not judged: the judge already failed stage {stage}"
DECLARATION_BROKE = "the kata's judge ({path}) cannot be loaded: {kind}: {detail}"
JUDGE_BROKE = "the judge could not read the worker's answers ({kind}: {detail})"


@dataclass(frozen=True)
class StageVerdict:
    """The judge's word on one stage."""

    stage: int
    passed: bool
    note: str | None = None
    duration: float = 0.0


def declaration_path(kata: Kata, suite_root: Path | None = None) -> Path:
    """``<suite>/stages/judges/<kata>.py``: where a kata declares its judge."""
    root = suite_root if suite_root is not None else kata.folder.parents[1]
    return root / JUDGES / f"{kata.name}.py"


def load_judge(kata: Kata, suite_root: Path | None = None) -> Judge | None:
    """The kata's declared ``JUDGE``, or None if the kata declares none."""
    path = declaration_path(kata, suite_root)
    if not path.is_file():
        return None
    name = f"_dojo_judge_{kata.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a .py file always has a spec and loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses in the declaration look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    judge = getattr(module, "JUDGE", None)
    if not isinstance(judge, Judge):
        raise TypeError(f"{path}: JUDGE is not a dojo.judge.declare.Judge")
    return judge


def judge_kata(
    kata: Kata,
    solution_folder: Path,
    up_to_stage: int,
    seed: int = 0,
    suite_root: Path | None = None,
    level: str | None = None,
) -> list[StageVerdict] | None:
    """The judge's verdict on stages 1..``up_to_stage`` of ``solution_folder/<kata>``.

    ``solution_folder`` is laid out like ``katas/``. None if the kata declares
    no judge. ``level`` is the isolation level of the worker's sandbox (default:
    the strongest this machine has). Stages after the first that fails are not judged (they cannot
    count anyway) and are reported failed.
    """
    stages = list(range(1, up_to_stage + 1))
    try:
        judge = load_judge(kata, suite_root)
    except Exception as exc:  # noqa: BLE001 - a broken declaration must not crash the grader
        why = DECLARATION_BROKE.format(
            path=declaration_path(kata, suite_root), kind=type(exc).__name__, detail=str(exc)[:200]
        )
        return [StageVerdict(s, False, INTEGRITY.format(stage=s, seed=seed, why=why)) for s in stages]
    if judge is None:
        return None
    if not stages:
        return []
    verdicts: list[StageVerdict] = []
    try:
        session = Session(kata, Path(solution_folder), level=level)
    except Broken as exc:
        return [StageVerdict(s, False, INTEGRITY.format(stage=s, seed=seed, why=exc)) for s in stages]
    with session:
        if session.problem is not None:
            why = NOT_IMPORTED.format(problem=session.problem)
            return [StageVerdict(s, False, INTEGRITY.format(stage=s, seed=seed, why=why)) for s in stages]
        for module, source in judge.worker:
            try:
                message = {"op": "define", "module": module, "source": source}
                session.request(message, what=f"defining the judge's {module} in the worker")
            except Broken as exc:
                return [StageVerdict(s, False, INTEGRITY.format(stage=s, seed=seed, why=exc)) for s in stages]
        for stage in stages:
            if verdicts and not verdicts[-1].passed:
                verdicts.append(StageVerdict(stage, False, NOT_JUDGED.format(stage=stage - 1)))
                continue
            verdicts.append(_judge_stage(judge, session, kata, stage, seed))
    return verdicts


def _judge_stage(judge: Judge, session: Session, kata: Kata, stage: int, seed: int) -> StageVerdict:
    begin = time.monotonic()
    for check in judge.stages.get(stage, []):
        rng = random.Random(f"{seed}:{kata.name}:{stage}:{check.__name__}")
        ctx = Context(judge, session, rng, kata.class_name)
        try:
            # Every check starts where the model starts: at the clock's first time.
            session.request(
                {"op": "script", "calls": [{"m": "clock.set", "a": [START_TIME]}]}, what="setting the clock"
            )
            check(ctx)
        except (Mismatch, Broken) as exc:
            why = str(exc)
        except Exception as exc:  # noqa: BLE001 - hostile answers may break any reading of them
            why = JUDGE_BROKE.format(kind=type(exc).__name__, detail=str(exc)[:200])
        else:
            continue
        return StageVerdict(
            stage, False, INTEGRITY.format(stage=stage, seed=seed, why=why), time.monotonic() - begin
        )
    return StageVerdict(stage, True, None, time.monotonic() - begin)


def apply(grade, verdicts: list[StageVerdict] | None) -> None:
    """Fail every stage the suite passed but the judge did not, with the judge's note.

    ``grade`` is a ``dojo.grading.observe.KataGrade``: a failed test result
    ``judge::stageN`` joins the stage, and the note joins the kata's notes.
    """
    from dojo.grading.observe import FAILED, PASSED, TestResult

    for verdict in verdicts or []:
        stage = next((s for s in grade.stages if s.stage == verdict.stage), None)
        if verdict.passed or stage is None or stage.status != PASSED:
            continue
        stage.tests.append(
            TestResult(
                nodeid=f"judge::stage{verdict.stage}",
                stage=verdict.stage,
                outcome=FAILED,
                message=verdict.note,
                duration=verdict.duration,
            )
        )
        grade.notes.append(verdict.note)
