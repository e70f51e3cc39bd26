"""Where the learner stands: each kata's verdicts per stage, from the run log."""

from __future__ import annotations

from dojo.learner import state
from dojo.learner.state import KataProgress
from dojo.learner.workspace import Workspace


def status(ws: Workspace, name: str | None = None) -> list[KataProgress]:
    """Every kata's progress (or only ``name``'s), in manifest order."""
    events = state.log(ws)
    return [state.kata_progress(ws, kata, events) for kata in ws.katas(name)]


def next_step(p: KataProgress, interview_stage: int | None = None) -> str:
    """One line: what to do now, as dojo commands.

    During an interview the round's own stage comes first, so status, task
    and hint all point at the same stage.
    """
    name = p.kata.name
    if interview_stage is not None:
        return (
            f"Interview running: stage {interview_stage} ({p.kata.stage_title(interview_stage)}); "
            f"dojo task {name}, then dojo run {name}"
        )
    if not p.ran:
        return f"Next: read the task (dojo task {name}), then run the tests (dojo run {name})"
    failed = p.first_failed()
    if failed is not None:
        return (
            f"Next: make stage {failed} pass (dojo task {name} --stage {failed}), then rerun: dojo run {name}"
        )
    highest = p.highest_passed()
    if highest >= p.last_stage:
        return f"All {highest} stages pass. See how your design compares: dojo compare {name}"
    if highest == 0:
        return f"Next: run the tests: dojo run {name}"
    nxt = highest + 1
    return (
        f"Stage {highest} passed. Stage {nxt} ({p.kata.stage_title(nxt)}) is unlocked: "
        f"dojo task {name}, then dojo run {name}"
    )
