"""The learner's progress, derived from the run log in the state folder (``.dojo/``).

The pytest plugin appends one line to ``runs.jsonl`` after every run of the
learner's code that executed a test, whether ``dojo`` started it or the
learner typed ``pytest``; ``dojo reset`` appends a reset marker. Everything
here is computed from that log, in order:

- per stage, the latest *verdict* (a full run that passed it, or any run in
  which it failed), with its time and the fingerprint of the code it ran on:
  a later run of fewer stages does not erase it, and code changed since is
  shown as such;
- ``best``: the highest stage a single run ever passed from stage 1 (it
  unlocks stage texts, hints and the reference in ``dojo compare``).

Other state files (hints, interviews) are small JSON objects written
atomically; a corrupt one is rebuilt with a one-line warning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dojo import progress, stubs
from dojo.catalog import Kata
from dojo.learner.workspace import Problem, Workspace
from dojo.results import KataResult, StageResult

CLOCK_ENV = progress.CLOCK_ENV
HINTS = "hints.json"
RUN, RESET = "run", "reset"
BAD_CLOCK = "DOJO_NOW={value!r} is not an ISO date and time such as 2026-01-31T09:30:00+00:00"


# --- the clock --------------------------------------------------------------


def parse_time(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def now() -> datetime:
    """The current time; ``$DOJO_NOW`` (ISO 8601) fakes it, for tests and time travel."""
    try:
        return progress.clock()
    except ValueError:
        raise Problem(BAD_CLOCK.format(value=os.environ.get(CLOCK_ENV))) from None


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


# --- the run log ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One run of the learner's code, as logged: when, and each kata's results."""

    when: datetime
    at: str
    katas: dict[str, KataResult]


@dataclass(frozen=True)
class Reset:
    """``dojo reset KATA``: the kata's progress starts afresh from here."""

    when: datetime
    kata: str


def log(ws: Workspace) -> list[Run | Reset]:
    """Every readable event of the log, in order."""
    events: list[Run | Reset] = []
    for record in progress.read_lines(path(ws, progress.RUN_LOG)):
        written = record.get("finished_at") or record.get("at")
        if not isinstance(written, str):
            continue
        try:
            when = parse_time(written)
        except ValueError:
            continue
        if record.get("event") == RESET and isinstance(record.get("kata"), str):
            events.append(Reset(when, record["kata"]))
        elif record.get("event") == RUN and isinstance(record.get("katas"), dict):
            katas = {}
            for kata in ws.catalog.katas:
                entry = record["katas"].get(kata.name)
                if isinstance(entry, dict):
                    katas[kata.name] = KataResult.from_json(kata.name, kata.stages, entry, at=stamp(when))
            events.append(Run(when, stamp(when), katas))
    return events


def runs_of(kata: Kata, events: list[Run | Reset]) -> list[tuple[datetime, KataResult]]:
    """The kata's runs since its last reset, in order."""
    found: list[tuple[datetime, KataResult]] = []
    for event in events:
        if isinstance(event, Reset) and event.kata == kata.name:
            found = []
        elif isinstance(event, Run) and kata.name in event.katas:
            found.append((event.when, event.katas[kata.name]))
    return found


def forget(ws: Workspace, kata: Kata) -> None:
    """Start the kata afresh (after a reset): a marker in the log, and no hints shown."""
    try:
        progress.append_line(
            path(ws, progress.RUN_LOG), {"event": RESET, "kata": kata.name, "at": stamp(now())}
        )
    except OSError as exc:
        progress.warn(f"kata-dojo: warning: could not save {path(ws, progress.RUN_LOG)}: {exc.strerror}")
    forget_hints(ws, kata)


def forget_hints(ws: Workspace, kata: Kata) -> None:
    """Start the kata's hints from the first again (a new interview does)."""
    data = load(ws, HINTS)
    data.setdefault("katas", {})[kata.name] = {}
    save(ws, HINTS, data)


# --- progress ---------------------------------------------------------------


@dataclass
class KataProgress:
    """A kata's verdicts per stage, the best stage reached, and its latest run."""

    kata: Kata
    verdicts: KataResult
    latest: KataResult | None = None
    finished_at: str | None = None
    best: int = 0
    runs: int = 0
    fingerprint: str | None = None  # of the code as it is now
    history: list[tuple[datetime, KataResult]] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.finished_at is not None

    def result(self, stage: int) -> StageResult:
        return self.verdicts.result(stage)

    def shown(self, stage: int) -> StageResult:
        """The result to show: a stage never decided beyond the unlocked one reads "locked"."""
        if stage not in self.verdicts.stages and stage > self.best + 1:
            return StageResult(stage, total=1, locked=1)
        return self.result(stage)

    def changed_since(self, stage: int) -> bool:
        """The stage's verdict was seen on code that has changed since."""
        seen = self.verdicts.stages.get(stage)
        return (
            seen is not None
            and seen.fingerprint is not None
            and self.fingerprint is not None
            and seen.fingerprint != self.fingerprint
        )

    def highest_passed(self) -> int:
        return self.verdicts.highest_passed()

    def first_failed(self) -> int | None:
        return self.verdicts.first_failed()

    @property
    def last_stage(self) -> int:
        return len(self.kata.stage_titles)

    @property
    def current(self) -> int:
        """The stage to work on: the one after the best reached (the last when all pass)."""
        return min(self.best + 1, self.last_stage)


def progress_of(
    kata: Kata, history: list[tuple[datetime, KataResult]], fingerprint: str | None = None
) -> KataProgress:
    """Fold a kata's runs, oldest first, into its progress."""
    verdicts = KataResult(kata.name, kata.stages, fingerprint=fingerprint)
    best = 0
    for _, result in history:
        best = max(best, result.highest_passed())
        for stage, seen in result.stages.items():
            if seen.is_verdict:
                verdicts.stages[stage] = seen
    latest = history[-1][1] if history else None
    finished = stamp(history[-1][0]) if history else None
    return KataProgress(kata, verdicts, latest, finished, best, len(history), fingerprint, history)


def kata_progress(ws: Workspace, kata: Kata, events: list[Run | Reset] | None = None) -> KataProgress:
    """What the run log knows of ``kata``."""
    events = log(ws) if events is None else events
    return progress_of(kata, runs_of(kata, events), stubs.fingerprint(ws.solutions() / kata.name))
