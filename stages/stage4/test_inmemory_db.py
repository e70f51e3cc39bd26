"""Stage 4 of the in-memory database: ``scan(prefix, *, start_after, limit)`` in key order.

Every test drives a fake clock (``clock.advance(5)``) that starts at t=1000.0;
no test sleeps.
"""

import pytest

from dojo.testing import Prepared, run_machine
from stages.support.inmemory_db import (
    LARGE,
    SMALL,  # noqa: F401 - clock is a fixture
    FakeClock,
    Stage4Machine,
    assert_cost_does_not_grow,
    clock,
    code,
    fill,
    raises,
    scan_problem,
)

SCAN = "scan lists (key, value) for the live keys that start with prefix, in ascending key order (plain str comparison)"
START_AFTER = "with start_after, scan lists only keys strictly greater than it"
LIMIT = "with limit, scan lists at most limit pairs"
LITERAL = "prefix is literal: * ? [ % _ . and \\ are ordinary characters; any code point may appear"
VIEW = "the scan sees the innermost transaction's view and skips expired keys"
MAX = "\U0010ffff"


def filled(solution, clock, keys):
    db = solution(clock=clock)
    for key in keys:
        db.set(key, key.upper() + "!")
    return db


def pairs(keys):
    return [(k, k.upper() + "!") for k in keys]


def scans(db, expected, rule, prefix="", **options):
    call = code("db.scan", prefix, **options)
    problem = None
    try:
        got = db.scan(prefix, **options)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported below, outside this handler
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        raise AssertionError(f"{call} raised {problem}; expected {expected!r}: {rule}")
    problem = scan_problem(got, expected, rule)
    if problem:
        raise AssertionError(f"{call} returned {got!r}; expected {expected!r}: {problem}")


def test_scan_of_an_empty_database_is_an_empty_list(solution, clock):
    db = solution(clock=clock)
    scans(db, [], SCAN)
    scans(db, [], SCAN, "a")


def test_scan_without_arguments_lists_every_key_in_order(solution, clock):
    keys = ["b", "a", "ab", "", "ba", "aa"]
    db = filled(solution, clock, keys)
    scans(db, pairs(sorted(keys)), SCAN + " (scan() with no argument lists every live key)")


def test_scan_lists_only_the_keys_with_the_prefix(solution, clock):
    keys = ["apple", "app", "ap", "apricot", "banana", "xapp", "APP", "application"]
    db = filled(solution, clock, keys)
    scans(db, pairs(["app", "apple", "application"]), SCAN, "app")
    scans(db, pairs(["apple"]), SCAN, "apple")
    scans(db, [], SCAN, "apples")
    scans(db, [], SCAN, "c")


def test_scan_orders_by_plain_str_comparison(solution, clock):
    keys = ["b", "B", "a", "A", "10", "9", "1", "é", "z", "Z", "a b", "ab", "a-b", "_", "~"]
    db = filled(solution, clock, keys)
    scans(db, pairs(sorted(keys)), SCAN + ": uppercase before lowercase, '10' before '9', 'é' after 'z'")


def test_scan_order_does_not_follow_insertion(solution, clock):
    keys = [f"k{i}" for i in [5, 3, 9, 1, 7, 0, 8, 2, 6, 4]]
    db = filled(solution, clock, keys)
    db.delete("k3")
    db.set("k3", "new")
    expected = [(k, "new" if k == "k3" else k.upper() + "!") for k in sorted(keys)]
    scans(db, expected, SCAN, "k")


def test_scan_returns_the_current_values(solution, clock):
    db = filled(solution, clock, ["a", "b"])
    db.set("a", "changed")
    db.delete("b")
    db.set("c", "")
    scans(db, [("a", "changed"), ("c", "")], SCAN + " (the empty string is a value)")


def test_start_after_is_strictly_greater(solution, clock):
    keys = ["a", "b", "c", "d"]
    db = filled(solution, clock, keys)
    scans(db, pairs(["c", "d"]), START_AFTER + " (a key equal to start_after is left out)", start_after="b")
    scans(db, pairs(["c", "d"]), START_AFTER, start_after="bb")
    scans(db, pairs(keys), START_AFTER, start_after="")
    scans(db, [], START_AFTER, start_after="d")
    scans(db, [], START_AFTER, start_after="zzz")


def test_start_after_none_means_from_the_start(solution, clock):
    keys = ["", "a", "b"]
    db = filled(solution, clock, keys)
    scans(db, pairs(keys), "start_after=None is the same as leaving it out", start_after=None)
    scans(db, pairs(["a"]), "start_after=None is the same as leaving it out", "a", start_after=None, limit=None)


