"""Which tests of a stage run first, and when a failing stage stops.

A learner reruns a stage after every edit and reads its first failure, so
within each stage (stages still run in order, each judged whole) the tests
that failed when they last ran come first, then the cheapest, by the time
each took when it last ran: a cheap test that fails says as much as a slow
one, sooner. A test never timed counts as cheap. Both are kept in pytest's
cache (``.pytest_cache``); a test the harness did not run (its stage locked
or stopped) keeps what it had. The order never changes a verdict.

Once a stage has failed, the rest of it can only add failures, and its
slow tests (state machines, cost checks, thread rounds) make the learner
wait for them. So in the default profile a stage stops once
``STOP_AFTER`` of its test functions have failed, each with a message of its
own: its other tests are not run, the stage has failed all the same, and
the report says so. A method that still raises the stub's
``NotImplementedError`` does not count: the report lists what is left to
write, and the failures of what is written still show. The grade
profile (any profile named on the command line) and ``--stop-after 0`` run
every test.
"""

from __future__ import annotations

from bisect import bisect
from typing import Any

STOP_AFTER = 3
STOPPED = (
    "not run: stage {stage} stopped after {count} different failures (pytest --stop-after 0 runs every test)"
)
STOPPED_NOTE = (
    "  {address.kata} stage {address.stage} stopped after {count} different failures ({tests} tests not run):"
    " fix those first, or run every test with --stop-after 0"
)
DURATIONS_KEY = "dojo/durations"  # nodeid -> seconds its last run took, in pytest's cache
FAILED_KEY = "dojo/failed"  # the node ids that failed when they last ran
# Costs in classes, so that tests of about the same cost keep their file order from run to run.
COST_CLASSES = (0.01, 0.1, 1.0)


def function_of(nodeid: str) -> str:
    """The test function of a node id: its parametrized cases are one test function."""
    return nodeid.partition("[")[0]


def distinct_failures(failures: list[dict]) -> int:
    """How many different things went wrong: the messages of each failed test function's first failure.

    A function's parametrized cases fail alike: its first case speaks for it.
    """
    first: dict[str, str] = {}
    for failure in failures:
        first.setdefault(function_of(failure["test"]), failure.get("message", ""))
    return len(set(first.values()))


def stop_after(given: int | None, chosen_profile: str | None) -> int:
    """How many different failures stop a stage: the option, else by the profile (0: never)."""
    if given is not None:
        return max(0, given)
    return STOP_AFTER if chosen_profile is None else 0


def _read(cache: Any, key: str, kind: type) -> Any:
    """A ``kind`` from pytest's cache; anything else (no cache, a damaged file) is an empty one."""
    try:
        found = cache.get(key, None) if cache is not None else None
    except RecursionError:  # a file nested too deep for json to read
        found = None
    return found if isinstance(found, kind) else kind()


class Ranks:
    """Each test's place within its stage, from the last runs (pytest's cache)."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache  # None under -p no:cacheprovider: file order, nothing remembered
        self.failed = {k for k in _read(cache, FAILED_KEY, list) if isinstance(k, str)}
        self.durations = {
            k: v for k, v in _read(cache, DURATIONS_KEY, dict).items() if isinstance(v, int | float)
        }

    def of(self, nodeid: str) -> tuple[bool, int]:
        """Sorts before a higher one: failed when it last ran, then cheaper."""
        return nodeid not in self.failed, bisect(COST_CLASSES, self.durations.get(nodeid, 0.0))

    def remember(self, durations: dict[str, float], failed: set[str], passed: set[str]) -> None:
        """Keep this run's times and verdicts; the tests it did not run keep their earlier ones."""
        if self.cache is None or not (durations or failed or passed):
            return
        self.cache.set(DURATIONS_KEY, {**self.durations, **{k: round(v, 4) for k, v in durations.items()}})
        self.cache.set(FAILED_KEY, sorted((self.failed - passed) | failed))
