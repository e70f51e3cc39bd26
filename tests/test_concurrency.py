"""dojo.concurrency and dojo.watchdog: races, raises and deadlocks, each told in one line."""

from __future__ import annotations

import threading

import pytest

from dojo.concurrency import run_threads
from dojo.watchdog import Hung, Watchdog


def test_results_come_back_in_the_order_of_the_workers():
    assert run_threads([lambda: 1, lambda: 2, lambda: 3], what="three") == [1, 2, 3]


def test_a_worker_that_raises_fails_with_one_line_naming_where():
    def worker():
        return {}["missing"]

    with pytest.raises(AssertionError) as failure:
        run_threads([lambda: None, worker], what="two workers", rule="no call raises")
    message = str(failure.value)
    assert message.startswith("a correct call raised in thread 1 (two workers): KeyError: 'missing' (at ")
    assert "line" in message and 'return {}["missing"]' in message, message
    assert message.endswith(": no call raises"), message
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_a_stubs_not_implemented_error_passes_through_unchanged():
    def stub():
        raise NotImplementedError("toy: implement value()")

    with pytest.raises(NotImplementedError, match=r"^toy: implement value\(\)$"):
        run_threads([stub], what="the stub")


def test_threads_still_running_after_the_timeout_are_a_suspected_deadlock():
    never = threading.Event()
    with pytest.raises(AssertionError) as failure:
        run_threads([lambda: never.wait(5), lambda: None], what="one waits", timeout=0.3,
                    deadlock_hint="look for a lock never released")
    never.set()
    assert str(failure.value) == (
        "deadlock suspected: 1 of 2 threads were still running after 0.3 s (one waits);"
        " look for a lock never released"
    )


def test_the_watchdog_interrupts_a_call_that_never_returns():
    watchdog = Watchdog(limit=0.3)
    lock = threading.Lock()
    lock.acquire()
    try:
        with pytest.raises(Hung) as hung, watchdog.guard():
            lock.acquire()  # taken twice by one thread: never returns
    finally:
        lock.release()
    assert hung.value.limit == 0.3
    assert watchdog.limit == 0.25, "after a first hang the limit shrinks, so later hangs fail fast"


def test_the_watchdog_leaves_a_call_that_returns_alone():
    watchdog = Watchdog(limit=0.3)
    with watchdog.guard():
        value = sum(range(10))
    assert value == 45
