"""The learner's progress, kept in the state folder (``.dojo/``, ignored by git).

``last_run.json`` is written by the pytest plugin after every run of the
learner's code, whether ``dojo`` started it or the learner typed ``pytest``.
:func:`sync` folds each new run into ``progress.json``: the most recent
results of every kata, and the best stage ever reached (which unlocks stage
texts and hints). Every file is written atomically and a corrupt one is
rebuilt with a one-line warning (see :mod:`dojo.progress`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dojo import progress
from dojo.catalog import Kata
from dojo.learner.workspace import Problem, Workspace
from dojo.report import FAILED, LOCKED, NOT_RUN, PASSED

CLOCK_ENV = "DOJO_NOW"
PROGRESS = "progress.json"
HINTS = "hints.json"
BAD_CLOCK = "DOJO_NOW={value!r} is not an ISO date and time such as 2026-01-31T09:30:00+00:00"


# --- the clock --------------------------------------------------------------

def parse_time(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def clock_is_faked() -> bool:
    return bool(os.environ.get(CLOCK_ENV))


def now() -> datetime:
    """The current time; ``$DOJO_NOW`` (ISO 8601) fakes it, for tests and time travel."""
    faked = os.environ.get(CLOCK_ENV)
    if not faked:
        return datetime.now(timezone.utc)
    try:
        return parse_time(faked)
    except ValueError:
        raise Problem(BAD_CLOCK.format(value=faked)) from None


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


# --- files ------------------------------------------------------------------

def path(ws: Workspace, name: str) -> Path:
    return progress.state_dir(ws.root) / name


def load(ws: Workspace, name: str) -> dict[str, Any]:
    """A state file's object (``{"format": 1}`` when missing or rebuilt)."""
    data = progress.read_json(path(ws, name))
    return data or {"format": progress.STATE_FORMAT}


def save(ws: Workspace, name: str, data: dict[str, Any]) -> None:
    data["format"] = progress.STATE_FORMAT
    try:
        progress.write_json(path(ws, name), data)
    except OSError as exc:
        progress.warn(f"kata-dojo: warning: could not save {path(ws, name)}: {exc.strerror}")


# --- results ----------------------------------------------------------------

