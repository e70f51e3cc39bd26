"""Progressive hints: the design nudge first, the data structure last.

Each ``dojo hint`` shows the next hint of the current stage and remembers
how many were shown (``.dojo/hints.json``), so the next one moves on;
``dojo hint --all`` shows again those already revealed, none more.
"""

from __future__ import annotations

from dataclasses import dataclass

from dojo.catalog import CatalogError, Kata
from dojo.learner import interview, state
from dojo.learner.workspace import USAGE, Problem, Workspace

HINTS = state.HINTS
NONE = "stage {stage} of {kata} has no hints (katas/{kata}/hints.toml, table [stage{stage}])"


@dataclass(frozen=True)
class Hint:
    kata: Kata
    stage: int
    number: int  # 1-based
    total: int
    text: str

    @property
    def last(self) -> bool:
        return self.number >= self.total


def _stage_hints(ws: Workspace, kata: Kata) -> tuple[int, list[str]]:
    stage = interview.unlocked_stage(ws, kata)
    try:
        hints = kata.hints(stage)
    except CatalogError as exc:
        raise Problem(str(exc), USAGE) from None
    if not hints:
        raise Problem(NONE.format(stage=stage, kata=kata.name), USAGE)
    return stage, hints


def _shown(counts: dict, stage: int) -> int:
    value = counts.get(str(stage), 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def revealed(ws: Workspace, kata: Kata) -> tuple[int, list[Hint]]:
    """The current stage, and its hints already shown (revealing none)."""
    stage, hints = _stage_hints(ws, kata)
    counts = state.load(ws, HINTS).get("katas", {}).get(kata.name, {})
    count = min(_shown(counts if isinstance(counts, dict) else {}, stage), len(hints))
    return stage, [Hint(kata, stage, n, len(hints), hints[n - 1]) for n in range(1, count + 1)]


def next_hint(ws: Workspace, kata: Kata) -> Hint:
    """The next hint of the current stage (the last one again once all were shown)."""
    stage, hints = _stage_hints(ws, kata)
    data = state.load(ws, HINTS)
    counts = data.setdefault("katas", {}).setdefault(kata.name, {})
    before = _shown(counts, stage)
    number = min(before + 1, len(hints))
    counts[str(stage)] = number
    state.save(ws, HINTS, data)
    return Hint(kata, stage, number, len(hints), hints[number - 1])
