"""A watchdog that fails a call that never returns, in a single-threaded test.

A single-threaded test meets a deadlock as a call that never returns
(``update`` calling ``put`` under the same lock, say): pytest-timeout would
end the test, but only after its long limit and with a traceback deep in
the lock. The watchdog interrupts the call itself, soon, so the suite can
say which call hung.

    from dojo.watchdog import WATCHDOG, Hung

    try:
        with WATCHDOG.guard():
            cache.update("a", fn)
    except Hung as hung:
        ...  # "cache.update('a', fn) did not return within {hung.limit} s"
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any


class Hung(BaseException):
    """Raised in the main thread by the watchdog, inside a call that never returned.

    A BaseException, so that the solution's own ``except Exception`` cannot
    swallow it.
    """

    def __init__(self, limit: float) -> None:
        super().__init__(limit)
        self.limit = limit


class Watchdog:
    """Interrupts the main thread when one guarded call runs for too long.

    A daemon thread watches the call in progress; past ``limit`` seconds it
    sends the main thread a signal whose handler raises ``Hung`` inside the
    stuck call (a blocked ``Lock.acquire`` is interrupted by signals on
    POSIX). After a first hang the limit shrinks (to a quarter second at
    least), so a solution that deadlocks everywhere fails each test quickly;
    thread tests share that: they wait ``patience(limit)`` and report a hang
    with ``hung()``.
    Where signals cannot be sent to a thread (Windows), there is no watchdog
    and pytest-timeout is the backstop.
    """

    SIGNAL = getattr(signal, "SIGUSR1", None)
    FLOOR = 0.25  # the shortest limit for one guarded call, once a hang was seen
    PATIENCE_AFTER_A_HANG = 1.0  # the longest wait for threads, once a hang was seen

    # A guarded call is one call on a small object: microseconds. Two seconds
    # is a stall no busy machine gives a live call, and a deadlock costs the
    # learner two seconds, not five.
    def __init__(self, limit: float = 2.0) -> None:
        self.initial = self.limit = limit
        self.hangs = 0  # hangs seen for this solution, by the watchdog or reported by a thread test
        self.serial = 0
        self.running: tuple[int, float] | None = None  # (serial, start) of the call in progress
        self.fired: int | None = None
        self.watcher: threading.Thread | None = None

    def _ready(self) -> bool:
        if self.SIGNAL is None or not hasattr(signal, "pthread_kill"):
            return False
        if threading.current_thread() is not threading.main_thread():
            return False
        if self.watcher is None:
            signal.signal(self.SIGNAL, self._interrupt)
            self.watcher = threading.Thread(target=self._watch, daemon=True, name="dojo-watchdog")
            self.watcher.start()
        return True

    def _watch(self) -> None:
        tick = threading.Event()
        main, signum = threading.main_thread().ident, self.SIGNAL
        assert main is not None and signum is not None  # started by _ready(), which checked both
        while True:
            tick.wait(0.1)
            running = self.running
            if running and self.fired != running[0] and time.monotonic() - running[1] > self.limit:
                self.fired = running[0]
                signal.pthread_kill(main, signum)

    def _interrupt(self, signum: int, frame: Any) -> None:
        running = self.running
        if running is not None and running[0] == self.fired:  # still the call that hung
            limit = self.limit
            self.hung()
            raise Hung(limit)

    def hung(self) -> None:
        """Record a hang: from now on every wait for this solution is short.

        A solution that hung once usually hangs in every test of the same
        kind (the same lock taken twice), and each would wait out its full
        limit for nothing. The plugin calls ``reset`` when the next test is
        another kata's.
        """
        self.hangs += 1
        self.limit = max(self.FLOOR, self.limit / 4)

    def patience(self, limit: float) -> float:
        """How long to wait for threads that may hang: ``limit``, or at most a second once a
        hang was seen (a thread test may wait a fifth of a second by design)."""
        return min(limit, self.PATIENCE_AFTER_A_HANG) if self.hangs else limit

    def reset(self) -> None:
        """Another solution (another kata) is tested next: its calls get the full limit again."""
        self.limit, self.hangs = self.initial, 0

    @contextlib.contextmanager
    def guard(self):
        """Watch the call made inside the ``with`` block (main thread only)."""
        if not self._ready():
            yield
            return
        self.serial += 1
        outer = self.running
        if outer is None:  # a call inside a call (a factory) is watched as part of the outer one
            self.running = (self.serial, time.monotonic())
        try:
            yield
        finally:
            if outer is None:
                self.running = None


# One for the whole run: the signal has one handler, and a hang seen once
# shortens the limit for the rest of the run.
WATCHDOG = Watchdog()
