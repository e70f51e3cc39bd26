"""The reference solutions of every stage, imported side by side in one process.

Also the tuned final stages in ``benchmarks/tuned/``: the stage 4 references
as they were before issue 12, with the speed tricks a learner should not
copy. They pass every stage too (``pytest stages/stage4 --kata K
--solution benchmarks/tuned``), and show beside the references what
those tricks buy (``docs/benchmarks.md``).

Each stage's folder uses the same package name, so each is imported under
the harness's private name (``dojo.loader.load_solution``), which replaces
the previous stage's modules in ``sys.modules``; the class objects we keep
still hold their own modules, so all four stages can run interleaved.
"""

from __future__ import annotations

from pathlib import Path

from dojo.catalog import load_catalog
from dojo.loader import load_solution

REPO = Path(__file__).resolve().parents[1]
TUNED = REPO / "benchmarks" / "tuned"  # laid out like katas/: tuned/<kata>/
TUNED_NAME = "tuned stage 4 (not for copying)"


def stage_name(stage: int) -> str:
    """How a reference solution is named in the tables."""
    return f"reference stage {stage}"


def reference_classes(kata_name: str) -> dict[int, type]:
    """``{stage: class}`` for each stage whose reference exists and imports."""
    kata = load_catalog(REPO).get(kata_name)
    found = {}
    for stage in kata.stages:
        loaded = load_solution(kata, REPO / "reference" / f"stage{stage}")
        if loaded.cls is None:
            raise RuntimeError(f"reference/stage{stage}/{kata_name}: {loaded.problem}")
        found[stage] = loaded.cls
    return found


def tuned_class(kata_name: str) -> type | None:
    """The class of ``benchmarks/tuned/<kata>/``, or None when that kata has no tuned version."""
    kata = load_catalog(REPO).get(kata_name)
    if not (TUNED / kata_name).is_dir():
        return None
    loaded = load_solution(kata, TUNED)
    if loaded.cls is None:
        raise RuntimeError(f"benchmarks/tuned/{kata_name}: {loaded.problem}")
    return loaded.cls
