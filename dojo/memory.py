"""Memory held by a solution's own code, measured with tracemalloc.

A memory check must count what the solution keeps, not what the test run
around it keeps: pytest's log capture stores every record a solution logs,
and a plain ``tracemalloc.get_traced_memory()`` would blame those records on
the solution. So only allocations made while the solution's own code was on
the stack count, and allocations made inside ``logging`` or pytest (a record,
a captured line) never do, even when the solution called them.

Usage::

    with SolutionMemory(solution_dir) as memory:
        cache = solution(1000)
        ...
        full = memory.held()
"""

from __future__ import annotations

import gc
import logging
import os
import tracemalloc
from pathlib import Path

import _pytest

__tracebackhide__ = True

# The most recent frames of each allocation: enough to find the solution's frame
# below a few calls into a library (sortedcontainers, collections). No more: each
# frame costs a line-number lookup per allocation, and pytest's large functions
# deeper down make 16 frames about twenty times slower than 6 (over 100 us per
# allocation), which turns a memory check into minutes. A log record allocated
# deep inside logging, far from the solution's frame, is left out either way.
FRAMES = 6
_NOT_THE_SOLUTIONS = [os.path.dirname(logging.__file__), os.path.dirname(_pytest.__file__)]


class SolutionMemory:
    """A tracemalloc session that counts only what ``folder``'s code allocated."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self._was_tracing = False
        self._logging_was = logging.NOTSET

    def __enter__(self) -> SolutionMemory:
        # Log records are never the solution's memory, and making them while
        # tracemalloc records every allocation costs seconds per thousand calls
        # (a cache that logs each eviction would time out): no records at all.
        self._logging_was = logging.root.manager.disable
        logging.disable(logging.CRITICAL)
        gc.collect()
        gc.freeze()  # the test run's own objects: later collections skip them (faster)
        self._was_tracing = tracemalloc.is_tracing()
        if not self._was_tracing:
            tracemalloc.start(FRAMES)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._was_tracing:
            tracemalloc.stop()
        logging.disable(self._logging_was)
        gc.unfreeze()

    def held(self) -> int:
        """Bytes allocated by the solution's code since ``__enter__`` and still alive.

        Counted by hand (see ``_ours``): ``Snapshot.filter_traces`` matches
        every frame of every trace with fnmatch, seconds per reading under
        pytest, and its all-frames exclusion would drop every allocation a
        test's call made, since pytest's own frames are below every test.
        """
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        # The raw traces: (domain, size, ((filename, lineno), ...), ...). Nothing may be
        # allocated per trace: tracemalloc is still on, and recording each allocation
        # costs tens of microseconds under pytest's deep stacks. So the verdict is kept
        # per traceback (tracemalloc shares one tuple between traces of one place), and
        # sum() adds the sizes without making an int per step.
        verdicts: dict[tuple, bool] = {}

        def ours(traceback: tuple) -> bool:
            found = verdicts.get(traceback)
            if found is None:
                found = verdicts[traceback] = self._ours(traceback)
            return found

        raw = snapshot.traces._traces  # type: ignore[attr-defined]  # tracemalloc's raw tuples, on purpose
        return sum(trace[1] for trace in raw if ours(trace[2]))

    def _ours(self, traceback: tuple) -> bool:
        """The solution's allocation: its frame is met before any of logging's or pytest's.

        The raw frames are the most recent first. Every call a test makes has
        pytest's frames further down the stack, so only the frames above the
        solution's own decide: a record that logging or pytest's capture made
        on the solution's behalf is theirs, a node the solution made is its own.
        """
        mine = f"{self.folder}{os.sep}"
        excluded = tuple(f"{p}{os.sep}" for p in _NOT_THE_SOLUTIONS)
        for filename, _ in traceback:
            if filename.startswith(excluded):
                return False
            if filename.startswith(mine):
                return True
        return False