def test_start_after_combines_with_the_prefix(solution, clock):
    keys = ["a", "aa", "ab", "abc", "b", "ba"]
    db = filled(solution, clock, keys)
    scans(db, pairs(["ab", "abc"]), START_AFTER + " and start with prefix", "a", start_after="aa")
    scans(db, pairs(["a", "aa", "ab", "abc"]), START_AFTER + " (start_after before the prefix skips nothing)", "a", start_after="")
    scans(db, pairs(["ab", "abc"]), START_AFTER + " (start_after before the prefix skips nothing)", "ab", start_after="a")
    scans(db, [], START_AFTER + " (start_after after every match)", "a", start_after="abd")
    scans(db, [], START_AFTER + " (start_after after every match)", "a", start_after="b")


def test_limit_caps_the_number_of_pairs(solution, clock):
    keys = ["a", "b", "c", "d"]
    db = filled(solution, clock, keys)
    scans(db, [], LIMIT + " (limit=0 lists nothing)", limit=0)
    scans(db, pairs(["a"]), LIMIT, limit=1)
    scans(db, pairs(["a", "b", "c"]), LIMIT, limit=3)
    scans(db, pairs(keys), LIMIT, limit=4)
    scans(db, pairs(keys), LIMIT, limit=100)
    scans(db, pairs(["c"]), LIMIT + ", after start_after", start_after="b", limit=1)


def test_paging_with_start_after_visits_every_key_once(solution, clock):
    keys = [f"user:{i:03d}" for i in range(0, 50, 3)] + ["user:", "user", "users", "a", "z"]
    db = filled(solution, clock, keys)
    expected = sorted(k for k in keys if k.startswith("user:"))
    for size in [1, 2, 3, 5, 100]:
        seen, last, calls = [], None, []
        while True:
            calls.append(code("db.scan", "user:", start_after=last, limit=size))
            page = db.scan("user:", start_after=last, limit=size)
            if len(page) > size:
                raise AssertionError(f"{calls[-1]} returned {len(page)} pairs: {LIMIT}")
            if not page:
                break
            seen += [k for k, _ in page]
            last = page[-1][0]
            if len(calls) > len(expected) + 2:
                raise AssertionError(f"paging never ended: {'; '.join(calls[:6])} ...: {START_AFTER}")
        if seen != expected:
            raise AssertionError(
                f"paging with limit={size} ({'; '.join(calls[:4])}; ...) visited {seen!r}; expected {expected!r}:"
                " paging with start_after set to the last key of the previous page visits every matching key"
                " exactly once"
            )


@pytest.mark.parametrize(
    "prefix, matches, decoys",
    [
        ("a*", ["a*", "a*b"], ["a", "ab", "abc", "a+"]),
        ("a?", ["a?", "a?c"], ["ab", "ac"]),
        ("a[", ["a[", "a[b]"], ["a", "ab", "a]"]),
        ("[ab]", ["[ab]", "[ab]c"], ["a", "b", "[a"]),
        ("a%", ["a%", "a%b"], ["a", "ab", "abc"]),
        ("a_", ["a_", "a_b"], ["ab", "a", "abc"]),
        ("a.", ["a.", "a.b"], ["ab", "a", "a-"]),
        ("a\\", ["a\\", "a\\b"], ["a", "ab", "a/"]),
        ("\\d", ["\\d", "\\d1"], ["1", "d", "\\"]),
        (".*", [".*", ".*x"], ["a", "", ".", "x"]),
        ("%", ["%", "%a"], ["a", ""]),
        ("a^$", ["a^$"], ["a", "a^"]),
        ("a(b", ["a(b", "a(bc"], ["ab"]),
    ],
    ids=repr,
)
def test_the_prefix_is_literal(solution, clock, prefix, matches, decoys):
    db = filled(solution, clock, matches + decoys)
    scans(db, pairs(sorted(matches)), LITERAL, prefix)


@pytest.mark.parametrize(
    "prefix",
    [MAX, "a" + MAX, "", "a", MAX + MAX, "\U0001f600"],
    ids=["U+10FFFF", "a U+10FFFF", "empty", "a", "U+10FFFF twice", "emoji"],
)
def test_the_prefix_may_contain_the_highest_code_point(solution, clock, prefix):
    keys = ["a", "a" + MAX, "a" + MAX + MAX, "a" + MAX + "b", "ab", "b", MAX, MAX + "a", MAX + MAX, MAX + MAX + MAX,
            "\U0001f600", "\U0001f600a", "\ufffd"]
    db = filled(solution, clock, keys)
    expected = pairs(sorted(k for k in keys if k.startswith(prefix)))
    scans(db, expected, LITERAL + ', "\\U0010ffff" included', prefix)
    if expected:
        scans(db, expected[1:], LITERAL + ", with start_after", prefix, start_after=expected[0][0])


