"""Stage 2 of the in-memory database: keys that expire, read through an injected clock.

Every test drives a fake clock (``clock.advance(5)``) that starts at t=1000.0;
no test sleeps.
"""

import sys
import time
from contextlib import contextmanager
from fractions import Fraction

import pytest

from dojo.testing import Prepared, SolutionMemory, run_machine, wait_until
from stages.support.inmemory_db import (
    LARGE,
    SMALL,  # noqa: F401 - clock is a fixture
    BAD_TTLS,
    NOT_STR,
    FakeClock,
    Stage2Machine,
    assert_each_call_takes_constant_time,
    assert_cost_does_not_grow,
    clock,
    code,
    fill,
    raises,
    rejects,
    returns,
)

LIVE = "a key set at time t with ttl=d is live while clock() < t + d"
EXPIRED = "a key set at time t with ttl=d is expired from clock() >= t + d on"
MISSING = "an expired key is missing for every call"
BAD_TTL = "ttl must be an int or float (not bool), greater than zero and finite; otherwise it raises and nothing changes"
TTL_KEYS = ["a", "b", "c"]
# The complexity and memory checks build databases of 200,000 keys: on a loaded
# machine that alone can take longer than pytest's usual limit. Their own
# measurements stop early (in CPU time), so a longer limit cannot hide a hang.
SLOW = pytest.mark.timeout(180)


