"""Interview mode: a timed round, stage texts revealed as stages pass, a report.

The state of each kata's latest interview lives in ``.dojo/interview.json``:
when it started and ends, and what was already announced. What happened in
the round is computed from the run log (:func:`derive`): every run of the kata
inside the round counts, plain ``pytest`` or ``dojo run`` alike, and each
stage's pass time is the time of the first run that passed it whole (with
every stage before it). :func:`observe`, called first by every ``dojo``
command, announces new passes and records the solution's public API
(:mod:`dojo.learner.api`) at each; the report compares those snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from dojo.catalog import Kata
from dojo.learner import api, state
from dojo.learner.workspace import USAGE, Problem, Workspace

INTERVIEW = "interview.json"
HINTS = state.HINTS
TIME_UP, ALL_PASSED, STOPPED = "time up", "all stages passed", "stopped"
RUNNING = (
    "an interview of {kata} is running (started {started}); "
    "dojo interview {kata} shows it, dojo interview {kata} --stop ends it"
)
NONE_YET = "no interview of {kata} yet; start one: dojo interview {kata}"
NOT_RUNNING = "no interview of {kata} is running; its last report: dojo interview {kata} --report"


# --- reading the record -----------------------------------------------------


def _all(ws: Workspace) -> dict:
    return state.load(ws, INTERVIEW)


def record(ws: Workspace, kata: Kata, data: dict | None = None) -> dict | None:
    """The kata's latest interview (running or ended), or None."""
    found = (data or _all(ws)).get("katas", {}).get(kata.name)
    ok = isinstance(found, dict) and isinstance(found.get("started_at"), str)
    return found if ok else None


def running(ws: Workspace, kata: Kata, data: dict | None = None) -> dict | None:
    found = record(ws, kata, data)
    return found if found is not None and not found.get("ended_at") else None


@dataclass
class Round:
    """What the run log says about one interview round."""

    reached: int = 0
    passed_at: dict[int, datetime] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)  # stage worked on -> test runs


def window(found: dict) -> tuple[datetime, datetime]:
    started = state.parse_time(found["started_at"])
    ended = found.get("ended_at") or found["ends_at"]
    return started, state.parse_time(ended)


def derive(kata: Kata, found: dict, events: list | None = None, ws: Workspace | None = None) -> Round:
    """The round's passes and runs, from the runs of the log inside its time."""
    if events is None:
        if ws is None:
            raise TypeError("derive() needs the run log's events or the workspace to read them from")
        events = state.log(ws)
    started, until = window(found)
    last = len(kata.stage_titles)
    result = Round()
    for event in events:
        if not isinstance(event, state.Run) or kata.name not in event.katas:
            continue
        if not started <= event.when <= until:
            continue
        working_on = min(result.reached + 1, last)
        result.runs[working_on] = result.runs.get(working_on, 0) + 1
        highest = event.katas[kata.name].highest_passed()
        for stage in range(result.reached + 1, highest + 1):
            result.passed_at[stage] = event.when
        result.reached = max(result.reached, highest)
    return result


def unlocked_stage(ws: Workspace, kata: Kata) -> int:
    """The highest stage whose text may be shown: during an interview, this round's."""
    found = running(ws, kata)
    last = len(kata.stage_titles)
    if found is not None:
        return min(derive(kata, found, ws=ws).reached + 1, last)
    return state.kata_progress(ws, kata).current


# --- observing runs ---------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something an interview learned from a run, for the command to say."""

    kata: Kata
    kind: str  # "passed" or "ended"
    stage: int = 0
    reason: str = ""
    at: str = ""


def _end(found: dict, when: datetime, reason: str, hints: dict) -> None:
    found["ended_at"] = state.stamp(when)
    found["reason"] = reason
    found["hints"] = dict(hints)


def observe(ws: Workspace) -> list[Note]:
    """Announce what new runs did to any running interview; end one that is over."""
    data = _all(ws)
    if not any(running(ws, kata, data) for kata in ws.catalog.katas):
        return []
    events = state.log(ws)
    notes: list[Note] = []
    changed = False
    hint_counts = state.load(ws, HINTS).get("katas", {})
    now = state.now()
    for kata in ws.catalog.katas:
        found = running(ws, kata, data)
        if found is None:
            continue
        started = state.parse_time(found["started_at"])
        seen = derive(kata, found, events)
        announced = int(found.get("reached", 0))
        if seen.reached > announced:
            snap = api.snapshot(kata, ws.solutions())
            for stage in range(announced + 1, seen.reached + 1):
                found.setdefault("api", {})[str(stage)] = snap
                notes.append(Note(kata, "passed", stage, at=elapsed(started, seen.passed_at[stage])))
            found["reached"] = seen.reached
            changed = True
        reason = None
        if seen.reached >= len(kata.stage_titles):
            reason, when = ALL_PASSED, seen.passed_at[len(kata.stage_titles)]
        elif now >= state.parse_time(found["ends_at"]):
            reason, when = TIME_UP, state.parse_time(found["ends_at"])
        if reason:
            _end(found, when, reason, hint_counts.get(kata.name, {}))
            notes.append(Note(kata, "ended", reason=reason))
            changed = True
    if changed:
        state.save(ws, INTERVIEW, data)
    return notes


