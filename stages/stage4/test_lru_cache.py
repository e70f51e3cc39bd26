"""Stage 4 of the LRU cache: thread safety.

First ``get_or_set`` and ``update`` on one thread, against the contract and
the model; then many threads at once. Threads start together on a barrier
and are forced to switch inside the solution's own lines, so a race shows
every run; every wait has a timeout, so a deadlock fails its test with
"deadlock suspected" instead of hanging the run.
"""

from __future__ import annotations

import functools
import random
import threading

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from dojo.testing import WATCHDOG, run_machine, start_daemon, wait_until, where
from stages.support.lru_cache import (
    DEADLOCK_HINT,
    EVICT,
    UPDATE_NO_EVICT,
    assert_each_call_scales,
    assert_memory_bounded,
    check_consistent,
    LRUCacheMachine,
    new,
    require,
    run_together,
)

GET_OR_SET = (
    "get_or_set(key, factory) returns the value of a present key (key becomes the most recently "
    "used); otherwise it calls factory() with no arguments, stores and returns its result"
)
UPDATE = (
    "update(key, fn, default) stores fn(current) under key, where current is the stored value "
    "or default when key is missing, returns the new value, and key becomes the most recently used"
)
UPDATE_RAISES = "if fn raises, the exception propagates and the stored value is unchanged"
FACTORY_RAISES = "if factory() raises, the exception reaches the caller that ran it and nothing is stored"
INVARIANTS = (
    "under any interleaving len(cache) <= capacity, items() never holds a key twice, and every "
    "value in it is one that some put/update/get_or_set stored for that key"
)
NO_LOST_UPDATE = "update never loses an update: N threads each applying +1 M times to one key end at exactly N*M"
SINGLE_FLIGHT = (
    "get_or_set is single-flight: for one missing key, concurrent callers cause exactly one "
    "factory() call; the others wait and return its value"
)
RETRY = (
    "if factory() raises, the exception reaches the caller that ran it, nothing is stored, and "
    "waiting callers carry on as if the key were still missing (one of them runs the factory next)"
)
NOT_BLOCKING = (
    "a running factory() does not block calls on other keys: while one factory is waiting on an "
    "event, every call on other keys from other threads completes, get_or_set of another "
    "missing key included (run factory() holding no lock that other keys' calls or factories need)"
)
REENTRANT = "a factory may itself call the cache (for other keys) without deadlock"
SNAPSHOTS = "to_bytes/save taken while other threads write give a snapshot that loads and satisfies the invariants"

INCREMENT = "lambda v: 0 if v is None else v + 1"


def increment(value):
    return 0 if value is None else value + 1


class FactoryFailed(Exception):
    """What the tests' failing factories and functions raise."""


def counting(value):
    """A factory returning ``value`` that counts its calls in ``factory.calls``."""

    def factory():
        factory.calls += 1
        return value

    factory.calls = 0
    return factory


def fails(*_args):
    raise FactoryFailed("raised on purpose by the test")


# How long a few calls on a small cache may take before a deadlock is suspected. They
# take microseconds; a round of three threads' calls under forced switches took at most
# 21 ms in 200 rounds with three busy processes on two cores. A deadlock costs the
# learner this wait, so it is short.
FEW_CALLS_WITHIN = 1.0


def in_thread(call, what, timeout=FEW_CALLS_WITHIN):
    """``call()`` in a daemon thread; its result, or a "deadlock suspected" failure.

    Once the run has seen a hang, the wait may be shorter still (``WATCHDOG.patience``).
    """
    thread, box = start_daemon(call, name="dojo-check")
    timeout = WATCHDOG.patience(timeout)
    thread.join(timeout)
    if thread.is_alive():
        WATCHDOG.hung()
        raise AssertionError(
            f"deadlock suspected: {what} did not return within {timeout:g} s ({DEADLOCK_HINT})"
        )
    status, result = box[0]
    if status == "raised":
        raise AssertionError(f"{what} raised {type(result).__name__}: {result}{where(result)}")
    return result


