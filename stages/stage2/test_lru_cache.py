"""Stage 2 of the LRU cache: from scratch, O(1).

The API is stage 1's; these tests add the constraints: no ready-made
ordered or caching structure in the solution's folder, every operation O(1)
whatever the capacity, and memory proportional to the capacity.
"""

from __future__ import annotations

import gc
import itertools
import time
import tracemalloc
from collections import deque

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from dojo.complexity import assert_scales
from dojo.loader import display
from stages.support.lru_cache import READY_MADE_MODULES, READY_MADE_NAMES, machine, scan

FROM_SCRATCH = (
    "stage 2 asks for no ready-made ordered or caching structure anywhere in the solution's "
    "folder (no collections.OrderedDict, functools.lru_cache/cache, cachetools, lru-dict, "
    "boltons, pylru, sortedcontainers, nor any other cache): a plain dict is the hash map, and "
    "recency is your own doubly linked list"
)


def test_the_solution_uses_no_ready_made_ordered_or_caching_structure(solution_dir):
    findings, unreadable = scan(solution_dir, READY_MADE_MODULES, READY_MADE_NAMES)
    assert not unreadable, (
        f"could not read {unreadable[0]}; every .py file in {display(solution_dir)} is checked for "
        "ready-made structures, so each must be valid Python"
    )
    if findings:
        listing = "\n".join(f"  {finding}" for finding in findings[:10])
        more = f"\n  ... and {len(findings) - 10} more" if len(findings) > 10 else ""
        raise AssertionError(f"{findings[0]}: {FROM_SCRATCH}.\n\nFound:\n{listing}{more}")


# --------------------------------------------------------------------------- O(1)

ROUNDS = 30  # each round is 16 operations; see mixed_workload
WARM_UP_SECONDS = 1.0


def mixed_workload(cls, capacity):
    """A full cache of ``capacity``, and a workload that touches both ends of its order.

    Before it, a quarter of the capacity of new keys churns through the full
    cache (for at most a second: a slow solution fails anyway), so that
    costs that grow with past evictions show. Each round of the workload: a
    hit on the least recently used key, a new key that evicts, peeks, a hit
    on the most recently used key, misses, ``in`` and ``len``, an update of
    an existing key, deletes at both ends and puts that refill. The same
    number of operations at every capacity; a deque beside the cache knows
    which key is where, at O(1) per step, so only the cache's cost grows.
    """
    cache = cls(capacity)
    for key in range(capacity):
        cache.put(key, key)
    fresh = itertools.count(capacity)
    order = deque(range(capacity))  # least recently used first
    deadline = time.perf_counter() + WARM_UP_SECONDS
    for done in range(capacity // 4):
        new = next(fresh)
        cache.put(new, new)
        order.popleft()
        order.append(new)
        if done % 256 == 0 and time.perf_counter() > deadline:
            break
    missing = -1

    def run():
        for _ in range(ROUNDS):
            cache.get(order[0])
            order.rotate(-1)
            new = next(fresh)
            cache.put(new, new)  # full: evicts the least recently used
            order.popleft()
            order.append(new)
            cache.peek(order[0])
            cache.peek(order[-1])
            cache.get(order[-1])
            cache.get(missing)
            _ = order[0] in cache
            _ = missing in cache
            len(cache)
            cache.put(order[0], 0)  # update: no eviction
            order.rotate(-1)
            cache.delete(order.popleft())
            new = next(fresh)
            cache.put(new, new)  # room again: no eviction
            order.append(new)
            cache.delete(order.pop())
            cache.delete(missing)
            new = next(fresh)
            cache.put(new, new)
            order.append(new)

    return run


def test_every_operation_takes_the_same_time_at_any_capacity(solution):
    assert_scales(
        lambda capacity: mixed_workload(solution, capacity),
        small=1_000,
        large=100_000,
        factor=3,
        rounds=ROUNDS,
        what=(
            "one round of the same get/peek/put/delete/in/len calls, evicting as it goes, "
            "on a full cache"
        ),
        expected=(
            "every operation is O(1) on average: a dict maps each key to its node in your "
            "doubly linked list; look for a scan of a list, list.remove/insert/pop(0), min() "
            "over the entries, or next(iter(a_dict)) after many deletions (it skips every "
            "deleted slot)"
        ),
    )


# --------------------------------------------------------------------------- memory

MEMORY_CAPACITY = 1_000


def test_memory_stays_proportional_to_capacity(solution):
    """Memory held after each further capacity's worth of new keys, from 1x to 10x.

    An evicted entry that leaves something behind grows the memory at every
    checkpoint; a design that frees in batches (rebuilding a structure now
    and then) goes up and down. So the lowest of the last five checkpoints
    is compared with the memory held once full and warmed up.
    """
    counter = itertools.count()

    def churn(cache, puts):
        for _ in range(puts):
            i = next(counter)
            cache.put(f"key-{i}", f"value-{i}")

    def held():
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    gc.collect()
    gc.freeze()  # the objects of the test run itself: collections below skip them (faster)
    tracemalloc.start()
    try:
        cache = solution(MEMORY_CAPACITY)
        churn(cache, MEMORY_CAPACITY)  # full
        churn(cache, 2 * MEMORY_CAPACITY)  # warm-up: a dict's table may grow once
        full = held()
        checkpoints = []
        for _ in range(10):
            churn(cache, MEMORY_CAPACITY)
            checkpoints.append(held())
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    lowest = min(checkpoints[5:])
    growth = lowest - full
    allowed = full // 4
    assert growth <= allowed, (
        f"a full LRUCache({MEMORY_CAPACITY:,}) held {full / 1e6:.2f} MB; after "
        f"{6 * MEMORY_CAPACITY:,} to {10 * MEMORY_CAPACITY:,} more puts of new keys it held at least "
        f"{lowest / 1e6:.2f} MB (+{growth / 1e6:.2f} MB; allowed for allocator noise: "
        f"+{allowed / 1e6:.2f} MB; held after each {MEMORY_CAPACITY:,} puts: "
        f"{', '.join(f'{c / 1e6:.2f}' for c in checkpoints)} MB): memory stays proportional to "
        "capacity, so an evicted entry must leave nothing behind (no key kept in a side list, "
        "set or dict, no node still referenced)"
    )


# --------------------------------------------------------------------------- the model, again


def test_long_runs_of_evictions_and_deletes_keep_the_linked_list_intact(solution):
    Machine = machine(
        solution,
        capacities=st.integers(1, 5),
        keys=st.integers(0, 7),
        values=st.integers(0, 3),
    )
    run_state_machine_as_test(Machine, settings=settings(stateful_step_count=20))
