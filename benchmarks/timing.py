"""Interleaved measurement: contenders alternate within each repeat; medians over repeats.

Each sample is the CPU time of the benchmark process (``time.process_time``)
with the garbage collector off, as ``timeit`` does. CPU time rather than
wall time because the machine is shared: time spent waiting for a core is
not the contender's cost. Setup (building and prefilling a structure) is
never timed. Ratios are taken between medians measured in the same run, so
drift of the machine during the run hits every contender alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# prepare() builds a fresh state (untimed) and returns the workload to time
# and the number of operations it performs.
Prepare = Callable[[], tuple[Callable[[], object], int]]


@dataclass
class Samples:
    """The nanoseconds per operation of one contender, one sample per repeat."""

    name: str
    ns_per_op: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ns_per_op)

    @property
    def spread(self) -> float:
        """(max - min) / median over the repeats: how noisy the run was."""
        if len(self.ns_per_op) < 2:
            return 0.0
        return (max(self.ns_per_op) - min(self.ns_per_op)) / self.median


def time_once(run: Callable[[], object], ops: int) -> float:
    """Nanoseconds of CPU time per operation for one call of ``run()``, GC off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.process_time_ns()
        run()
        elapsed = time.process_time_ns() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / ops


def interleaved(contenders: dict[str, Prepare], repeats: int) -> dict[str, Samples]:
    """Time every contender once per repeat, in a rotating order; return all samples.

    The order rotates from one repeat to the next, so no contender always
    runs first (cold caches) or right after a memory-hungry one.
    """
    names = list(contenders)
    samples = {name: Samples(name) for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            run, ops = contenders[name]()
            samples[name].ns_per_op.append(time_once(run, ops))
            del run  # free the state before the next contender builds its own
    return samples