def test_a_key_set_with_ttl_is_live_until_its_deadline(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    clock.advance(4.75)
    returns(lambda: db.get("a"), "1", "db.get('a') 4.75 s after db.set('a', '1', ttl=5)", LIVE)
    returns(lambda: "a" in db, True, "'a' in db 4.75 s after db.set('a', '1', ttl=5)", LIVE)
    returns(lambda: len(db), 1, "len(db) 4.75 s after db.set('a', '1', ttl=5)", LIVE)


def test_a_key_expires_exactly_at_its_deadline(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.set("b", "2")
    clock.advance(5)
    returns(lambda: db.get("a"), None, "db.get('a') exactly 5 s after db.set('a', '1', ttl=5)", EXPIRED)
    returns(lambda: "a" in db, False, "'a' in db exactly 5 s after db.set('a', '1', ttl=5)", EXPIRED)
    returns(lambda: len(db), 1, "len(db) exactly at the deadline of 'a' (with 'b' never expiring)",
            "len does not count an expired key")


EXPIRED_CALLS = [
    ("len(db)", lambda db: len(db), 0, "len does not count it"),
    ("db.get('a')", lambda db: db.get("a"), None, "get gives None"),
    ("'a' in db", lambda db: "a" in db, False, "in is False"),
    ("db.delete('a')", lambda db: db.delete("a"), False, "delete returns False"),
    ("db.expire('a', 10)", lambda db: db.expire("a", 10), False, "expire returns False"),
    ("db.persist('a')", lambda db: db.persist("a"), False, "persist returns False"),
]


@pytest.mark.parametrize("call, make, expected, why", EXPIRED_CALLS, ids=[c[0] for c in EXPIRED_CALLS])
def test_an_expired_key_is_missing_for_every_call(solution, clock, call, make, expected, why):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    clock.advance(2)
    returns(lambda: make(db), expected, f"{call} as the first call after 'a' expired", f"{MISSING}: {why}")
    returns(lambda: db.get("a"), None, f"db.get('a') after {call} on the expired key",
            "a call on an expired key changes nothing (it must not bring the key back)")
    returns(lambda: len(db), 0, f"len(db) after {call} on the expired key", MISSING)
    raises(KeyError, f"db.ttl('a') after {call} on the expired key", lambda: db.ttl("a"),
           "ttl raises KeyError for a missing or expired key")


def test_ttl_of_an_expired_key_raises_key_error_as_the_first_call(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    clock.advance(1)
    raises(KeyError, "db.ttl('a') as the first call at its deadline", lambda: db.ttl("a"),
           "ttl raises KeyError for an expired key (not 0 or a negative number)")


def test_ttl_counts_from_the_call_not_from_the_creation_of_the_database(solution, clock):
    db = solution(clock=clock)
    clock.advance(100)
    db.set("a", "1", ttl=5)
    clock.advance(4.5)
    returns(lambda: db.get("a"), "1", "db.get('a') 4.5 s after db.set('a', '1', ttl=5) made at t=1100", LIVE)
    clock.advance(0.5)
    returns(lambda: db.get("a"), None, "db.get('a') 5 s after db.set('a', '1', ttl=5) made at t=1100", EXPIRED)


def test_a_fractional_ttl_expires_on_time(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=0.25)
    clock.advance(0.125)
    returns(lambda: db.get("a"), "1", "db.get('a') 0.125 s after db.set('a', '1', ttl=0.25)", LIVE)
    clock.advance(0.125)
    returns(lambda: db.get("a"), None, "db.get('a') 0.25 s after db.set('a', '1', ttl=0.25)", EXPIRED)


def test_a_key_set_without_ttl_never_expires(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    clock.advance(1e9)
    returns(lambda: db.get("a"), "1", "db.get('a') 1e9 s after db.set('a', '1')", "without ttl, the key never expires")
    returns(lambda: db.ttl("a"), None, "db.ttl('a') of a key set without ttl", "ttl is None for a live key without an expiry")


def test_set_without_ttl_clears_an_earlier_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.set("a", "2")
    returns(lambda: db.ttl("a"), None, "db.ttl('a') after db.set('a', '1', ttl=5), db.set('a', '2')",
            "set without ttl clears any earlier expiry of that key")
    clock.advance(10)
    returns(lambda: db.get("a"), "2", "db.get('a') 10 s after db.set('a', '1', ttl=5), db.set('a', '2')",
            "set without ttl clears any earlier expiry of that key")


def test_set_with_a_new_ttl_replaces_the_old_deadline(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.set("a", "2", ttl=10)
    clock.advance(5)
    returns(lambda: db.get("a"), "2", "db.get('a') 5 s after db.set('a', '1', ttl=5), db.set('a', '2', ttl=10)",
            "the key expires ttl seconds after the latest set")
    clock.advance(5)
    returns(lambda: db.get("a"), None, "db.get('a') 10 s after db.set('a', '2', ttl=10)", EXPIRED)
    db.set("b", "1", ttl=10)
    db.set("b", "2", ttl=5)
    clock.advance(5)
    returns(lambda: db.get("b"), None, "db.get('b') 5 s after db.set('b', '1', ttl=10), db.set('b', '2', ttl=5)",
            "the key expires ttl seconds after the latest set, even when that is sooner")


def test_an_int_ttl_works_like_a_float(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=3)
    clock.advance(1)
    returns(lambda: db.ttl("a"), 2.0, "db.ttl('a') 1 s after db.set('a', '1', ttl=3)", "ttl is the remaining seconds, a float")
    clock.advance(2)
    returns(lambda: db.get("a"), None, "db.get('a') 3 s after db.set('a', '1', ttl=3)", EXPIRED)


def test_ttl_reports_the_remaining_seconds(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') right after db.set('a', '1', ttl=10)", "ttl is the remaining seconds, a float")
    clock.advance(2.5)
    returns(lambda: db.ttl("a"), 7.5, "db.ttl('a') 2.5 s after db.set('a', '1', ttl=10)", "ttl is the remaining seconds, a float")
    clock.advance(7.25)
    returns(lambda: db.ttl("a"), 0.25, "db.ttl('a') 9.75 s after db.set('a', '1', ttl=10)", "ttl is the remaining seconds, a float")


def test_ttl_of_a_missing_key_raises_key_error(solution, clock):
    db = solution(clock=clock)
    raises(KeyError, "db.ttl('a') on an empty database", lambda: db.ttl("a"), "ttl raises KeyError for a missing key")
    db.set("a", "1")
    db.delete("a")
    raises(KeyError, "db.ttl('a') after deleting 'a'", lambda: db.ttl("a"), "ttl raises KeyError for a missing key")
    db.set("b", "1", ttl=2)
    clock.advance(2)
    raises(KeyError, "db.ttl('b') exactly at its deadline", lambda: db.ttl("b"),
           "ttl raises KeyError for an expired key (not 0 or a negative number)")


def test_expire_sets_a_new_expiry_on_a_live_key(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    clock.advance(10)
    returns(lambda: db.expire("a", 5), True, "db.expire('a', 5) on a live key", "expire returns True for a live key")
    returns(lambda: db.ttl("a"), 5.0, "db.ttl('a') right after db.expire('a', 5)", "the key expires ttl seconds after the expire call")
    clock.advance(4.5)
    returns(lambda: db.get("a"), "1", "db.get('a') 4.5 s after db.expire('a', 5)", "expire keeps the value; the key is live until its deadline")
    clock.advance(0.5)
    returns(lambda: db.get("a"), None, "db.get('a') 5 s after db.expire('a', 5)", "the key expires ttl seconds after the expire call")


def test_expire_replaces_an_earlier_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=2)
    returns(lambda: db.expire("a", 10), True, "db.expire('a', 10) on a key with ttl=2", "expire returns True for a live key")
    clock.advance(2)
    returns(lambda: db.get("a"), "1", "db.get('a') 2 s after set with ttl=2, then expire('a', 10)", "expire sets a new expiry")
    db.set("b", "1", ttl=10)
    db.expire("b", 1)
    clock.advance(1)
    returns(lambda: db.get("b"), None, "db.get('b') 1 s after set with ttl=10, then expire('b', 1)", "expire sets a new expiry, sooner too")


def test_expire_of_a_missing_key_returns_false_and_does_nothing(solution, clock):
    db = solution(clock=clock)
    returns(lambda: db.expire("a", 5), False, "db.expire('a', 5) on an empty database", "expire returns False if the key is missing")
    returns(lambda: "a" in db, False, "'a' in db after db.expire('a', 5) on a missing key", "expire on a missing key creates nothing")
    returns(lambda: len(db), 0, "len(db) after db.expire('a', 5) on a missing key", "expire on a missing key creates nothing")


def test_persist_removes_the_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    returns(lambda: db.persist("a"), True, "db.persist('a') on a key with an expiry", "persist returns True if the key had an expiry")
    returns(lambda: db.ttl("a"), None, "db.ttl('a') after db.persist('a')", "persist removes the expiry")
    clock.advance(100)
    returns(lambda: db.get("a"), "1", "db.get('a') 100 s after set with ttl=5 and persist", "persist removes the expiry")
    returns(lambda: db.persist("a"), False, "db.persist('a') a second time", "persist returns False for a key without expiry")


def test_persist_returns_false_for_a_missing_key_or_one_without_expiry(solution, clock):
    db = solution(clock=clock)
    returns(lambda: db.persist("a"), False, "db.persist('a') on an empty database", "persist returns False for a missing key")
    returns(lambda: "a" in db, False, "'a' in db after db.persist('a') on a missing key", "persist on a missing key creates nothing")
    db.set("b", "1")
    returns(lambda: db.persist("b"), False, "db.persist('b') on a key without expiry", "persist returns False for a key without expiry")
    returns(lambda: db.get("b"), "1", "db.get('b') after db.persist('b')", "persist keeps the value")


def test_delete_of_a_key_with_expiry_forgets_the_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    returns(lambda: db.delete("a"), True, "db.delete('a') of a live key with an expiry", "delete returns True if the key was present")
    db.set("a", "2")
    clock.advance(5)
    returns(lambda: db.get("a"), "2", "db.get('a') 5 s after set('a', '1', ttl=5), delete('a'), set('a', '2')",
            "a key set again without ttl never expires: the deleted key's expiry is gone")
    returns(lambda: db.purge_expired(), 0, "db.purge_expired() when no live key has expired", "purge_expired returns how many it removed")
    returns(lambda: db.get("a"), "2", "db.get('a') after db.purge_expired()", "purge_expired removes only expired entries")


def test_purge_expired_removes_the_expired_keys_and_counts_them(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    db.set("b", "2", ttl=2)
    db.set("c", "3", ttl=3)
    db.set("d", "4")
    clock.advance(2)
    returns(lambda: db.purge_expired(), 2, "db.purge_expired() 2 s after setting a (ttl=1), b (ttl=2), c (ttl=3), d",
            "purge_expired removes every expired entry and returns how many it removed")
    returns(lambda: db.purge_expired(), 0, "db.purge_expired() a second time", "nothing is left to remove")
    returns(lambda: db.get("c"), "3", "db.get('c') after the purge", "purge_expired removes only expired entries")
    returns(lambda: db.get("d"), "4", "db.get('d') after the purge", "purge_expired removes only expired entries")
    returns(lambda: len(db), 2, "len(db) after the purge", "len is the number of live keys")
    clock.advance(1)
    returns(lambda: db.purge_expired(), 1, "db.purge_expired() once 'c' expired too", "purge_expired returns how many it removed")


def test_purge_expired_on_an_empty_database_returns_zero(solution, clock):
    db = solution(clock=clock)
    returns(lambda: db.purge_expired(), 0, "db.purge_expired() on an empty database", "purge_expired returns how many it removed")


def test_purge_expired_counts_only_current_deadlines(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    db.set("a", "2", ttl=5)  # the deadline moved
    db.set("b", "1", ttl=1)
    db.set("b", "2")  # the expiry was cleared
    db.set("c", "1", ttl=1)
    db.persist("c")
    db.set("d", "1", ttl=5)
    db.expire("d", 1)  # the deadline moved sooner
    clock.advance(1)
    returns(lambda: db.purge_expired(), 1, "db.purge_expired() 1 s later, when only 'd' (expire('d', 1)) is due",
            "purge_expired counts the keys whose current deadline passed; an old deadline counts for nothing")
    for key, value in [("a", "2"), ("b", "2"), ("c", "1")]:
        returns(lambda: db.get(key), value, code("db.get", key) + " after the purge", "purge_expired removes only expired keys")
    returns(lambda: db.get("d"), None, "db.get('d') after the purge", EXPIRED)


def test_purge_then_set_again_works(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    clock.advance(1)
    db.purge_expired()
    db.set("a", "2", ttl=1)
    returns(lambda: db.get("a"), "2", "db.get('a') after the expired 'a' was purged and set again", "get returns the value stored under the key")
    clock.advance(1)
    returns(lambda: db.purge_expired(), 1, "db.purge_expired() once the new 'a' expired", "purge_expired returns how many it removed")


@pytest.mark.parametrize("ttl, error, why", BAD_TTLS, ids=[repr(t[0]) for t in BAD_TTLS])
def test_set_with_an_invalid_ttl_raises_and_changes_nothing(solution, clock, ttl, error, why):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.set("b", "2")
    for key in ["a", "b", "c"]:
        call = code("db.set", key, "new", ttl=ttl)
        rejects(db, error, call, lambda: db.set(key, "new", ttl=ttl), f"{BAD_TTL} ({why})", TTL_KEYS, with_ttl=True)


@pytest.mark.parametrize("ttl, error, why", BAD_TTLS + [(None, TypeError, "expire needs a ttl")],
                         ids=[repr(t[0]) for t in BAD_TTLS] + ["None"])
def test_expire_with_an_invalid_ttl_raises_and_changes_nothing(solution, clock, ttl, error, why):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.set("b", "2")
    for key in ["a", "b", "c"]:  # with an expiry, without one, missing
        call = code("db.expire", key, ttl)
        rejects(db, error, call, lambda: db.expire(key, ttl), f"{BAD_TTL} ({why})", TTL_KEYS, with_ttl=True)


def test_a_ttl_that_is_not_an_int_or_float_raises_type_error(solution, clock):
    db = solution(clock=clock)
    ttl = Fraction(1, 2)
    raises(TypeError, code("db.set", "a", "1", ttl=ttl), lambda: db.set("a", "1", ttl=ttl), BAD_TTL)
    returns(lambda: "a" in db, False, f"'a' in db after {code('db.set', 'a', '1', ttl=ttl)} raised", BAD_TTL)


@pytest.mark.parametrize("key", NOT_STR, ids=repr)
def test_expire_persist_and_ttl_reject_a_non_str_key(solution, clock, key):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    rule = "a non-str key raises TypeError, even though it can never be present"
    rejects(db, TypeError, code("db.expire", key, 5), lambda: db.expire(key, 5), rule, ["a"], with_ttl=True)
    rejects(db, TypeError, code("db.persist", key), lambda: db.persist(key), rule, ["a"], with_ttl=True)
    rejects(db, TypeError, code("db.ttl", key), lambda: db.ttl(key), rule + " (not KeyError)", ["a"], with_ttl=True)


def test_set_with_ttl_still_rejects_a_non_str_key_or_value(solution, clock):
    db = solution(clock=clock)
    rejects(db, TypeError, "db.set(1, 'v', ttl=5)", lambda: db.set(1, "v", ttl=5), "keys are str", ["a"])
    rejects(db, TypeError, "db.set('a', 1, ttl=5)", lambda: db.set("a", 1, ttl=5), "values are str", ["a"])


def test_set_with_ttl_none_means_no_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    returns(lambda: db.set("a", "2", ttl=None), None, "db.set('a', '2', ttl=None)", "set returns None")
    clock.advance(10)
    returns(lambda: db.get("a"), "2", "db.get('a') 10 s after db.set('a', '2', ttl=None)", "without ttl, the key never expires")


def test_the_database_reads_time_only_through_its_clock(solution, solution_dir, clock, monkeypatch):
    called = []
    folder = str(solution_dir.resolve())

    def spy(name, real):
        def fake(*args):
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith(folder):
                called.append(name)
            return real(*args)

        return fake

    for name in ["time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "perf_counter_ns"]:
        monkeypatch.setattr(time, name, spy(f"time.{name}()", getattr(time, name)))
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.expire("a", 6)
    db.get("a")
    "a" in db
    len(db)
    db.ttl("a")
    db.persist("a")
    db.purge_expired()
    db.delete("a")
    if called:
        raise AssertionError(
            f"the database called {', '.join(sorted(set(called)))} although it was given a clock:"
            " the database reads time only through the clock it was given"
        )


def test_a_clock_far_from_the_real_time_is_obeyed(solution):
    for start in [0.0, 1e9]:
        clock = FakeClock(start)
        db = solution(clock=clock)
        db.set("a", "1", ttl=5)
        returns(lambda: db.get("a"), "1", f"db.get('a') right after db.set('a', '1', ttl=5) with the clock at {start}",
                "the database reads time only through its clock: " + LIVE)
        clock.advance(5)
        returns(lambda: db.get("a"), None, f"db.get('a') 5 s later by a clock that started at {start}",
                "the database reads time only through its clock: " + EXPIRED)


def test_the_default_clock_counts_seconds(solution):
    db = solution()
    db.set("a", "1", ttl=1000)
    remaining = db.ttl("a")
    if not (isinstance(remaining, float) and 990 < remaining <= 1000):
        raise AssertionError(
            f"db.ttl('a') right after db.set('a', '1', ttl=1000) on InMemoryDB() returned {remaining!r};"
            " expected about 1000.0: the default clock is time.monotonic, in seconds"
        )
    db.set("b", "1", ttl=1e-6)
    expired = wait_until(lambda: db.get("b") is None, 5)  # a microsecond passes while we ask
    if not expired:
        raise AssertionError(
            "db.get('b') still returned '1' 5 s after db.set('b', '1', ttl=1e-6) on InMemoryDB():"
            " the default clock is time.monotonic, in seconds"
        )


# Both checks below time calls on a database whose keys key0, key1, ... all
# expire some day (ttl=1e6), on its own fake clock; each leaves it as it found
# it (the keys it adds expire and are purged), so a passing check hands it on.
EXPIRING_DATABASES = Prepared()


@contextmanager
def expiring_databases(solution):
    """``database(size)``: a database of ``size`` keys that expire in 1e6 s, and its clock."""
    def build(size):
        clock = FakeClock()
        return fill(solution(clock=clock), size, ttl=1e6), clock

    with EXPIRING_DATABASES.lent() as take:
        yield lambda size: take((solution, size), lambda: build(size))


@SLOW
def test_purge_expired_costs_time_for_the_expired_keys_only(solution):
    expiring = [f"gone{i}" for i in range(10)]

    def make_round(db, clock):
        def one_round():
            for key in expiring:
                db.set(key, "v", ttl=1)
            clock.advance(1)
            db.purge_expired()

        return one_round

    with expiring_databases(solution) as database:
        assert_cost_does_not_grow(
            lambda live: make_round(*database(live)),
            small=SMALL, large=LARGE, factor=8,
            rounds=3,
            what="10 db.set(key, 'v', ttl=1), clock.advance(1), then db.purge_expired(), among keys that live on",
            expected="purge_expired costs time for the expired entries, not for the size of the database."
            " Usually a pass over every key (in purge_expired, or in a call it makes), or a structure whose"
            " removals cost O(n) (a list kept sorted, say), makes it grow with the database",
        )


# Calls on a database whose keys all expire some day: each leaves it as it found it.
EXPIRING_CALLS = {
    "db.get(key)": lambda db, key: db.get(key),
    "key in db": lambda db, key: key in db,
    "len(db)": lambda db, key: len(db),
    "db.ttl(key)": lambda db, key: db.ttl(key),
    "db.set(key, value, ttl=1e6) of an existing key": lambda db, key: db.set(key, "w", ttl=1e6),
    "db.delete(key), then db.set(key, value, ttl=1e6) again": lambda db, key: (
        db.delete(key), db.set(key, "v", ttl=1e6)
    ),
}


@SLOW
def test_get_in_len_and_ttl_cost_does_not_grow_with_keys_that_expire(solution):
    hot = [f"key{i}" for i in range(0, SMALL, 20)]
    with expiring_databases(solution) as database:
        assert_each_call_takes_constant_time(
            {size: database(size)[0] for size in (SMALL, LARGE)},
            EXPIRING_CALLS, hot,
            what=lambda call: call + ", every key with a ttl",
            expected=lambda call: (
                "get, set, delete, in and len cost O(1) on average at every stage, keys with a ttl"
                " included (a len that checks every key's deadline fails: purge the expired ones, then count)"
            ),
        )


# Giving one key a new expiry, again and again, must not grow the database. (The
# contract says 300,000 times; 12,000 of each call already show a heap that keeps
# every stale entry, at about 90 bytes each (2 MB), and counting allocations makes each
# call several times slower.)
RESETS = 12_000
MEMORY_LIMIT = 1_000_000  # bytes


@SLOW
def test_memory_follows_the_keys_held_not_the_calls_made(solution, solution_dir, clock):
    with SolutionMemory(solution_dir) as memory:
        db = solution(clock=clock)
        for _ in range(500):
            db.set("hot", "v", ttl=1000)
            db.expire("hot", 1000)
        before = memory.held()
        done = 0
        for checkpoint in (3_000, RESETS):  # stop early once the growth shows
            for _ in range(checkpoint - done):
                db.set("hot", "v", ttl=1000)
                db.expire("hot", 1000)
            done = checkpoint
            grown = memory.held() - before
            if grown > MEMORY_LIMIT:
                break
    if grown > MEMORY_LIMIT:
        raise AssertionError(
            f"after db.set('hot', 'v', ttl=1000) and db.expire('hot', 1000) {done:,} times each, on a"
            f" database holding that one key, the database holds {grown / 1e6:.1f} MB more than after the"
            f" first 500 times (expected less than {MEMORY_LIMIT / 1e6:g} MB): memory stays proportional to"
            " the keys held, however often a key is set with a ttl or given a new expiry (a heap with lazy"
            " deletion must drop or compact its stale entries). Only the database's own allocations count.\n\n"
            "    from katas.inmemory_db import InMemoryDB\n"
            "    from dojo.testing import FakeClock\n"
            "    db = InMemoryDB(clock=FakeClock(1000.0))\n"
            f"    for _ in range({done + 500}):\n"
            "        db.set('hot', 'v', ttl=1000)\n"
            "        db.expire('hot', 1000)\n"
        )


def test_purge_expired_removes_them_from_memory(solution, clock):
    db = solution(clock=clock)
    for i in range(10):
        db.set(f"k{i}", "v", ttl=1)
    clock.advance(1)
    returns(lambda: db.purge_expired(), 10, "db.purge_expired() with 10 expired keys and no call since they expired",
            "purge_expired returns how many it removed (exact when no other call came between)")
    returns(lambda: db.purge_expired(), 0, "db.purge_expired() right after a purge", "nothing expired is left in memory")


# A failing run shrinks its calls to the shortest sequence: on a loaded machine
# that can outlast pytest's usual limit.
@pytest.mark.timeout(180)
def test_expiry_matches_a_model(solution):
    """Random sequences with ttl, expire, persist, ttl(), purge_expired and clock advances agree with a model."""
    run_machine(Stage2Machine, solution, steps=25)

