"""Stage 3 of the in-memory database: nested transactions (begin, commit, rollback, transaction()).

Every test drives a fake clock (``clock.advance(5)``) that starts at t=1000.0;
no test sleeps.
"""


import pytest

from dojo.testing import run_machine
from stages.support.inmemory_db import (
    LARGE,
    SMALL,  # noqa: F401 - clock is a fixture
    Stage3Machine,
    assert_each_call_takes_constant_time,
    assert_cost_does_not_grow,
    big_databases,
    clock,
    code,
    raises,
    rejects,
    returns,
)

INNERMOST = "every read sees the innermost transaction's view: its own changes over its parents' over the database"
ROLLBACK = "rollback() closes the innermost transaction, discarding its changes (values, deletions and expiries alike)"
COMMIT = ("commit() closes the innermost transaction, keeping its changes: they become part of the enclosing"
          " transaction, or of the database when it was the outermost")
NO_TRANSACTION = "{call} with no open transaction raises RuntimeError and changes nothing"
ABSOLUTE = "expiry deadlines are absolute: fixed when the call is made, not at commit; time keeps running inside transactions"
PURGE = "purge_expired() inside a transaction never changes what any read returns, then or after a later commit or rollback"
KEYS = ["a", "b", "c"]


def depth_is(db, expected, after):
    returns(lambda: db.depth, expected, f"db.depth after {after}", "depth is the number of open transactions")


def test_a_new_database_has_no_open_transaction(solution, clock):
    db = solution(clock=clock)
    depth_is(db, 0, "InMemoryDB()")


def test_begin_opens_nested_transactions(solution, clock):
    db = solution(clock=clock)
    db.begin()  # what begin() returns is left open
    depth_is(db, 1, "one begin()")
    db.begin()
    db.begin()
    depth_is(db, 3, "three begin()")


