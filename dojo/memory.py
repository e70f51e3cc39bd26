"""Memory held by a solution's own code, measured with tracemalloc.

A memory check must count what the solution keeps, not what the test run
around it keeps: pytest's log capture stores every record a solution logs,
and a plain ``tracemalloc.get_traced_memory()`` would blame those records on
the solution. So only allocations made while the solution's own code was on
the stack count, and allocations made inside ``logging`` or pytest (a record,
a captured line) never do, whoever called them.

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

# Deep enough to find the solution's frame below a library it calls
# (sortedcontainers, collections) and below a test helper that calls it.
FRAMES = 16
_NOT_THE_SOLUTIONS = [os.path.dirname(logging.__file__), os.path.dirname(_pytest.__file__)]


class SolutionMemory:
    """A tracemalloc session that counts only what ``folder``'s code allocated."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self._filters = [tracemalloc.Filter(True, f"{self.folder}{os.sep}*", all_frames=True)] + [
            tracemalloc.Filter(False, f"{path}{os.sep}*", all_frames=True)
            for path in _NOT_THE_SOLUTIONS
        ]
        self._was_tracing = False

    def __enter__(self) -> SolutionMemory:
        gc.collect()
        gc.freeze()  # the test run's own objects: later collections skip them (faster)
        self._was_tracing = tracemalloc.is_tracing()
        if not self._was_tracing:
            tracemalloc.start(FRAMES)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._was_tracing:
            tracemalloc.stop()
        gc.unfreeze()

    def held(self) -> int:
        """Bytes allocated by the solution's code since ``__enter__`` and still alive."""
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces(self._filters)
        return sum(trace.size for trace in snapshot.traces)