# --- starting and stopping --------------------------------------------------


def elapsed(start: datetime, end: datetime) -> str:
    seconds = max(0, int((end - start).total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Started:
    kata: Kata
    started_at: datetime
    ends_at: datetime
    minutes: int
    already_passing: int  # stages the solution passed before the round began


def start(ws: Workspace, kata: Kata, minutes: int) -> Started:
    """Begin a timed round of ``kata``; its hints start again from the first."""
    if minutes < 1:
        raise Problem(f"--minutes {minutes}: an interview lasts at least 1 minute", USAGE)
    data = _all(ws)
    found = running(ws, kata, data)
    if found is not None:
        raise Problem(RUNNING.format(kata=kata.name, started=found["started_at"]), USAGE)
    now = state.now()
    ends = now + timedelta(minutes=minutes)
    data.setdefault("katas", {})[kata.name] = {
        "started_at": state.stamp(now),
        "ends_at": state.stamp(ends),
        "minutes": minutes,
        "reached": 0,  # stages announced as passed; the log says what happened
        "api": {},
    }
    state.save(ws, INTERVIEW, data)
    state.forget_hints(ws, kata)
    progress = state.kata_progress(ws, kata)
    return Started(kata, now, ends, minutes, progress.highest_passed() if progress.ran else 0)


def stop(ws: Workspace, kata: Kata) -> None:
    data = _all(ws)
    found = running(ws, kata, data)
    if found is None:
        if record(ws, kata, data) is None:
            raise Problem(NONE_YET.format(kata=kata.name), USAGE)
        raise Problem(NOT_RUNNING.format(kata=kata.name), USAGE)
    hints = state.load(ws, HINTS).get("katas", {}).get(kata.name, {})
    _end(found, state.now(), STOPPED, hints)
    state.save(ws, INTERVIEW, data)


# --- the report -------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    stage: int
    title: str
    passed_at: str | None  # time into the round, "0:12:03"
    took: str | None  # time on this stage (so far, if it was never passed)
    runs: int
    hints: int


@dataclass
class Report:
    kata: Kata
    started_at: datetime
    ends_at: datetime
    minutes: int
    ended_at: datetime | None
    reason: str | None
    reached: int
    stages: list[StageLine] = field(default_factory=list)
    changes: dict[int, list[api.Change]] = field(default_factory=dict)  # stage -> since previous
    recorded: list[int] = field(default_factory=list)  # stages with an API snapshot
    problems: dict[int, str] = field(default_factory=dict)  # stage -> import problem

    @property
    def additive(self) -> int:
        return sum(c.kind == api.ADDITIVE for cs in self.changes.values() for c in cs)

    @property
    def breaking(self) -> int:
        return sum(c.kind == api.BREAKING for cs in self.changes.values() for c in cs)


def report(ws: Workspace, kata: Kata) -> Report:
    """The latest interview of ``kata`` (a running one: so far)."""
    found = record(ws, kata)
    if found is None:
        raise Problem(NONE_YET.format(kata=kata.name), USAGE)
    started = state.parse_time(found["started_at"])
    ended = state.parse_time(found["ended_at"]) if found.get("ended_at") else None
    hints = found.get("hints")
    if hints is None:
        hints = state.load(ws, HINTS).get("katas", {}).get(kata.name, {})
    seen = derive(kata, found, ws=ws)
    reached = seen.reached
    result = Report(
        kata,
        started,
        state.parse_time(found["ends_at"]),
        found.get("minutes", 0),
        ended,
        found.get("reason"),
        reached,
    )
    previous = started
    until = ended or min(state.now(), result.ends_at)
    for stage in kata.stages:
        runs = seen.runs.get(stage, 0)
        shown = int(hints.get(str(stage), 0))
        at = seen.passed_at.get(stage)
        if at is not None:
            result.stages.append(
                StageLine(
                    stage, kata.stage_title(stage), elapsed(started, at), elapsed(previous, at), runs, shown
                )
            )
            previous = at
        elif stage == reached + 1:
            result.stages.append(
                StageLine(stage, kata.stage_title(stage), None, elapsed(previous, until), runs, shown)
            )
        else:
            result.stages.append(StageLine(stage, kata.stage_title(stage), None, None, runs, shown))
    snaps = {int(s): v for s, v in found.get("api", {}).items() if str(s).isdigit()}
    result.recorded = sorted(snaps)
    for stage, snap in snaps.items():
        if snap.get("problem"):
            result.problems[stage] = snap["problem"]
    for before, after in pairwise(result.recorded):
        result.changes[after] = api.compare(snaps[before], snaps[after])
    return result
