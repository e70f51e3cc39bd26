"""Stage texts, revealed one stage at a time.

The texts live in the repository for anyone to read; the reveal is for focus.
A stage is unlocked once every earlier stage has passed (during an interview:
passed in this interview).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dojo.catalog import Kata
from dojo.learner import interview
from dojo.learner.workspace import FAILING, USAGE, Problem, Workspace

LOCKED = (
    "stage {stage} of {kata} is locked: pass stage {unlocked} first "
    "(its text: dojo task {kata} --stage {unlocked})"
)
MISSING = "{path}: no such file: the text of stage {stage} of {kata} is missing"


@dataclass(frozen=True)
class TaskText:
    kata: Kata
    stage: int
    path: Path
    text: str

    @property
    def title(self) -> str:
        return self.kata.stage_title(self.stage)


def read(ws: Workspace, kata: Kata, stage: int) -> TaskText:
    path = kata.task_path(stage)
    try:
        return TaskText(kata, stage, path, path.read_text(encoding="utf-8"))
    except OSError:
        raise Problem(MISSING.format(path=ws.show(path), stage=stage, kata=kata.name), USAGE) from None


def task(ws: Workspace, kata: Kata, stage: int | None = None) -> TaskText:
    """The text of ``stage`` (default: the current one), if it is unlocked."""
    unlocked = interview.unlocked_stage(ws, kata)
    if stage is None:
        stage = unlocked
    ws.check_stage(kata, stage)
    if stage > unlocked:
        raise Problem(LOCKED.format(stage=stage, kata=kata.name, unlocked=unlocked), FAILING)
    return read(ws, kata, stage)
