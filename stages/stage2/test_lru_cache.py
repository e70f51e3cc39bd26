"""Stage 2 of the LRU cache: from scratch, O(1).

The API is stage 1's; these tests add the constraints: no ready-made
ordered or caching structure in the solution's folder, however it is reached
(its source is read, and what it loaded and built is looked at), every
operation O(1) whatever the capacity, the mix and each call on its own, and
memory proportional to the capacity after any sequence of calls.
"""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import strategies as st

from dojo.testing import display, run_machine
from stages.support.lru_cache import (
    MEMORY_CAPACITY,
    READY_MADE_MODULES,
    READY_MADE_NAMES,
    assert_each_call_scales,
    assert_memory_bounded,
    assert_rounds_scale,
    fill_budget,
    filled,
    found_at_run_time,
    LRUCacheMachine,
    require,
    scan,
)

FROM_SCRATCH = (
    "stage 2 asks for no ready-made ordered or caching structure anywhere in the solution's "
    "folder (no collections.OrderedDict, functools.lru_cache/cache, cachetools, lru-dict, "
    "boltons, pylru, sortedcontainers, nor any other cache): a plain dict is the hash map, and "
    "recency is your own doubly linked list"
)


def test_the_solution_uses_no_ready_made_ordered_or_caching_structure(solution_dir):
    findings, unreadable = scan(solution_dir, READY_MADE_MODULES, READY_MADE_NAMES)
    require(not unreadable, (
        lambda: f"could not read {unreadable[0] if unreadable else ''}; every .py file in "
        f"{display(solution_dir)} is checked for ready-made structures, so each must be valid Python"
    ))
    if findings:
        listing = "\n".join(f"  {finding}" for finding in findings[:10])
        more = f"\n  ... and {len(findings) - 10} more" if len(findings) > 10 else ""
        raise AssertionError(f"{findings[0]}: {FROM_SCRATCH}.\n\nFound:\n{listing}{more}")


def test_no_ready_made_structure_is_reached_at_run_time_either(solution, solution_dir):
    # However it was reached (a name built at run time, importlib, a copy of a
    # library in the folder): what the solution's modules and a used cache hold.
    cache = solution(3)
    for key in range(6):
        cache.put(key, key)
        cache.get(key - 1)
        cache.peek(key - 2)
    cache.delete(5)
    _ = 4 in cache, len(cache), cache.items()
    found = found_at_run_time(solution_dir, [cache], READY_MADE_MODULES, READY_MADE_NAMES)
    if found:
        listing = "\n".join(f"  {what}" for what in found[:10])
        raise AssertionError(
            f"after a few calls, the solution's modules or its cache hold {found[0]}: "
            f"{FROM_SCRATCH}, however it is reached.\n\nFound:\n{listing}"
        )


# --------------------------------------------------------------------------- O(1)

ROUNDS = 30  # each round is 16 operations; see mixed_workload
WARM_UP_SECONDS = 1.0


def mixed_workload(cls, capacity, budget):
    """A full cache of ``capacity``, and one round of a workload that touches both ends of its order.

    Before it, a quarter of the capacity of new keys churns through the full
    cache (for at most a second: a slow solution fails anyway), so that
    costs that grow with past evictions show. Each round of the workload: a
    hit on the least recently used key, a new key that evicts, peeks, a hit
    on the most recently used key, misses, ``in`` and ``len``, an update of
    an existing key, deletes at both ends and puts that refill. The same
    number of operations at every capacity; a deque beside the cache knows
    which key is where, at O(1) per step, so only the cache's cost grows.
    """
    cache, order = filled(cls, capacity, budget, "the mixed workload")
    fresh = itertools.count(capacity)
    deadline = time.perf_counter() + WARM_UP_SECONDS
    for done in range(capacity // 4):
        new = next(fresh)
        cache.put(new, new)
        order.popleft()
        order.append(new)
        if done % 256 == 0 and time.perf_counter() > deadline:
            break
    missing = -1

    def one_round():
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

    return one_round


def test_every_operation_takes_the_same_time_at_any_capacity(solution):
    budget = fill_budget(solution)
    assert_rounds_scale(
        lambda capacity: mixed_workload(solution, capacity, budget),
        ROUNDS,
        "one round of the same get/peek/put/delete/in/len calls, evicting as it goes, on a full cache",
    )


def _get_lru(cache, order, fresh):
    cache.get(order[0])
    order.rotate(-1)


def _put_new(cache, order, fresh):
    key = next(fresh)
    cache.put(key, key)  # full: evicts the least recently used
    order.popleft()
    order.append(key)


def _put_existing(cache, order, fresh):
    cache.put(order[0], 0)
    order.rotate(-1)


def _delete_then_put(cache, order, fresh):
    cache.delete(order.popleft())
    key = next(fresh)
    cache.put(key, key)
    order.append(key)


CALLS = {
    "get(key) of the least recently used key": _get_lru,
    "peek(key) of the least recently used key": lambda cache, order, fresh: cache.peek(order[0]),
    "put(key, value) of a new key, evicting": _put_new,
    "put(key, value) of the least recently used key": _put_existing,
    "delete(key) of the least recently used key, then put of a new key": _delete_then_put,
    "key in cache": lambda cache, order, fresh: order[0] in cache,
    "len(cache)": lambda cache, order, fresh: len(cache),
}


@pytest.mark.parametrize("name", CALLS)
def test_each_call_on_its_own_takes_the_same_time_at_any_capacity(solution, name):
    assert_each_call_scales(solution, CALLS, name, rounds=200)


# --------------------------------------------------------------------------- memory


def _put_new_key(cache, i):
    cache.put(f"new-{i}", f"value-{i}")


def _get_hit(cache, i):
    cache.get(f"key-{i % MEMORY_CAPACITY}")  # the keys of the fill, never evicted by gets


def _delete_and_put_again(cache, i):
    key = f"key-{i % MEMORY_CAPACITY}"
    cache.delete(key)
    cache.put(key, i)


MEMORY_CALLS = {
    "put(key, value) of new keys": _put_new_key,
    "get(key) that hit": _get_hit,
    "delete(key) then put(key, value) again": _delete_and_put_again,
}


@pytest.mark.parametrize("what", MEMORY_CALLS)
def test_memory_stays_proportional_to_capacity(solution, solution_dir, what):
    assert_memory_bounded(solution, solution_dir, what, MEMORY_CALLS[what])


# --------------------------------------------------------------------------- the model, again


class LongRunsMachine(LRUCacheMachine):
    capacities = st.integers(1, 5)
    keys = st.integers(0, 7)
    values = st.integers(0, 3)


def test_long_runs_of_evictions_and_deletes_keep_the_linked_list_intact(solution):
    run_machine(LongRunsMachine, solution, steps=20)
