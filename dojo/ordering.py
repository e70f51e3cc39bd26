"""Which tests of a stage run first, and when a failing stage stops.

A learner reruns a stage after every edit and reads its first failure, so
within each stage (stages still run in order, each judged whole) the tests
that failed in the last run come first (pytest's own ``--lf`` record), then
the cheapest, by the time each took when it last ran: a cheap test that
fails says as much as a slow one, sooner. A test never timed counts as
cheap. The order never changes a verdict.

Once a stage has failed, the rest of it can only add failures, and its
slow tests (state machines, cost checks, thread rounds) make the learner
wait for them. So in the default profile a stage stops once
``STOP_AFTER`` of its test functions have failed: its other tests are not
run, the stage has failed all the same, and the report says so. The grade
profile (any profile named on the command line) and ``--stop-after 0`` run
every test.
"""

from __future__ import annotations

from bisect import bisect
from typing import Any

STOP_AFTER = 3
STOPPED = "not run: stage {stage} stopped after {count} failing tests (pytest --stop-after 0 runs every test)"
STOPPED_NOTE = (
    "  {address.kata} stage {address.stage} stopped after {count} failing tests ({tests} tests not run):"
    " fix those first,"
    " or run every test with --stop-after 0"
)
DURATIONS_KEY = "dojo/durations"  # nodeid -> seconds its last run took, in pytest's cache
LAST_FAILED_KEY = "cache/lastfailed"  # pytest's cacheprovider: the tests that failed last run
# Costs in classes, so that tests of about the same cost keep their file order from run to run.
COST_CLASSES = (0.01, 0.1, 1.0)


def function_of(nodeid: str) -> str:
    """The test function of a node id: its parametrized cases are one test function."""
    return nodeid.partition("[")[0]


def stop_after(given: int | None, chosen_profile: str | None) -> int:
    """How many failed test functions stop a stage: the option, else by the profile (0: never)."""
    if given is not None:
        return max(0, given)
    return STOP_AFTER if chosen_profile is None else 0


def _mapping(cache: Any, key: str) -> dict[str, Any]:
    """A dict from pytest's cache; anything else (no cache, a damaged file) is an empty one."""
    found = cache.get(key, None) if cache is not None else None
    return found if isinstance(found, dict) else {}


class Ranks:
    """Each test's place within its stage, from the last runs (pytest's cache)."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache  # None under -p no:cacheprovider: file order, nothing remembered
        self.last_failed = _mapping(cache, LAST_FAILED_KEY)
        self.durations = {
            k: v for k, v in _mapping(cache, DURATIONS_KEY).items() if isinstance(v, int | float)
        }

    def of(self, nodeid: str) -> tuple[bool, int]:
        """Sorts before a higher one: failed last time, then cheaper."""
        return nodeid not in self.last_failed, bisect(COST_CLASSES, self.durations.get(nodeid, 0.0))

    def remember(self, durations: dict[str, float]) -> None:
        """Keep the times of the tests that ran, beside those of earlier runs."""
        if self.cache is None or not durations:
            return
        self.cache.set(DURATIONS_KEY, {**self.durations, **{k: round(v, 4) for k, v in durations.items()}})