@pytest.mark.parametrize("prefix", [None, 1, b"a", ["a"]], ids=repr)
def test_a_non_str_prefix_raises_type_error(solution, clock, prefix):
    db = filled(solution, clock, ["a"])
    raises(TypeError, code("db.scan", prefix), lambda: db.scan(prefix), "prefix is a str; anything else raises TypeError")
    raises(TypeError, code("db.scan", prefix, limit=0), lambda: db.scan(prefix, limit=0),
           "prefix is a str; anything else raises TypeError (arguments are validated before anything else)")


@pytest.mark.parametrize("start_after", [1, b"a", ("a",), 0.5], ids=repr)
def test_a_non_str_start_after_raises_type_error(solution, clock, start_after):
    db = filled(solution, clock, ["a"])
    raises(TypeError, code("db.scan", "", start_after=start_after), lambda: db.scan("", start_after=start_after),
           "start_after is a str or None; anything else raises TypeError")
    raises(TypeError, code("db.scan", "", start_after=start_after, limit=0),
           lambda: db.scan("", start_after=start_after, limit=0),
           "start_after is a str or None; anything else raises TypeError (validated before anything else)")


@pytest.mark.parametrize("limit", [True, False, 1.0, 0.0, "1", [1]], ids=repr)
def test_a_limit_that_is_not_an_int_raises_type_error(solution, clock, limit):
    db = filled(solution, clock, ["a", "b"])
    raises(TypeError, code("db.scan", "", limit=limit), lambda: db.scan("", limit=limit),
           "limit is an int >= 0 or None; a non-int or a bool raises TypeError")


@pytest.mark.parametrize("limit", [-1, -100], ids=repr)
def test_a_negative_limit_raises_value_error(solution, clock, limit):
    db = filled(solution, clock, ["a", "b"])
    raises(ValueError, code("db.scan", "", limit=limit), lambda: db.scan("", limit=limit),
           "limit is an int >= 0 or None; a negative int raises ValueError")
    raises(ValueError, code("db.scan", "zzz", limit=limit), lambda: db.scan("zzz", limit=limit),
           "a negative limit raises ValueError even when nothing matches")


def test_scan_skips_expired_keys(solution, clock):
    db = solution(clock=clock)
    db.set("a1", "x", ttl=1)
    db.set("a2", "y", ttl=2)
    db.set("a3", "z")
    db.set("a4", "w", ttl=1)
    db.expire("a4", 5)
    clock.advance(1)
    scans(db, [("a2", "y"), ("a3", "z"), ("a4", "w")], VIEW, "a")
    clock.advance(1)
    scans(db, [("a3", "z"), ("a4", "w")], VIEW + " (a key is expired from its deadline on)", "a")


def test_limit_counts_only_live_keys(solution, clock):
    db = solution(clock=clock)
    for key in ["k1", "k2", "k3"]:
        db.set(key, "old", ttl=1)
    for key in ["k4", "k5", "k6"]:
        db.set(key, "new")
    clock.advance(1)
    scans(db, [("k4", "new"), ("k5", "new")], LIMIT + "; expired keys are skipped, not counted", "k", limit=2)
    scans(db, [("k4", "new"), ("k5", "new")], LIMIT + "; expired keys are skipped, not counted", "k", start_after="k2", limit=2)


def test_scan_after_purge_and_reset(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=1)
    db.set("b", "2", ttl=1)
    clock.advance(1)
    db.purge_expired()
    db.set("a", "3")
    scans(db, [("a", "3")], VIEW)
    db.delete("a")
    scans(db, [], SCAN + " (a deleted key is gone)")


def test_scan_sees_the_innermost_transaction(solution, clock):
    db = solution(clock=clock)
    for key in ["a", "b", "c"]:
        db.set(key, "0")
    db.begin()
    db.set("b", "1")
    db.delete("c")
    db.set("d", "1")
    scans(db, [("a", "0"), ("b", "1"), ("d", "1")], VIEW)
    db.begin()
    db.delete("a")
    db.set("c", "2")
    db.set("ab", "2")
    scans(db, [("ab", "2"), ("b", "1"), ("c", "2"), ("d", "1")], VIEW)
    scans(db, [("ab", "2")], VIEW, "a")
    scans(db, [("b", "1"), ("c", "2")], VIEW, start_after="ab", limit=2)
    scans(db, [("ab", "2"), ("b", "1")], VIEW + "; limit counts the keys of the view", limit=2)
    db.rollback()
    scans(db, [("a", "0"), ("b", "1"), ("d", "1")], VIEW + " (after the inner rollback)")
    db.commit()
    scans(db, [("a", "0"), ("b", "1"), ("d", "1")], VIEW + " (after the commit)")


