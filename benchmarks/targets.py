"""The targets of issue 6 (the LRU's as revised by issue 12), checked against one run's results.

Every target is a ratio of medians measured in the same run (or, for the
suites, a wall time). Where a workload comes in several variants (uniform
and Zipf keys, two capacities, two sizes), the worst variant is the one
reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks import db, lru
from benchmarks.references import stage_name
from benchmarks.timing import Samples

SIZE_INDEPENDENT = 1.5  # "independent of database size": within this factor from 2,000 to 200,000 keys
# Issue 13, "feedback in under two seconds": a passing stage 4 run (stages 1-4) of a kata
# in the learner's profile, and a passing stage 1 run; the whole grade in the grader's.
SUITE_WALL = 2.0
SUITE_CPU = 1.5
STAGE1_WALL = 1.0
GRADE_SECONDS = 60.0
FIRST_FAILURE = 1.0  # a stage 1 bug's first failure shows within it
DEADLOCK_SHOWN = 5.0  # a deadlocking stage 4 solution's first failure shows within it, from the start


@dataclass(frozen=True)
class Target:
    """One target: what it asks, what was measured (worst case), whether it holds."""

    name: str
    measured: float
    limit: str
    met: bool
    where: str  # the worst variant, or other detail

    def as_json(self) -> dict:
        return dict(self.__dict__)


def _ratio(samples: dict[str, Samples], top: str, bottom: str) -> float | None:
    if top not in samples or bottom not in samples:
        return None
    return samples[top].median / samples[bottom].median


def _worst(results: dict[str, dict[str, Samples]], top: str, bottom: str, pick=max, only=""):
    """The (ratio, workload) that is worst across the workloads containing ``only``."""
    found = [
        (ratio, name)
        for name, samples in results.items()
        if only in name and (ratio := _ratio(samples, top, bottom)) is not None
    ]
    return pick(found) if found else None


def evaluate(results: dict) -> list[Target]:
    targets = []

    def add(name, found, limit, ok):
        if found is not None:
            ratio, where = found
            targets.append(Target(name, ratio, limit, ok(ratio), where))

    if "lru" in results:
        r = results["lru"]
        s2, s4 = stage_name(2), stage_name(4)
        # Issue 12's targets for references a learner should copy (no speed tricks).
        add("LRU stage 2 vs cachetools.LRUCache", _worst(r, s2, lru.CACHETOOLS), "below 1.0x (faster)",
            lambda x: x < 1.0)
        add("LRU stage 2 per operation vs lru.LRU", _worst(r, s2, lru.ANCHOR), "at most 2x",
            lambda x: x <= 2.0)
        add("boltons.cacheutils.LRU vs LRU stage 4 (how many times faster stage 4 is)",
            _worst(r, lru.THREAD_SAFE_ANCHOR, s4, pick=min), "at least 2x", lambda x: x >= 2.0)
    if "db" in results:
        r = results["db"]
        s4 = stage_name(4)
        add("DB stage 4 get vs dict", _worst(r, s4, db.FLOOR, only="get,"), "at most 3x",
            lambda x: x <= 3.0)
        add("DB stage 4 set vs dict", _worst(r, s4, db.FLOOR, only="set (overwrite)"), "at most 3x",
            lambda x: x <= 3.0)
        scan10 = next((n for n in r if n.startswith("scan, 10 of")), None)
        if scan10:
            add("DB stage 4 scan of 10 keys vs bare SortedList bisect + slice",
                (_ratio(r[scan10], s4, db.SCAN_FLOOR), scan10), "at most 5x", lambda x: x <= 5.0)
            add("DB stage 4 scan of 10 keys vs sqlite3 range query",
                (_ratio(r[scan10], s4, db.SQLITE), scan10), "below 1.0x (faster)", lambda x: x < 1.0)
        for depth in db.DEPTHS:
            sizes = sorted(
                (name for name in r if name.startswith(f"begin/set/rollback, depth {depth},")),
                key=lambda name: int(name.rsplit(", ", 1)[1].split()[0].replace(",", "")),
            )
            if len(sizes) == 2 and s4 in r[sizes[0]]:
                ratio = r[sizes[1]][s4].median / r[sizes[0]][s4].median
                targets.append(Target(
                    f"DB stage 4 begin/set/rollback at depth {depth}: large vs small database",
                    ratio, f"within {SIZE_INDEPENDENT}x (independent of size)",
                    ratio <= SIZE_INDEPENDENT, f"{sizes[1]} vs {sizes[0].rsplit(', ', 1)[1]}",
                ))
    if "suites" in results:
        runs = [run for run in results["suites"] if run.wall > 0 and run.katas]
        failing = [run for run in runs if run.entry]
        runs = [run for run in runs if not run.entry]
        learner = [run for run in runs if run.profile == "default" and len(run.katas) == 1]
        last = max((run.stage for run in learner), default=0)
        whole = [run for run in learner if run.stage == last]
        if whole:
            slowest = max(whole, key=lambda run: run.wall)
            targets.append(Target(
                "a learner's passing pytest stages/stage4 per kata, default profile: wall (slowest)",
                slowest.wall, f"at most {SUITE_WALL:g} s", slowest.wall <= SUITE_WALL,
                slowest.label,
            ))
            hungriest = max(whole, key=lambda run: run.cpu)
            targets.append(Target(
                "... and its CPU time (slowest)", hungriest.cpu, f"at most {SUITE_CPU:g} s",
                hungriest.cpu <= SUITE_CPU, hungriest.label,
            ))
        first = [run for run in learner if run.stage == 1]
        if first:
            slowest = max(first, key=lambda run: run.wall)
            targets.append(Target(
                "a learner's passing pytest stages/stage1 per kata, default profile: wall (slowest)",
                slowest.wall, f"under {STAGE1_WALL:g} s", slowest.wall < STAGE1_WALL, slowest.label,
            ))
        for run in failing:
            shown = run.first_failure if run.first_failure is not None else float("inf")
            limit = FIRST_FAILURE if run.stage == 1 else DEADLOCK_SHOWN
            targets.append(Target(
                f"a failing learner's run, stage {run.stage}: seconds until its first failure shows",
                shown, f"at most {limit:g} s", shown <= limit, run.label,
            ))
        grade = [run for run in runs if len(run.katas) > 1]
        for run in grade:
            targets.append(Target(
                "the full grade of every kata (grade profile)", run.wall,
                f"under {GRADE_SECONDS:g} s", run.wall < GRADE_SECONDS, f"{run.cpu:.1f} s CPU",
            ))
    return targets