def test_changes_inside_a_transaction_are_visible_inside_it(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    db.set("b", "2")
    db.begin()
    db.set("a", "10")
    db.delete("b")
    db.set("c", "3")
    returns(lambda: db.get("a"), "10", "db.get('a') after db.set('a', '10') in the transaction", INNERMOST)
    returns(lambda: db.get("b"), None, "db.get('b') after db.delete('b') in the transaction", INNERMOST)
    returns(lambda: "b" in db, False, "'b' in db after db.delete('b') in the transaction", INNERMOST)
    returns(lambda: "c" in db, True, "'c' in db after db.set('c', '3') in the transaction", INNERMOST)
    returns(lambda: len(db), 2, "len(db) with 'a' replaced, 'b' deleted, 'c' added in the transaction", INNERMOST)


def test_len_inside_a_transaction_counts_the_view(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    db.begin()
    db.set("a", "2")
    returns(lambda: len(db), 1, "len(db) after replacing committed 'a' in a transaction", INNERMOST + " (a key counts once)")
    db.delete("a")
    returns(lambda: len(db), 0, "len(db) after deleting committed 'a' in a transaction", INNERMOST)
    db.begin()
    db.set("a", "3")
    db.set("b", "4")
    returns(lambda: len(db), 2, "len(db) after setting 'a' and 'b' in a nested transaction", INNERMOST)
    db.delete("b")
    returns(lambda: len(db), 1, "len(db) after deleting 'b' again", INNERMOST)


def test_rollback_discards_the_changes(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    db.set("b", "2")
    db.begin()
    db.set("a", "10")
    db.delete("b")
    db.set("c", "3")
    db.rollback()  # what rollback() returns is left open
    depth_is(db, 0, "begin(), changes, rollback()")
    for key, value in [("a", "1"), ("b", "2"), ("c", None)]:
        returns(lambda: db.get(key), value, code("db.get", key) + " after the rollback", ROLLBACK)
    returns(lambda: len(db), 2, "len(db) after the rollback", ROLLBACK)


def test_commit_keeps_the_changes(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    db.set("b", "2")
    db.begin()
    db.set("a", "10")
    db.delete("b")
    db.set("c", "3")
    db.commit()  # what commit() returns is left open
    depth_is(db, 0, "begin(), changes, commit()")
    for key, value in [("a", "10"), ("b", None), ("c", "3")]:
        returns(lambda: db.get(key), value, code("db.get", key) + " after the commit", COMMIT)
    returns(lambda: len(db), 2, "len(db) after the commit", COMMIT)


def test_commit_closes_only_the_innermost_transaction(solution, clock):
    db = solution(clock=clock)
    db.begin()
    db.set("a", "1")
    db.begin()
    db.set("a", "2")
    db.commit()
    depth_is(db, 1, "begin(), begin(), commit()")
    returns(lambda: db.get("a"), "2", "db.get('a') after the inner commit", COMMIT)
    db.rollback()
    depth_is(db, 0, "begin(), begin(), commit(), rollback()")
    returns(lambda: db.get("a"), None, "db.get('a') after the inner commit and the outer rollback",
            "an inner commit's changes become part of the enclosing transaction, so its rollback discards them")


def test_rollback_closes_only_the_innermost_transaction(solution, clock):
    db = solution(clock=clock)
    db.begin()
    db.set("a", "1")
    db.begin()
    db.set("a", "2")
    db.set("b", "2")
    db.rollback()
    depth_is(db, 1, "begin(), begin(), rollback()")
    returns(lambda: db.get("a"), "1", "db.get('a') after the inner rollback", "rollback discards only the innermost transaction's changes")
    returns(lambda: db.get("b"), None, "db.get('b') after the inner rollback", ROLLBACK)
    db.commit()
    returns(lambda: db.get("a"), "1", "db.get('a') after the outer commit", COMMIT)


def test_a_deletion_committed_into_the_enclosing_transaction_stays_deleted(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1")
    db.begin()
    db.begin()
    db.delete("a")
    db.commit()
    returns(lambda: db.get("a"), None, "db.get('a') after deleting it in an inner transaction and committing that", COMMIT)
    returns(lambda: len(db), 0, "len(db) after deleting 'a' in an inner transaction and committing that", COMMIT)
    db.commit()
    returns(lambda: db.get("a"), None, "db.get('a') after committing the outer transaction too", COMMIT)
    returns(lambda: db.delete("a"), False, "db.delete('a') after the deletion was committed", COMMIT)


def test_an_inner_transaction_sees_its_parents_changes(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0")
    db.begin()
    db.set("a", "1")
    db.set("b", "1")
    db.begin()
    returns(lambda: db.get("a"), "1", "db.get('a') in a nested transaction, set to '1' by the outer one", INNERMOST)
    db.delete("b")
    returns(lambda: db.get("b"), None, "db.get('b') after the nested transaction deleted it", INNERMOST)
    db.rollback()
    returns(lambda: db.get("b"), "1", "db.get('b') after rolling back the nested deletion", ROLLBACK)


@pytest.mark.parametrize("method", ["commit", "rollback"])
def test_closing_with_no_open_transaction_raises_runtime_error(solution, clock, method):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.set("b", "2")
    call = f"db.{method}()"
    rejects(db, RuntimeError, call + " with no open transaction", getattr(db, method),
            NO_TRANSACTION.format(call=call), KEYS, with_ttl=True)
    depth_is(db, 0, f"{call} raised")
    db.begin()
    db.commit()
    rejects(db, RuntimeError, call + " after every transaction was closed", getattr(db, method),
            NO_TRANSACTION.format(call=call), KEYS, with_ttl=True)
    depth_is(db, 0, f"a second {call} raised")
    db.begin()
    depth_is(db, 1, f"begin() after {call} raised")


def test_ttl_inside_a_transaction_sees_the_innermost_view(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.begin()
    db.expire("a", 20)
    returns(lambda: db.ttl("a"), 20.0, "db.ttl('a') after db.expire('a', 20) in a transaction", INNERMOST)
    db.begin()
    db.persist("a")
    returns(lambda: db.ttl("a"), None, "db.ttl('a') after db.persist('a') in a nested transaction", INNERMOST)
    db.delete("a")
    raises(KeyError, "db.ttl('a') after db.delete('a') in a nested transaction", lambda: db.ttl("a"), INNERMOST)
    db.rollback()
    returns(lambda: db.ttl("a"), 20.0, "db.ttl('a') after rolling back the nested persist and delete", ROLLBACK)
    db.rollback()
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') after rolling back the expire", ROLLBACK)


def test_rollback_restores_a_deleted_key_with_its_value_and_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.begin()
    db.delete("a")
    db.rollback()
    returns(lambda: db.get("a"), "1", "db.get('a') after begin(), delete('a'), rollback()", "a rollback restores a deleted key with its value")
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') after begin(), delete('a'), rollback()", "a rollback restores a deleted key with its expiry")
    clock.advance(10)
    returns(lambda: db.get("a"), None, "db.get('a') at the restored key's deadline", "a rollback restores a deleted key with its expiry")


def test_rollback_of_set_restores_the_old_value_and_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.set("b", "1")
    db.begin()
    db.set("a", "2")
    db.set("b", "2", ttl=1)
    db.rollback()
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') after rolling back db.set('a', '2')", ROLLBACK)
    returns(lambda: db.get("b"), "1", "db.get('b') after rolling back db.set('b', '2', ttl=1)", ROLLBACK)
    returns(lambda: db.ttl("b"), None, "db.ttl('b') after rolling back db.set('b', '2', ttl=1)", ROLLBACK)
    clock.advance(5)
    returns(lambda: db.get("b"), "1", "db.get('b') 5 s after rolling back db.set('b', '2', ttl=1)", ROLLBACK)


def test_rollback_of_persist_restores_the_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.begin()
    returns(lambda: db.persist("a"), True, "db.persist('a') in a transaction", "persist returns True if the key had an expiry")
    db.rollback()
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') after begin(), persist('a'), rollback()", "a rollback of persist restores the expiry")
    clock.advance(10)
    returns(lambda: db.get("a"), None, "db.get('a') at its deadline, after the persist was rolled back", "a rollback of persist restores the expiry")


def test_rollback_of_expire_restores_the_old_expiry(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.set("b", "2")
    db.begin()
    db.expire("a", 1)
    db.expire("b", 1)
    db.rollback()
    returns(lambda: db.ttl("a"), 10.0, "db.ttl('a') after begin(), expire('a', 1), rollback()", ROLLBACK)
    returns(lambda: db.ttl("b"), None, "db.ttl('b') after begin(), expire('b', 1), rollback() on a key without expiry", ROLLBACK)
    clock.advance(5)
    returns(lambda: db.get("a"), "1", "db.get('a') 5 s after the rolled-back expire('a', 1)", ROLLBACK)
    returns(lambda: db.get("b"), "2", "db.get('b') 5 s after the rolled-back expire('b', 1)", ROLLBACK)


def test_commit_keeps_expiry_changes(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=10)
    db.set("b", "2", ttl=10)
    db.set("c", "3")
    db.begin()
    db.persist("a")
    db.expire("b", 1)
    db.expire("c", 2)
    db.commit()
    returns(lambda: db.ttl("a"), None, "db.ttl('a') after persist('a') was committed", COMMIT)
    returns(lambda: db.ttl("b"), 1.0, "db.ttl('b') after expire('b', 1) was committed", COMMIT)
    returns(lambda: db.ttl("c"), 2.0, "db.ttl('c') after expire('c', 2) was committed", COMMIT)
    clock.advance(2)
    returns(lambda: sorted(k for k in "abc" if k in db), ["a"], "the keys still in db 2 s after the commit", COMMIT)


def test_a_key_set_with_ttl_in_a_transaction_expires_on_schedule(solution, clock):
    db = solution(clock=clock)
    db.begin()
    db.set("a", "1", ttl=5)
    clock.advance(5)
    returns(lambda: db.get("a"), None, "db.get('a') inside the transaction 5 s after db.set('a', '1', ttl=5)",
            ABSOLUTE + " (the key expires even before it is committed)")
    db.commit()
    returns(lambda: db.get("a"), None, "db.get('a') after committing, 5 s after db.set('a', '1', ttl=5)", ABSOLUTE)
    returns(lambda: len(db), 0, "len(db) after committing a key that already expired", ABSOLUTE)


def test_the_deadline_is_fixed_when_the_call_is_made_not_at_commit(solution, clock):
    db = solution(clock=clock)
    db.set("c", "0")
    db.begin()
    db.set("a", "1", ttl=5)
    db.expire("c", 5)
    clock.advance(3)
    db.commit()
    returns(lambda: db.ttl("a"), 2.0, "db.ttl('a') committed 3 s after db.set('a', '1', ttl=5)", ABSOLUTE)
    returns(lambda: db.ttl("c"), 2.0, "db.ttl('c') committed 3 s after db.expire('c', 5)", ABSOLUTE)
    clock.advance(2)
    returns(lambda: db.get("a"), None, "db.get('a') 5 s after db.set('a', '1', ttl=5) made inside a transaction", ABSOLUTE)
    returns(lambda: db.get("c"), None, "db.get('c') 5 s after db.expire('c', 5) made inside a transaction", ABSOLUTE)


def test_a_committed_key_expires_while_a_transaction_is_open(solution, clock):
    db = solution(clock=clock)
    db.set("a", "1", ttl=5)
    db.begin()
    clock.advance(5)
    returns(lambda: db.get("a"), None, "db.get('a') inside a transaction, at the deadline of the committed 'a'", ABSOLUTE)
    returns(lambda: len(db), 0, "len(db) inside a transaction, after the only key expired", ABSOLUTE)
    db.rollback()
    returns(lambda: db.get("a"), None, "db.get('a') after the rollback, past its deadline", ABSOLUTE)


def test_purge_inside_a_transaction_keeps_a_key_the_transaction_set_again(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0", ttl=5)
    db.begin()
    db.set("a", "1")
    clock.advance(5)
    db.purge_expired()
    returns(lambda: db.get("a"), "1", "db.get('a') after purge_expired() inside the transaction that set 'a' without ttl", PURGE)
    db.commit()
    returns(lambda: db.get("a"), "1", "db.get('a') after committing that transaction", PURGE)
    returns(lambda: len(db), 1, "len(db) after committing that transaction", PURGE)


def test_purge_inside_a_transaction_keeps_a_key_the_transaction_persisted(solution, clock):
    for close in ["commit", "rollback"]:
        db = solution(clock=clock)
        db.set("a", "0", ttl=5)
        db.begin()
        db.persist("a")
        clock.advance(5)
        db.purge_expired()
        returns(lambda: db.get("a"), "0", "db.get('a') after persist('a') and purge_expired() inside a transaction", PURGE)
        getattr(db, close)()
        expected = "0" if close == "commit" else None
        returns(lambda: db.get("a"), expected, f"db.get('a') after persist('a'), purge_expired(), {close}()", PURGE)


def test_purge_inside_a_transaction_keeps_the_committed_value_under_an_expired_change(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0")
    db.set("b", "0")
    db.begin()
    db.set("a", "1", ttl=5)
    db.expire("b", 5)
    clock.advance(5)
    db.purge_expired()
    returns(lambda: db.get("a"), None, "db.get('a') inside the transaction, after its ttl=5 passed and a purge", ABSOLUTE)
    returns(lambda: db.get("b"), None, "db.get('b') inside the transaction, after its expire('b', 5) passed and a purge", ABSOLUTE)
    db.rollback()
    returns(lambda: db.get("a"), "0", "db.get('a') after rolling back the transaction (it held a ttl=5 change of 'a')", PURGE)
    returns(lambda: db.get("b"), "0", "db.get('b') after rolling back the transaction (it held expire('b', 5))", PURGE)
    returns(lambda: len(db), 2, "len(db) after the rollback", PURGE)


def test_purge_inside_a_transaction_keeps_a_key_whose_deletion_is_rolled_back(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0", ttl=10)
    db.begin()
    db.delete("a")
    db.set("b", "1", ttl=1)
    clock.advance(1)
    db.purge_expired()
    db.rollback()
    returns(lambda: db.get("a"), "0", "db.get('a') after begin(), delete('a'), purge_expired(), rollback()", PURGE)
    returns(lambda: db.ttl("a"), 9.0, "db.ttl('a') after begin(), delete('a'), purge_expired(), rollback()", PURGE)


def test_transaction_block_commits_on_normal_exit(solution, clock):
    db = solution(clock=clock)
    db.set("a", "0")
    with db.transaction() as t:
        if t is not db:
            raise AssertionError(f"`with db.transaction() as t:` bound t to {t!r}; expected the database itself")
        depth_is(db, 1, "entering `with db.transaction():`")
        db.set("a", "1")
        db.set("b", "2")
    depth_is(db, 0, "leaving `with db.transaction():` normally")
    returns(lambda: db.get("a"), "1", "db.get('a') after a `with db.transaction():` block that set it", "the block commits on normal exit")
    returns(lambda: db.get("b"), "2", "db.get('b') after a `with db.transaction():` block that set it", "the block commits on normal exit")


class Stop(Exception):
    """An error raised inside a transaction block."""


class Interrupt(BaseException):
    """Not an ``Exception``: a block can raise this too (as Ctrl-C raises KeyboardInterrupt)."""


ROLLS_BACK = (
    "the block rolls back when it raises any exception (KeyboardInterrupt and other BaseExceptions"
    " included), and the exception propagates"
)


@pytest.mark.parametrize("error", [Stop, KeyboardInterrupt, Interrupt], ids=lambda e: e.__name__)
def test_transaction_block_rolls_back_and_reraises_when_it_raises(solution, clock, error):
    db = solution(clock=clock)
    db.set("a", "0")
    outcome = None
    try:
        with db.transaction():
            db.set("a", "1")
            db.delete("a")
            db.set("b", "2")
            raise error("boom")
    except error:
        pass
    except BaseException as exc:  # noqa: BLE001 - reported below, outside this handler
        outcome = f"raised {type(exc).__name__}: {exc} instead"
    else:
        outcome = "swallowed it"
    if outcome:
        raise AssertionError(
            f"a `with db.transaction():` block raised {error.__name__}('boom') and the with statement {outcome}:"
            f" {ROLLS_BACK}"
        )
    depth_is(db, 0, f"a `with db.transaction():` block raised {error.__name__} ({ROLLS_BACK})")
    returns(lambda: db.get("a"), "0", f"db.get('a') after a block that changed it raised {error.__name__}", ROLLS_BACK)
    returns(lambda: db.get("b"), None, f"db.get('b') after a block that set it raised {error.__name__}", ROLLS_BACK)


def test_transaction_blocks_nest_inside_open_transactions(solution, clock):
    db = solution(clock=clock)
    db.begin()
    with db.transaction():
        depth_is(db, 2, "`with db.transaction():` inside begin()")
        db.set("a", "1")
    depth_is(db, 1, "leaving the nested `with db.transaction():`")
    returns(lambda: db.get("a"), "1", "db.get('a') after the nested block committed", COMMIT)
    db.rollback()
    returns(lambda: db.get("a"), None, "db.get('a') after rolling back the outer transaction", COMMIT)


# The complexity checks build databases of 200,000 keys: on a loaded machine that
# alone can take longer than pytest's usual limit. Their own measurements stop
# early (in CPU time), so a longer limit cannot hide a hang.
SLOW = pytest.mark.timeout(180)


def assert_transactions_cost_does_not_grow(solution, make_round, *, what, expected):
    """20 rounds of ``make_round(db)`` cost about as much on the big database as on the small one."""
    with big_databases(solution) as database:
        assert_cost_does_not_grow(
            lambda size: make_round(database(size)),
            small=SMALL, large=LARGE, factor=8, rounds=20, what=what, expected=expected,
        )


@SLOW
def test_begin_and_rollback_cost_does_not_grow_with_the_database(solution):
    changed = [f"key{i}" for i in range(10)]

    def make_round(db):
        def one_round():
            db.begin()
            for key in changed:
                db.set(key, "w")
            db.rollback()

        return one_round

    assert_transactions_cost_does_not_grow(
        solution, make_round,
        what="begin(), 10 sets, rollback()",
        expected="begin() is O(1) and rollback() costs the keys changed in the transaction (a database copied on begin() fails)",
    )


@SLOW
def test_commit_cost_does_not_grow_with_the_database(solution):
    changed = [f"key{i}" for i in range(10)]

    def make_round(db):
        def one_round():
            db.begin()
            db.begin()
            for key in changed:
                db.set(key, "w")
            db.commit()
            db.commit()

        return one_round

    assert_transactions_cost_does_not_grow(
        solution, make_round,
        what="begin(), begin(), 10 sets, commit(), commit()",
        expected="begin() is O(1) and commit() costs the keys changed in the transaction, not the size of the database",
    )


# Reads inside a transaction that changed a few keys: each leaves the database as it found it.
READS_IN_A_TRANSACTION = {
    "db.get(key)": lambda db, key: db.get(key),
    "key in db": lambda db, key: key in db,
    "len(db)": lambda db, key: len(db),
    "db.ttl(key)": lambda db, key: db.ttl(key),
}


@SLOW
def test_reads_inside_a_transaction_cost_does_not_grow_with_the_database(solution):
    hot = [f"key{i}" for i in range(0, SMALL, 20)]
    with big_databases(solution) as database:
        databases = {size: database(size) for size in (SMALL, LARGE)}
        for db in databases.values():
            db.begin()
            for i in range(10):
                db.set(f"key{i * 7}", "changed")
                db.delete(f"key{i * 7 + 1}")
                db.set(f"new{i}", "added", ttl=1e6)
        assert_each_call_takes_constant_time(
            databases, READS_IN_A_TRANSACTION, hot,
            what=lambda call: call + " inside a transaction that changed 30 keys",
            expected=lambda call: (
                "get, in and len cost O(1) on average at every stage, inside a transaction too: what"
                " they cost may grow with the keys the open transactions changed, not with the database"
                " (a len that counts the view's keys one by one fails)"
            ),
        )
        for db in databases.values():
            db.rollback()  # as found: no transaction open


# A failing run shrinks its calls to the shortest sequence: on a loaded machine
# that can outlast pytest's usual limit.
@pytest.mark.timeout(180)
def test_transactions_match_a_model(solution):
    """Random sequences with begin/commit/rollback/transaction(), ttl and clock advances agree with a model."""
    run_machine(Stage3Machine, solution, steps=30)
