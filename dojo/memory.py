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
        """Bytes allocated by the solution's code since ``__enter__`` and still alive.

        Same rule as ``self._filters`` (a frame in the folder, none in logging or
        pytest), decided once per file name: ``Snapshot.filter_traces`` matches
        every frame of every trace with fnmatch, about 0.3 s per reading.
        """
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        verdicts: dict[str, int] = {}  # file name -> 1 the solution's, -1 excluded, 0 neither
        mine, excluded = f"{self.folder}{os.sep}", [f"{p}{os.sep}" for p in _NOT_THE_SOLUTIONS]

        def verdict(filename: str) -> int:
            if filename not in verdicts:
                if any(filename.startswith(p) for p in excluded):
                    verdicts[filename] = -1
                else:
                    verdicts[filename] = 1 if filename.startswith(mine) else 0
            return verdicts[filename]

        total = 0
        # The raw traces: (domain, size, ((filename, lineno), ...), ...). Building a
        # Traceback object per trace, or any object per trace, is slow here: tracemalloc
        # is still on and records every allocation this loop makes.
        for trace in snapshot.traces._traces:
            ours = False
            for filename, _ in trace[2]:
                found = verdict(filename)
                if found < 0:
                    break
                ours = ours or found > 0
            else:
                if ours:
                    total += trace[1]
        return total
