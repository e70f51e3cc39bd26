"""Run a solution from many threads at once, so that races show every run.

Under the GIL a race needs a thread switch at the wrong line. A very short
switch interval alone shows a race in about 40% of runs; forcing a switch
now and then on the solution's own lines (a trace hook that calls
``time.sleep(0)``) shows it every run, while a correctly locked solution
never trips. Workers are daemon threads joined with a timeout, so a deadlock
fails the test with a message instead of hanging the run.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dojo.origin import where
from dojo.watchdog import WATCHDOG

# pytest leaves this module's frames out of a failure's traceback (--full-trace
# shows them): the learner reads the test's line and the message, not the
# helper's insides.
__tracebackhide__ = True

DEADLOCK = "deadlock suspected: {alive} of {total} threads were still running after {timeout:g} s ({what})"
THREAD_RAISED = "a correct call raised in thread {index} ({what}): {kind}: {error}{where}"


def _switch_forcer(folder: Path, probability: float, seed: int):
    prefix = str(folder.resolve())
    rng = random.Random(seed)

    def local(frame, event, arg):
        if event == "line" and rng.random() < probability:
            time.sleep(0)
        return local

    def global_(frame, event, arg):
        if frame.f_code.co_filename.startswith(prefix):
            return local
        return None

    return global_


def set_trace(func: Callable | None, tries: int = 1000) -> None:
    """``sys.settrace(func)`` for this thread, retried while another thread installs one.

    With an audit hook installed (a suite's, or the solution's own), Python 3.11
    runs the hook inside ``sys.settrace``; another thread may then be switched
    in and call it too, and the second call raises "Cannot install a trace
    function while another trace function is being installed". It is a
    collision, not an error: yield and try again.
    """
    for _ in range(tries - 1):
        try:
            sys.settrace(func)
            return
        except RuntimeError:
            time.sleep(0)
    sys.settrace(func)


def start_together(barrier: threading.Barrier, awake: list[object], timeout: float) -> None:
    """Wait on ``barrier``, then, awake, until every party is awake (``awake`` counts them).

    The barrier wakes the others one by one; on a busy machine the first could
    finish its work before they run. Waiting here, awake, until all are awake
    means every thread competes for the interpreter from the first call on,
    so forced switches land in the middle of the work.
    """
    barrier.wait(timeout)
    awake.append(threading.get_ident())
    start_by = time.monotonic() + timeout
    while len(awake) < barrier.parties and time.monotonic() < start_by:
        time.sleep(0)


def run_threads(
    workers: Sequence[Callable[[], object]],
    *,
    what: str,
    timeout: float = 10.0,
    solution_dir: Path | None = None,
    switch_probability: float = 0.05,
    seed: int = 0,
    rule: str = "",
    deadlock_hint: str = "",
) -> list[object]:
    """Start every worker at once on a barrier; return their results in order.

    ``what`` names the scenario for messages. With ``solution_dir``, threads
    are forced to switch on the solution's own lines. Raises AssertionError
    on a deadlock (threads alive after ``timeout``; the message ends with
    ``deadlock_hint``) or when a worker raised (one line naming where in the
    solution, ending with ``rule``). A worker's NotImplementedError is
    raised as it is: the stub's message says what to write.
    """
    # A hang seen earlier in the run (the solution is broken already) shortens the wait.
    timeout = WATCHDOG.patience(timeout)
    barrier = threading.Barrier(len(workers))
    awake: list[object] = []
    results: list[object] = [None] * len(workers)
    errors: list[tuple[int, BaseException]] = []

    def body(index: int, work: Callable[[], object]) -> None:
        if solution_dir is not None:
            set_trace(_switch_forcer(solution_dir, switch_probability, seed + index))
        try:
            start_together(barrier, awake, timeout)
            results[index] = work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append((index, exc))
        finally:
            set_trace(None)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [
            threading.Thread(target=body, args=(i, w), daemon=True, name=f"dojo-worker-{i}")
            for i, w in enumerate(workers)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    finally:
        sys.setswitchinterval(old_interval)
    alive = sum(t.is_alive() for t in threads)
    if alive:
        WATCHDOG.hung()
        message = DEADLOCK.format(alive=alive, total=len(threads), timeout=timeout, what=what)
        raise AssertionError(f"{message}; {deadlock_hint}" if deadlock_hint else message)
    if errors:
        index, exc = min(errors, key=lambda pair: pair[0])
        if isinstance(exc, NotImplementedError):
            raise exc
        message = THREAD_RAISED.format(
            index=index, what=what, kind=type(exc).__name__, error=exc, where=where(exc)
        )
        # Not chained: the learner needs this one line, not two tracebacks.
        raise AssertionError(f"{message}: {rule}" if rule else message) from None
    return results


def start_daemon(target: Callable[[], object], name: str) -> tuple[threading.Thread, list]:
    """Run ``target`` in a daemon thread; the list receives its result or exception."""
    box: list = []

    def body() -> None:
        try:
            box.append(("ok", target()))
        except BaseException as exc:  # noqa: BLE001
            box.append(("raised", exc))

    thread = threading.Thread(target=body, daemon=True, name=name)
    thread.start()
    return thread, box


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; return it."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() >= deadline:
            return predicate()
        pause.wait(0.001)
    return True
