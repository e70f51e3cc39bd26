"""The end-of-run report: each kata's stages, and the one next step.

What each stage's result is, and the words for it, come from
:mod:`dojo.results`; this module only lays them out for the terminal.
"""

from __future__ import annotations

from collections import Counter

from dojo import layout
from dojo.catalog import Catalog, Kata
from dojo.results import KataResult, Outcome

# How many distinct failure messages the report repeats under the stage to fix,
# and how much of each: the full text is in pytest's output above.
MESSAGES_SHOWN, MESSAGE_WIDTH = 3, 150
NOT_STARTED = f"{{kata}}: not started; begin with: pytest {layout.stage_arg(1)} --kata {{kata}}"
WELCOME = "Welcome to kata-dojo. No kata is started yet; pick one and run its stage 1:"


def command(stage: int, extra: str) -> str:
    return f"pytest {layout.stage_arg(stage)}{extra}"


def unfinished(run: KataResult) -> int | None:
    """The first stage of the run that did not run whole (partial, or not run at all)."""
    ran = [s for s in sorted(run.stages) if run.stages[s].ran]
    last = ran[-1] if ran else 0
    return next((s for s in sorted(run.stages) if s <= last and not run.stages[s].complete), None)


def next_step(kata: Kata, run: KataResult, extra: str, root_display) -> str:
    """One line: what the learner should do now."""
    failed = run.first_failed()
    if failed is not None:
        return (
            f"Next: make stage {failed} pass (task: {root_display(kata.task_path(failed))}), "
            f"then rerun: {command(failed, extra)}"
        )
    partial = unfinished(run)
    if partial is not None:
        stage = run.result(partial)
        why = stage.note() or f"stage {partial} did not run"
        return f"{why[0].upper()}{why[1:]}: {command(partial, extra)}"
    highest = run.highest_passed()
    if highest == 0:
        return f"Next: read {root_display(kata.task_path(1))}, then run: {command(1, extra)}"
    if highest < len(kata.stage_titles):
        nxt = highest + 1
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


def render(runs: list[KataResult], catalog: Catalog, extra: str, root_display) -> list[str]:
    """The report's lines, kata by kata; under the stage to fix, what fails there."""
    lines = []
    for run in runs:
        kata = catalog.get(run.name)
        to_fix = run.first_failed()
        lines.append(f"{kata.name} ({kata.title})")
        for stage in kata.stages:
            result = run.stages.get(stage)
            if result:
                status = result.describe()
            else:  # not in this run; locked all the same while an earlier stage fails
                status = Outcome.LOCKED if to_fix is not None and stage > to_fix else Outcome.NOT_RUN
            lines.append(f"  stage {stage}  {kata.stage_title(stage):<24} {status}")
            if stage == to_fix:
                messages = [f.get("message", "") for f in run.result(stage).failures]
                lines += [f"      {line}" for line in grouped(messages)]
        lines.append(f"  {next_step(kata, run, extra, root_display)}")
    return lines


def welcome(catalog: Catalog, quiet: list[str], root_display, *, everything: bool) -> list[str]:
    """The lines for katas not started: a welcome when no kata is, else one line each."""
    if not everything:
        return [NOT_STARTED.format(kata=name) for name in quiet]
    width = max(len(k.name) for k in catalog.katas)
    lines = [WELCOME]
    for kata in catalog.katas:
        lines.append(
            f"  {kata.name:<{width}}  {kata.title}: read {root_display(kata.task_path(1))}, "
            f"then run: {command(1, f' --kata {kata.name}')}"
        )
    return lines
