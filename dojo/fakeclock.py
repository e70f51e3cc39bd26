"""A clock that moves only when a test moves it.

Solutions that take their time from an injected callable (``clock=``) are
tested with this instead of the wall clock: expiry, windows and timeouts then
happen at exact, repeatable instants, and a test never sleeps.
"""

from __future__ import annotations

START = 1000.0  # far from 0, so a deadline stored as a bare ttl is already past


class FakeClock:
    """A callable clock: ``clock()`` is the time now; ``clock.advance(5)`` moves it.

    Times are sums of binary fractions (0.25, 0.5, 1, ...) in the suites, so
    every deadline a test computes is exactly the float the solution computes.
    """

    def __init__(self, start: float = START) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds``; return the new time."""
        self.now += seconds
        return self.now

    def __repr__(self) -> str:
        return f"FakeClock({self.now!r})"
