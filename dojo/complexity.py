"""Complexity checks as ratios: the same workload at two sizes, in one run.

Absolute times depend on the machine and its load; the ratio of two sizes
measured back to back does not, so a generous factor never flakes while an
O(n) operation (a ratio in the hundreds) is still caught.
"""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

# pytest leaves this module's frames out of a failure's traceback (--full-trace
# shows them): the learner reads the test's line and the message, not the
# helper's insides.
__tracebackhide__ = True

SLOWER = (
    "{what}: {per_large:.2g} s each time at size {large:,} vs {per_small:.2g} s at size {small:,}"
    " ({ratio:.1f}x slower; expected within {factor:g}x, as for {expected})"
)


def best_time(run: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` timings of ``run()`` with the garbage collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        if enabled:
            gc.enable()


def assert_scales(
    make_run: Callable[[int], Callable[[], object]],
    *,
    small: int,
    large: int,
    factor: float,
    what: str,
    expected: str,
    rounds: int = 1,
    repeat: int = 5,
) -> float:
    """Fail unless ``make_run(large)`` costs at most ``factor`` x ``make_run(small)``.

    ``make_run(n)`` builds the state of size ``n`` (not timed) and returns the
    workload to time; both workloads must do the same number of operations.
    ``what`` names what the workload does ``rounds`` times, so the message
    can say what one time costs. Returns the measured ratio.
    """
    run_small = make_run(small)
    run_large = make_run(large)
    # Interleave so machine drift hits both sizes alike.
    t_small = t_large = float("inf")
    for _ in range(repeat):
        t_small = min(t_small, best_time(run_small, repeat=1))
        t_large = min(t_large, best_time(run_large, repeat=1))
    ratio = t_large / max(t_small, 1e-9)
    assert ratio <= factor, SLOWER.format(
        what=what,
        per_large=t_large / rounds,
        large=large,
        per_small=t_small / rounds,
        small=small,
        ratio=ratio,
        factor=factor,
        expected=expected,
    )
    return ratio


class Prepared:
    """Large states that cost checks build, handed from one passing check to the next.

    Filling 100,000 entries is most of what an O(1) check costs, and a check
    whose calls leave its state as it found it (full, say) can hand that
    state on. Only a check whose block ended normally hands it on: one that
    failed or raised inside it drops what it took, so the next check starts
    afresh and a bug is never reported as another check's failure. The
    states live for one stage's tests: the plugin forgets them all when a
    run moves on to another stage (``forget_prepared``), so a run never
    holds more than one stage's.

    Usage::

        PREPARED = Prepared()

        with PREPARED.lent() as take:
            small = take((solution, 2_000), lambda: fill(solution(), 2_000))
            large = take((solution, 200_000), lambda: fill(solution(), 200_000))
            ...  # time calls on both; leave them as they were
    """

    def __init__(self) -> None:
        self._kept: dict[Hashable, Any] = {}
        _EVERY.add(self)

    @contextmanager
    def lent(self) -> Iterator[Callable[[Hashable, Callable[[], Any]], Any]]:
        """``take(key, build)`` for one check: the state kept under ``key``, else ``build()``.

        What the block took is kept again if it ends normally, and dropped if it raised.
        """
        taken: dict[Hashable, Any] = {}

        def take(key: Hashable, build: Callable[[], Any]) -> Any:
            if key not in taken:
                taken[key] = self._kept.pop(key) if key in self._kept else build()
            return taken[key]

        yield take
        self._kept.update(taken)  # not reached when the block raised

    def forget(self) -> None:
        self._kept.clear()


_EVERY: weakref.WeakSet[Prepared] = weakref.WeakSet()


def forget_prepared() -> None:
    """Drop every state any ``Prepared`` keeps (the plugin, between two stages' tests)."""
    for prepared in list(_EVERY):
        prepared.forget()
