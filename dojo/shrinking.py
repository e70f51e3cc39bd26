"""How long a failing property test may shrink before the learner sees it.

Hypothesis shrinks a failure to the shortest calls that still fail. That
usually takes well under a second, but a failure that hangs costs a
watchdog wait on every try, and a deep transaction bug thousands of tries:
the zoo has failures that shrank for 10 to 17 s before the run said
anything. So a profile may set a budget (``dojo.profiles.SHRINK_SECONDS``):
past it, the test fails with the calls shrunk so far. Hypothesis's example
database replays those same calls on the next run, at once.

Hypothesis keeps its own limit (five minutes) in a module constant that its
source says is there to be monkeypatched; past it, it stops shrinking and
prints a warning written for those five minutes and a note on how to
replay the run, both of which :func:`watched` keeps out of the test's output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hypothesis.internal.conjecture import engine
from hypothesis.reporting import current_reporter, with_reporter

HYPOTHESIS_LIMIT: float = engine.MAX_SHRINKING_SECONDS
_STOPPED_NOTES = (
    "WARNING: Hypothesis has spent more than",
    "This test function exited early because it took too long to shrink",
)


def set_budget(seconds: float | None) -> None:
    """Shrink each failure for at most ``seconds`` (None: Hypothesis's own limit)."""
    engine.MAX_SHRINKING_SECONDS = HYPOTHESIS_LIMIT if seconds is None else seconds  # type: ignore[assignment]


def budget() -> float:
    """The seconds a failure may shrink in this run."""
    return float(engine.MAX_SHRINKING_SECONDS)


def has_budget() -> bool:
    """Whether this run shrinks for less than Hypothesis's own limit."""
    return budget() < HYPOTHESIS_LIMIT


@contextlib.contextmanager
def watched() -> Iterator[None]:
    """Run one test with Hypothesis's notes on stopped shrinking kept out of its output."""
    outer = current_reporter()

    def report(text: object) -> None:
        if not (isinstance(text, str) and text.lstrip().startswith(_STOPPED_NOTES)):
            outer(text)

    with with_reporter(report):
        yield