# --------------------------------------------------------------------------- get_or_set, one thread


def test_get_or_set_of_a_present_key_returns_its_value_without_calling_factory(solution):
    s = new(solution, 2, ("a", 1), ("b", None))
    factory = counting("new")
    s.expect(s.get_or_set("a", factory, "factory"), 1, GET_OR_SET)
    s.expect(s.get_or_set("b", factory, "factory"), None, f"{GET_OR_SET}, even a stored None")
    s.expect(factory.calls, 0, f"{GET_OR_SET}: factory() is not called for a present key")
    s.put("c", 3)
    s.expect_items([("b", None), ("c", 3)], f"{GET_OR_SET}; so {EVICT}: 'a'")


def test_get_or_set_of_a_missing_key_calls_factory_once_and_stores_its_result(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    factory = counting("made")
    s.note("factory = lambda: 'made'")
    s.expect(s.get_or_set("c", factory, "factory"), "made", GET_OR_SET)
    s.expect(factory.calls, 1, f"{GET_OR_SET}: factory() is called once")
    s.expect_items([("b", 2), ("c", "made")], f"{GET_OR_SET}; {EVICT}")
    s.expect(s.get_or_set("c", factory, "factory"), "made", GET_OR_SET)
    s.expect(factory.calls, 1, f"{GET_OR_SET}: the second call finds the key present")


def test_get_or_set_stores_a_factory_result_of_none(solution):
    s = new(solution, 2)
    factory = counting(None)
    s.expect(s.get_or_set("a", factory, "lambda: None"), None, GET_OR_SET)
    s.expect(s.contains("a"), True, f"{GET_OR_SET}, even None")
    s.expect(s.get_or_set("a", factory, "lambda: None"), None, GET_OR_SET)
    s.expect(factory.calls, 1, f"{GET_OR_SET}: a stored None is present, factory() is not called again")


def test_get_or_set_with_a_factory_that_raises_propagates_and_stores_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    before = s.cache.items()
    s.note("def fails(): raise FactoryFailed")
    s.expect_raises(FactoryFailed, FACTORY_RAISES, lambda: s.get_or_set("c", fails, "fails"))
    s.expect(s.contains("c"), False, FACTORY_RAISES)
    after = s.items()
    if not set(after) <= set(before):
        s.fail(f"cache.items() went from {before} to {after}: {FACTORY_RAISES}.")
    factory = counting("second try")
    s.expect(s.get_or_set("c", factory, "lambda: 'second try'"), "second try", f"{FACTORY_RAISES}; so the key is still missing")


# --------------------------------------------------------------------------- update, one thread


def test_update_of_a_missing_key_stores_fn_of_the_default(solution):
    s = new(solution, 3)
    s.expect(s.update("a", increment, INCREMENT), 0, f"{UPDATE} (default None)")
    s.expect(s.update("b", lambda v: v * 2, "lambda v: v * 2", 21), 42, UPDATE)
    s.expect(s.update("c", lambda v: v + "!", "lambda v: v + '!'", default="hi"), "hi!", UPDATE)
    s.expect_items([("a", 0), ("b", 42), ("c", "hi!")], UPDATE)


def test_update_of_a_present_key_stores_fn_of_its_value(solution):
    s = new(solution, 3, ("a", 1), ("b", 10))
    s.expect(s.update("a", increment, INCREMENT, 100), 2, f"{UPDATE}: default is used only for a missing key")
    s.expect(s.update("b", lambda v: None, "lambda v: None"), None, UPDATE)
    s.expect_items([("a", 2), ("b", None)], UPDATE)


def test_update_makes_the_key_most_recently_used_and_evicts_only_for_a_new_key(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.update("a", increment, INCREMENT)
    s.expect_items([("b", 2), ("a", 2)], f"{UPDATE}; {UPDATE_NO_EVICT}")
    s.update("c", increment, INCREMENT, 0)
    s.expect_items([("a", 2), ("c", 1)], f"{UPDATE}; {EVICT}")


def test_update_with_fn_that_raises_propagates_and_leaves_the_value_unchanged(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.note("def fails(value): raise FactoryFailed")
    s.expect_raises(FactoryFailed, UPDATE_RAISES, lambda: s.update("a", fails, "fails"))
    s.expect(s.peek("a"), 1, UPDATE_RAISES)
    s.expect_raises(FactoryFailed, UPDATE_RAISES, lambda: s.update("c", fails, "fails", 0))
    s.expect(s.contains("c"), False, f"{UPDATE_RAISES}: a missing key stays missing")
    s.expect(s.length(), 2, UPDATE_RAISES)


# A factory that calls the cache, or takes long: cheap checks, first, that show a
# deadlock (a lock held while factory() runs) within seconds.


@pytest.mark.threads
def test_a_running_factory_does_not_block_calls_on_other_keys(solution, solution_dir):
    cache = solution(8)
    cache.put("a", 1)
    started, release = threading.Event(), threading.Event()

    def factory():
        started.set()
        release.wait(10)
        return "slow value"

    slow, box = start_daemon(lambda: cache.get_or_set("slow", factory), "dojo-slow-factory")
    try:
        require(started.wait(5), (
            lambda: "cache.get_or_set('slow', factory) did not call factory() within 5 s: "
            f"{GET_OR_SET}"
        ))

        def other(i):
            cache.put(f"other-{i}", i)
            got = cache.get(f"other-{i}")
            peeked = cache.peek("a")
            updated = cache.update(f"other-{i}", lambda v: v + 10)
            made = cache.get_or_set(f"missing-{i}", lambda: f"made-{i}")  # its factory runs now too
            deleted = cache.delete(f"other-{i}")
            return got, peeked, updated, made, deleted

        results = run_together(
            [functools.partial(other, i) for i in range(3)],
            what=(
                "3 threads calling put/get/peek/update/get_or_set/delete of other keys while "
                "another thread's cache.get_or_set('slow', factory) waits inside factory(): "
                f"{NOT_BLOCKING}"
            ),
            timeout=FEW_CALLS_WITHIN,
            solution_dir=solution_dir,
            rule=NOT_BLOCKING,
        )
    finally:
        release.set()
    limit = WATCHDOG.patience(5)
    slow.join(limit)
    require(not slow.is_alive(), (
        lambda: f"deadlock suspected: cache.get_or_set('slow', factory) did not return within {limit:g} s of its "
        f"factory() returning ({DEADLOCK_HINT})"
    ))
    for i, got in enumerate(results):
        expected = (i, 1, i + 10, f"made-{i}", True)
        require(got == expected, (
            f"while a factory() ran, cache.put('other-{i}', {i}), cache.get('other-{i}'), "
            f"cache.peek('a'), cache.update('other-{i}', lambda v: v + 10), "
            f"cache.get_or_set('missing-{i}', lambda: 'made-{i}') and cache.delete('other-{i}') "
            f"returned {got!r}; expected {expected!r}: calls on other keys behave as usual"
        ))
    require(box == [("ok", "slow value")], (
        lambda: f"cache.get_or_set('slow', factory) gave {box!r}; expected it to return 'slow value': {GET_OR_SET}"
    ))


def test_a_factory_may_call_the_cache_for_other_keys(solution):
    cache = solution(8)
    cache.put("c", 3)

    def factory():
        cache.put("b", 2)
        return {
            "cache.get('b')": (cache.get("b"), 2),
            "cache.peek('c')": (cache.peek("c"), 3),
            "'b' in cache": ("b" in cache, True),
            "len(cache)": (len(cache), 2),
            "cache.items()": (cache.items(), [("c", 3), ("b", 2)]),
            "cache.get_or_set('d', lambda: 4)": (cache.get_or_set("d", lambda: 4), 4),
            "cache.update('b', lambda v: v + 1)": (cache.update("b", lambda v: v + 1), 3),
            "cache.delete('c')": (cache.delete("c"), True),
        }

    seen = in_thread(
        lambda: cache.get_or_set("a", factory),
        "cache.get_or_set('a', factory), whose factory() calls put/get/peek/in/len/items/"
        f"get_or_set/update/delete on other keys: {REENTRANT}, so do not hold a lock while "
        "factory() runs",
    )
    for call, (got, expected) in seen.items():
        require(got == expected, f"inside the factory of cache.get_or_set('a', factory), {call} returned {got!r}; "
            f"expected {expected!r}: {REENTRANT}, and such calls behave as usual")
    keys = [k for k, _ in in_thread(cache.items, "cache.items()")]
    require(keys == ["d", "b", "a"], lambda: f"after cache.get_or_set('a', factory) whose factory called the cache, the keys in "
        f"items() are {keys}; expected ['d', 'b', 'a']: {GET_OR_SET}")


def test_get_or_set_and_update_behave_like_the_model(solution):
    class AtomicCallsMachine(LRUCacheMachine):
        @rule(key=st.integers(0, 5), value=st.integers(0, 3))
        def get_or_set(self, key, value):
            factory = counting(value)
            calls = 0 if self.model.contains(key) else 1
            expected = self.model.get_or_set(key, lambda: value)
            got = self.session.get_or_set(key, factory, f"lambda: {value!r}")
            self.expect(got, expected, GET_OR_SET)
            if factory.calls != calls:
                self.fail(
                    f"{self.session.last} called factory() {factory.calls} times; expected "
                    f"{calls}: {GET_OR_SET}."
                )

        @rule(key=st.integers(0, 5), default=st.none() | st.integers(0, 3))
        def update(self, key, default):
            expected = self.model.update(key, increment, default)
            self.expect(self.session.update(key, increment, INCREMENT, default), expected, UPDATE)

        @rule(key=st.integers(0, 5))
        def get_or_set_whose_factory_raises(self, key):
            s = self.session
            if self.model.contains(key):  # present: factory() is not called
                expected = self.model.get(key)
                self.expect(s.get_or_set(key, fails, "fails"), expected, GET_OR_SET)
                return
            s.note("def fails(*args): raise FactoryFailed")
            s.expect_raises(FactoryFailed, FACTORY_RAISES, lambda: s.get_or_set(key, fails, "fails"))

        @rule(key=st.integers(0, 5), default=st.none() | st.integers(0, 3))
        def update_whose_fn_raises(self, key, default):
            s = self.session
            s.note("def fails(*args): raise FactoryFailed")
            s.expect_raises(FactoryFailed, UPDATE_RAISES, lambda: s.update(key, fails, "fails", default))

    run_machine(AtomicCallsMachine, solution, steps=20)


# --------------------------------------------------------------------------- cost, one thread


def _update_lru(cache, order, fresh):
    cache.update(order[0], increment)
    order.rotate(-1)


def _update_new(cache, order, fresh):
    key = next(fresh)
    cache.update(key, increment, 0)  # full: evicts the least recently used
    order.popleft()
    order.append(key)


def _get_or_set_lru(cache, order, fresh):
    cache.get_or_set(order[0], int)
    order.rotate(-1)


def _get_or_set_new(cache, order, fresh):
    key = next(fresh)
    cache.get_or_set(key, int)  # full: evicts the least recently used
    order.popleft()
    order.append(key)


CALLS = {
    "update(key, fn) of the least recently used key": _update_lru,
    "update(key, fn, default) of a new key, evicting": _update_new,
    "get_or_set(key, factory) of the least recently used key": _get_or_set_lru,
    "get_or_set(key, factory) of a new key, evicting": _get_or_set_new,
}


@pytest.mark.parametrize("name", CALLS)
def test_get_or_set_and_update_take_the_same_time_at_any_capacity(solution, name):
    assert_each_call_scales(solution, CALLS, name, rounds=200)


MEMORY_CALLS = {
    "get_or_set(key, factory) of new keys": lambda cache, i: cache.get_or_set(f"new-{i}", int),
    "update(key, fn, default) of new keys": lambda cache, i: cache.update(f"new-{i}", increment, 0),
}


@pytest.mark.parametrize("what", MEMORY_CALLS)
def test_memory_stays_proportional_to_capacity_under_get_or_set_and_update(solution, solution_dir, what):
    # A record per key (a lock, an event, a flight) that is never removed grows here.
    # A smaller cache than stage 2's: each get_or_set makes more objects to trace.
    assert_memory_bounded(solution, solution_dir, what, MEMORY_CALLS[what], capacity=300)


# --------------------------------------------------------------------------- many threads

THREADS = 4


# Each round: a seed for the threads' operations and switches, and how often a
# thread is made to switch on a line of the solution. Different rounds meet
# different interleavings; together they show a missing lock every run.
ROUNDS = [(0, 0.05), (1000, 0.15), (2000, 0.25)]


@pytest.mark.threads
@pytest.mark.parametrize("seed, switching", ROUNDS, ids=[f"round {i + 1}" for i in range(len(ROUNDS))])
def test_many_threads_at_once_keep_the_cache_consistent(solution, solution_dir, seed, switching):
    capacity, keys, operations = 4, range(8), 300
    cache = solution(capacity)

    def stored_for(key, value):
        return isinstance(value, str) and value.startswith(f"{key}/")

    def worker(thread):
        rng = random.Random(seed + thread)
        problems = []

        def check(ok, message):
            if not ok:
                problems.append(f"thread {thread}: {message}")

        for i in range(operations):
            key = rng.choice(keys)
            value = f"{key}/{thread}/{i}"
            operation = rng.randrange(8)
            if operation == 0:
                cache.put(key, value)
            elif operation == 1:
                got = cache.get(key)
                check(got is None or stored_for(key, got), f"cache.get({key}) returned {got!r}, never stored for {key}")
            elif operation == 2:
                got = cache.peek(key)
                check(got is None or stored_for(key, got), f"cache.peek({key}) returned {got!r}, never stored for {key}")
            elif operation == 3:
                got = cache.delete(key)
                check(got is True or got is False, f"cache.delete({key}) returned {got!r}, not True or False")
            elif operation == 4:
                got = cache.get_or_set(key, lambda: value)
                check(stored_for(key, got), f"cache.get_or_set({key}, ...) returned {got!r}, never stored for {key}")
            elif operation == 5:
                got = cache.update(key, lambda old: value)
                check(got == value, f"cache.update({key}, lambda old: {value!r}) returned {got!r}")
            elif operation == 6:
                size = len(cache)
                check(0 <= size <= capacity, f"len(cache) returned {size} (capacity {capacity})")
                member = key in cache
                check(member is True or member is False, f"{key} in cache returned {member!r}")
            else:
                problems.extend(check_consistent(cache, capacity, stored_for, f"thread {thread}"))
        return problems

    results = run_together(
        [functools.partial(worker, t) for t in range(THREADS)],
        what=f"{THREADS} threads calling put/get/peek/delete/get_or_set/update/len/in/items on one cache",
        timeout=10,
        solution_dir=solution_dir,
        seed=seed,
        switch_probability=switching,
    )
    problems = [p for found in results for p in found]
    problems += in_thread(
        lambda: check_consistent(cache, capacity, stored_for, "after every thread finished"),
        "cache.items() after the threads finished",
    )
    size = in_thread(lambda: len(cache), "len(cache) after the threads finished")
    pairs = in_thread(cache.items, "cache.items() after the threads finished")
    if size != len(pairs):
        problems.append(f"after every thread finished: len(cache) is {size} but items() holds {len(pairs)} entries")
    require(not problems, lambda: f"{problems[0]}: {INVARIANTS}.\n\nAll problems:\n" + "\n".join(f"  {p}" for p in problems[:10]))


@pytest.mark.threads
def test_concurrent_updates_never_lose_one(solution, solution_dir):
    threads, times = THREADS, 100
    cache = solution(4)

    def worker():
        for _ in range(times):
            cache.update("counter", lambda v: v + 1, 0)

    run_together(
        [worker] * threads,
        what=f"{threads} threads each calling cache.update('counter', lambda v: v + 1, 0) {times} times",
        timeout=10,
        solution_dir=solution_dir,
    )
    final = in_thread(lambda: cache.peek("counter"), "cache.peek('counter')")
    require(final == threads * times, lambda: f"after {threads} threads each called cache.update('counter', lambda v: v + 1, 0) {times} "
        f"times, cache.peek('counter') returned {final!r}; expected {threads * times}: "
        f"{NO_LOST_UPDATE}. Read, apply fn and store under one lock.")


def released_when_all_arrived(arrived, calls, callers, release):
    """The worker that lets the first factory() finish once every caller has arrived.

    It waits until all ``callers`` have called and a factory runs, then a
    little longer so that any extra factory() calls (the bug) show, then
    sets ``release``.
    """

    def releaser():
        wait_until(lambda: len(arrived) == callers and len(calls) >= 1, 10)
        wait_until(lambda: len(calls) > 1, 0.2)
        release.set()

    return releaser


@pytest.mark.threads
def test_concurrent_get_or_set_calls_the_factory_once(solution, solution_dir):
    callers = 6
    cache = solution(4)
    calls, arrived = [], []
    release = threading.Event()

    def factory():
        calls.append(threading.get_ident())
        release.wait(10)  # the flight stays open until every caller has arrived
        return "the one value"

    def caller():
        arrived.append(threading.get_ident())
        return cache.get_or_set("key", factory)

    try:
        results = run_together(
            [caller] * callers + [released_when_all_arrived(arrived, calls, callers, release)],
            what=f"{callers} threads calling cache.get_or_set('key', factory) at once",
            timeout=10,
            solution_dir=solution_dir,
        )
    finally:
        release.set()
    require(len(calls) == 1, lambda: f"{callers} threads called cache.get_or_set('key', factory) at once and factory() ran "
        f"{len(calls)} times; expected once: {SINGLE_FLIGHT}.")
    wrong = [r for r in results[:callers] if r != "the one value"]
    require(not wrong, lambda: f"a thread's cache.get_or_set('key', factory) returned {wrong[0]!r}; expected 'the one "
        f"value', what the one factory() call returned: {SINGLE_FLIGHT}.")


@pytest.mark.threads
def test_when_the_factory_raises_a_waiting_caller_runs_it_next(solution, solution_dir):
    callers = 5
    cache = solution(4)
    calls, arrived = [], []
    release = threading.Event()

    def factory():
        calls.append(threading.get_ident())
        if len(calls) == 1:
            release.wait(10)  # the others arrive and wait meanwhile
            raise FactoryFailed("the first factory() call fails")
        return "made by the second call"

    def caller():
        arrived.append(threading.get_ident())
        try:
            return ("returned", cache.get_or_set("key", factory), threading.get_ident())
        except FactoryFailed as exc:
            return ("raised", exc, threading.get_ident())

    try:
        results = run_together(
            [caller] * callers + [released_when_all_arrived(arrived, calls, callers, release)],
            what=f"{callers} threads calling cache.get_or_set('key', factory) at once, the first factory() raising",
            timeout=10,
            solution_dir=solution_dir,
        )
    finally:
        release.set()
    outcomes = results[:callers]
    raised = [r for r in outcomes if r[0] == "raised"]
    scenario = (
        f"{callers} threads called cache.get_or_set('key', factory) at once; the first "
        "factory() call raised FactoryFailed"
    )
    require(len(raised) == 1, lambda: f"{scenario}, and {len(raised)} callers saw the exception; expected exactly one, the "
        f"caller that ran it: {RETRY}.")
    require(raised[0][2] == calls[0], lambda: f"{scenario}, and a caller that did not run it saw the exception; expected the caller "
        f"that ran it: {RETRY}.")
    require(len(calls) == 2, lambda: f"{scenario}; factory() then ran {len(calls) - 1} more times; expected once more, by one "
        f"of the waiting callers: {RETRY}, and {SINGLE_FLIGHT}.")
    wrong = [r[1] for r in outcomes if r[0] == "returned" and r[1] != "made by the second call"]
    require(not wrong, lambda: f"{scenario}; a waiting caller returned {wrong[0]!r}; expected 'made by the second "
        f"call', what the next factory() call returned: {RETRY}.")
    stored = in_thread(lambda: cache.peek("key"), "cache.peek('key')")
    require(stored == "made by the second call", lambda: f"{scenario}; afterwards cache.peek('key') returned {stored!r}; expected 'made by the "
        f"second call': {RETRY}.")


@pytest.mark.threads
@pytest.mark.parametrize("seed, switching", ROUNDS, ids=[f"round {i + 1}" for i in range(len(ROUNDS))])
def test_snapshots_taken_while_threads_write_load_and_are_consistent(solution, solution_dir, tmp_path, seed, switching):
    capacity, keys = 6, range(10)
    cache = solution(capacity)
    path = tmp_path / "cache.snapshot"

    def stored_for(key, value):
        return isinstance(value, str) and value.startswith(f"{key}/")

    def writer(thread):
        rng = random.Random(seed + thread)
        for i in range(80):
            key = rng.choice(keys)
            value = f"{key}/{thread}/{i}"
            operation = rng.randrange(4)
            if operation == 0:
                cache.put(key, value)
            elif operation == 1:
                cache.delete(key)
            elif operation == 2:
                cache.update(key, lambda old: value)
            else:
                cache.get_or_set(key, lambda: value)

    def snapshotter():
        taken = []
        for i in range(12):
            taken.append(cache.to_bytes())
            if i % 4 == 0:
                cache.save(path)
        return taken

    results = run_together(
        [functools.partial(writer, t) for t in range(3)] + [snapshotter],
        what="3 threads writing while one calls to_bytes() and save()",
        timeout=10,
        solution_dir=solution_dir,
        seed=seed,
        switch_probability=switching,
    )
    problems = []
    for n, data in enumerate(results[-1]):
        where = f"snapshot {n} taken by to_bytes() while threads wrote"
        if not isinstance(data, bytes):
            problems.append(f"{where} is a {type(data).__name__}, not bytes")
            continue
        try:
            restored = solution.from_bytes(data)
        except Exception as exc:  # noqa: BLE001 - reported below
            problems.append(f"LRUCache.from_bytes() of {where} raised {type(exc).__name__}: {exc}")
            continue
        if restored.capacity != capacity:
            problems.append(f"{where} restored with capacity {restored.capacity}, not {capacity}")
        problems += check_consistent(restored, capacity, stored_for, where)
    try:
        loaded = solution.load(path)
    except Exception as exc:  # noqa: BLE001 - reported below
        problems.append(f"LRUCache.load() of the file saved while threads wrote raised {type(exc).__name__}: {exc}")
    else:
        problems += check_consistent(loaded, capacity, stored_for, "the file saved while threads wrote")
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p != path)
    if leftovers:
        problems.append(f"save() left {leftovers} in the folder; no temporary file is left")
    require(not problems, lambda: f"{problems[0]}: {SNAPSHOTS}.\n\nAll problems:\n" + "\n".join(
        f"  {p}" for p in problems[:10]
    ))
