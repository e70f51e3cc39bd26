"""The end-of-run report: each kata's stages, and the one next step."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dojo.catalog import Catalog, Kata

PASSED, FAILED, LOCKED, SKIPPED, NOT_RUN = "passed", "failed", "locked", "skipped", "not run"
LOCKED_REASON = "locked: stage {stage} of {kata} has failures"
# How many distinct failure messages the report repeats under the stage to fix,
# and how much of each: the full text is in pytest's output above.
MESSAGES_SHOWN, MESSAGE_WIDTH = 3, 150


@dataclass
class StageTally:
    """What happened to one kata's stage in this run."""

    total: int = 0
    passed: int = 0
    failed: int = 0
    locked: int = 0
    skipped: int = 0

    @property
    def status(self) -> str:
        if self.failed:
            return FAILED
        if self.locked:
            return LOCKED
        if self.passed:
            return PASSED
        return SKIPPED if self.skipped else NOT_RUN

    def describe(self) -> str:
        if self.status == FAILED:
            return f"failed ({self.failed} of {self.total})"
        if self.status == PASSED:
            return f"passed ({self.passed} test{'s' if self.passed != 1 else ''})"
        return self.status

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "locked": self.locked,
            "skipped": self.skipped,
        }


@dataclass
class KataRun:
    """One kata's stages in this run, by stage number."""

    kata: Kata
    stages: dict[int, StageTally] = field(default_factory=dict)
    messages: dict[int, list[str]] = field(default_factory=dict)  # stage -> failure messages

    def first_failed(self) -> int | None:
        return next((s for s in sorted(self.stages) if self.stages[s].status == FAILED), None)

    def highest_passed(self) -> int:
        """The last stage of an unbroken run of passes from stage 1 (0 if none)."""
        highest = 0
        for stage in self.kata.stages:
            if stage in self.stages and self.stages[stage].status == PASSED:
                highest = stage
            else:
                break
        return highest


def command(stage: int, extra: str) -> str:
    return f"pytest stages/stage{stage}{extra}"


def next_step(run: KataRun, extra: str, root_display) -> str:
    """One line: what the learner should do now."""
    kata = run.kata
    failed = run.first_failed()
    if failed is not None:
        return (
            f"Next: make stage {failed} pass (task: {root_display(kata.task_path(failed))}), "
            f"then rerun: {command(failed, extra)}"
        )
    highest = run.highest_passed()
    if highest == 0:
        return f"Next: read {root_display(kata.task_path(1))}, then run: {command(1, extra)}"
    if highest < len(kata.stage_titles):
        nxt = highest + 1
        if nxt in run.stages:  # ran, but neither passed nor failed: skipped
            return f"Next: stage {nxt} was skipped; run: {command(nxt, extra)}"
        return (
            f"Stage {highest} passed. Stage {nxt} ({kata.stage_title(nxt)}) is unlocked: "
            f"read {root_display(kata.task_path(nxt))}, then run: {command(nxt, extra)}"
        )
    return f"All {highest} stages pass. See how your design compares: dojo compare {kata.name}"


def grouped(messages: list[str]) -> list[str]:
    """The failure messages that several tests share, each once with its count.

    A fresh stub fails every test with the same "implement __init__()": one
    line saying so beats scrolling through sixty. Messages no other test
    shares are left to pytest's own summary above.
    """
    shared = [(m, n) for m, n in Counter(messages).most_common(MESSAGES_SHOWN) if n > 1]
    lines = []
    for message, count in shared:
        if len(message) > MESSAGE_WIDTH:
            message = message[: MESSAGE_WIDTH - 3] + "..."
        lines.append(f"{count} tests: {message}")
    others = len(messages) - sum(n for _, n in shared)
    if shared and others:
        lines.append(f"and {others} more with other messages (see the failures above)")
    return lines


def render(runs: list[KataRun], extra: str, root_display) -> list[str]:
    """The report's lines, kata by kata; under the stage to fix, what fails there."""
    lines = []
    for run in runs:
        kata = run.kata
        to_fix = run.first_failed()
        lines.append(f"{kata.name} ({kata.title})")
        for stage in kata.stages:
            tally = run.stages.get(stage)
            if tally:
                status = tally.describe()
            else:  # not in this run; locked all the same while an earlier stage fails
                status = LOCKED if to_fix is not None and stage > to_fix else NOT_RUN
            lines.append(f"  stage {stage}  {kata.stage_title(stage):<24} {status}")
            if stage == to_fix:
                lines += [f"      {line}" for line in grouped(run.messages.get(stage, []))]
        lines.append(f"  {next_step(run, extra, root_display)}")
    return lines


def runs_for(
    catalog: Catalog,
    tallies: dict[tuple[str, int], StageTally],
    messages: dict[tuple[str, int], list[str]] | None = None,
) -> list[KataRun]:
    """Group the tallies (and failure messages) by kata, in manifest order, keeping katas that ran."""
    messages = messages or {}
    runs = []
    for kata in catalog.katas:
        stages = {s: t for (name, s), t in tallies.items() if name == kata.name}
        if stages:
            mine = {s: m for (name, s), m in messages.items() if name == kata.name}
            runs.append(KataRun(kata, stages, mine))
    return runs