def test_scan_inside_a_transaction_keeps_every_key_in_order(solution, clock):
    db = solution(clock=clock)
    for key in ["b", "d", "f"]:
        db.set(key, "0")
    db.begin()
    db.set("a", "1")  # new, before every committed key
    db.set("d", "1")  # changed, between unchanged committed keys
    db.set("e", "1")  # new, between committed keys
    db.begin()
    db.set("c", "2")
    scans(db, [("a", "1"), ("b", "0"), ("c", "2"), ("d", "1"), ("e", "1"), ("f", "0")],
          VIEW + ", in ascending key order whichever transaction changed a key")
    scans(db, [("c", "2"), ("d", "1")], VIEW + ", in ascending key order", start_after="b", limit=2)


def test_scan_skips_keys_expired_inside_a_transaction(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0")
    db.set("b", "0", ttl=1)
    db.begin()
    db.set("c", "1", ttl=1)
    db.expire("a", 2)
    db.persist("b")
    clock.advance(1)
    scans(db, [("a", "0"), ("b", "0")], VIEW)
    clock.advance(1)
    scans(db, [("b", "0")], VIEW)
    db.rollback()
    scans(db, [("a", "0")], VIEW + " (after the rollback)")


# The complexity checks build databases of 200,000 keys: on a loaded machine that
# alone can take longer than pytest's usual limit. Their own measurements stop
# early (in CPU time), so a longer limit cannot hide a hang.
SLOW = pytest.mark.timeout(180)

SCAN_COST = "O(log n + k) for k results out of n keys, plus the keys changed in open transactions"


# Both scan checks leave their database with no transaction open, so a passing
# check hands its two databases to the next.
SCANNED = Prepared()


def _scan_workload(solution, size, in_transaction, take, used):
    """A database of ``size`` keys (inside a transaction that changed a few, if asked) and one round of scans."""
    db = used[size] = take((solution, size), lambda: fill(solution(clock=FakeClock()), size, "key:{:06d}".format))
    expected = [(f"key:{i:06d}", "v") for i in range(1000, 1010)]
    scans(db, expected, SCAN, "key:00100")
    if in_transaction:
        db.begin()
        for i in range(5):
            db.set(f"key:{i:06d}", "changed")  # a few keys changed, none where the scans look
            db.delete(f"key:{i + 10:06d}")
    added = iter(range(10**9))

    def one_round():
        # A write between scans, so no cached sort helps (inside the transaction,
        # to a key it changed already: the changes stay as few as they were).
        if in_transaction:
            db.set("key:000000", f"changed {next(added)}")
        else:
            db.set(f"new:{next(added):09d}", "v")
        db.scan("key:00100")
        db.scan("key:001", start_after="key:001005", limit=4)
        if not in_transaction:
            db.delete(f"new:{next(added) - 1:09d}")  # as found, for the next check

    return one_round


@SLOW
@pytest.mark.parametrize("in_transaction", [False, True], ids=["outside transactions", "inside a transaction"])
def test_scan_cost_does_not_grow_with_the_database(solution, in_transaction):
    where = " inside a transaction that changed 10 keys" if in_transaction else ""
    used = {}
    with SCANNED.lent() as take:
        assert_cost_does_not_grow(
            lambda size: _scan_workload(solution, size, in_transaction, take, used),
            small=SMALL, large=LARGE, factor=5,
            rounds=30,
            what=f"a db.set(), then db.scan() of 10 keys and of a page of 4{where}",
            expected=f"a scan costs {SCAN_COST}, outside transactions and inside alike; a sorted structure"
            " (such as sortedcontainers.SortedList) walked from the prefix does it. Usually sorting or filtering"
            " every key, always or only while a transaction is open, makes it grow with the database",
        )
        for db in used.values() if in_transaction else ():
            db.rollback()  # as found: no transaction open


# A failing run shrinks its calls to the shortest sequence: on a loaded machine
# that can outlast pytest's usual limit.
@pytest.mark.timeout(180)
def test_scans_match_a_model(solution):
    """Random sequences of every call, scans included, agree with a model."""
    run_machine(Stage4Machine, solution, steps=30)