@dataclass(frozen=True)
class StageResult:
    """One stage of one kata in a run, as the plugin reported it."""

    status: str = NOT_RUN
    total: int = 0
    passed: int = 0
    failed: int = 0
    failures: tuple[dict, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> "StageResult":
        def count(key: str) -> int:
            value = data.get(key, 0)
            return value if isinstance(value, int) else 0

        failures = tuple(f for f in data.get("failures", []) if isinstance(f, dict))
        return cls(str(data.get("status", NOT_RUN)), count("total"), count("passed"),
                   count("failed"), failures)

    def describe(self) -> str:
        if self.status == FAILED:
            return f"failed ({self.failed} of {self.total})"
        if self.status == PASSED:
            return f"passed ({self.passed} of {self.total})"
        return self.status


@dataclass
class KataProgress:
    """A kata's most recent results and the best stage it ever reached."""

    kata: Kata
    stages: dict[int, StageResult] = field(default_factory=dict)
    finished_at: str | None = None
    best: int = 0
    runs: int = 0

    @property
    def ran(self) -> bool:
        return self.finished_at is not None

    def result(self, stage: int) -> StageResult:
        return self.stages.get(stage, StageResult())

    def shown(self, stage: int) -> StageResult:
        """The result to show: a stage never run beyond the unlocked one reads "locked"."""
        if stage not in self.stages and stage > self.best + 1:
            return StageResult(LOCKED)
        return self.result(stage)

    def highest_passed(self) -> int:
        """The last stage of an unbroken run of passes from stage 1, in the last run."""
        highest = 0
        for stage in self.kata.stages:
            if self.result(stage).status != PASSED:
                break
            highest = stage
        return highest

    def first_failed(self) -> int | None:
        return next((s for s in self.kata.stages if self.result(s).status == FAILED), None)

    @property
    def last_stage(self) -> int:
        return len(self.kata.stage_titles)

    @property
    def current(self) -> int:
        """The stage to work on: the one after the best reached (the last when all pass)."""
        return min(self.best + 1, self.last_stage)



def stages_from(entry: dict) -> dict[int, StageResult]:
    """The stage results of one kata's entry (in progress.json or a run's results)."""
    return {
        int(key): StageResult.from_json(value)
        for key, value in entry.get("stages", {}).items()
        if str(key).isdigit() and isinstance(value, dict)
    }


def kata_progress(ws: Workspace, kata: Kata, data: dict | None = None) -> KataProgress:
    """What ``progress.json`` knows of ``kata``."""
    data = load(ws, PROGRESS) if data is None else data
    entry = data.get("katas", {}).get(kata.name)
    if not isinstance(entry, dict):
        return KataProgress(kata)
    best = entry.get("best", 0)
    return KataProgress(
        kata,
        stages_from(entry),
        entry.get("finished_at"),
        best if isinstance(best, int) else 0,
        entry.get("runs", 0) if isinstance(entry.get("runs"), int) else 0,
    )


@dataclass(frozen=True)
class RunSeen:
    """A run of one kata that :func:`sync` saw for the first time."""

    kata: Kata
    when: datetime
    asked: int  # the highest stage the run included
    highest: int  # the highest stage it passed (unbroken from stage 1)
    newly_passed: tuple[int, ...]  # stages passed for the first time ever


def sync(ws: Workspace) -> list[RunSeen]:
    """Fold a ``last_run.json`` not yet seen into ``progress.json``; what was new."""
    last_path = path(ws, progress.LAST_RUN)
    last = progress.read_json(last_path)
    finished = last.get("finished_at")
    if not last or not isinstance(finished, str):
        if last_path.exists():  # corrupt (already warned): the next run writes it afresh
            last_path.unlink(missing_ok=True)
        return []
    data = load(ws, PROGRESS)
    if data.get("seen") == finished:
        return []
    try:
        when = now() if clock_is_faked() else parse_time(finished)
    except ValueError:
        when = now()
    seen = []
    katas = data.setdefault("katas", {})
    for kata in ws.catalog.katas:
        run = last.get("katas", {}).get(kata.name)
        if not isinstance(run, dict):
            continue
        before = kata_progress(ws, kata, data)
        stages = run.get("stages", {}) if isinstance(run.get("stages"), dict) else {}
        highest = run.get("highest_stage", 0) if isinstance(run.get("highest_stage"), int) else 0
        asked = max((int(s) for s in stages if str(s).isdigit()), default=0)
        best = max(before.best, highest)
        katas[kata.name] = {
            "stages": stages,
            "finished_at": finished,
            "best": best,
            "runs": before.runs + 1,
            "api": (katas.get(kata.name) or {}).get("api", {}),
        }
        newly = tuple(range(before.best + 1, highest + 1))
        seen.append(RunSeen(kata, when, asked, highest, newly))
    data["seen"] = finished
    save(ws, PROGRESS, data)
    return seen


def record_api(ws: Workspace, kata: Kata, stage: int, snapshot: dict) -> None:
    """Keep the public API the solution had when ``stage`` first passed."""
    data = load(ws, PROGRESS)
    entry = data.setdefault("katas", {}).setdefault(kata.name, {})
    entry.setdefault("api", {}).setdefault(str(stage), snapshot)
    save(ws, PROGRESS, data)


def forget_hints(ws: Workspace, kata: Kata) -> None:
    """Start the kata's hints from the first again (a new interview does)."""
    data = load(ws, HINTS)
    data.setdefault("katas", {})[kata.name] = {}
    save(ws, HINTS, data)


def forget(ws: Workspace, kata: Kata) -> None:
    """Drop the kata's progress and hint counts: a fresh start (after a reset)."""
    for name in (PROGRESS, HINTS):
        data = load(ws, name)
        if kata.name in data.get("katas", {}):
            del data["katas"][kata.name]
            save(ws, name, data)
