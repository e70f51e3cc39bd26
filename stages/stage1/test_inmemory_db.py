"""Stage 1 of the in-memory database: set, get, delete, ``in`` and ``len`` on str keys and values."""


import pytest

from dojo.testing import run_machine
from stages.support.inmemory_db import (
    LARGE,
    SMALL,
    NOT_STR,
    Stage1Machine,
    assert_each_call_takes_constant_time,
    big_databases,
    code,
    raises,
    rejects,
    returns,
)

NON_STR_KEY = "keys are str; anything else raises TypeError and changes nothing"
NON_STR_VALUE = "values are str; anything else raises TypeError and changes nothing"


def test_a_new_database_is_empty(solution):
    db = solution()
    returns(lambda: len(db), 0, "len(InMemoryDB())", "InMemoryDB() is an empty database")
    returns(lambda: db.get("a"), None, "db.get('a')", "get returns None when the key is missing")
    returns(lambda: "a" in db, False, "'a' in db", "an empty database has no keys")


def test_each_database_has_its_own_keys(solution):
    first = solution()
    first.set("a", "1")
    second = solution()
    returns(lambda: len(second), 0, "len(InMemoryDB()) after another database stored a key",
            "InMemoryDB() is an empty database, whatever other databases hold")
    returns(lambda: second.get("a"), None, "second.get('a')", "a key stored in one database is not in another")


def test_set_then_get_returns_the_value(solution):
    db = solution()
    returns(lambda: db.set("a", "1"), None, "db.set('a', '1')", "set returns None")
    returns(lambda: db.get("a"), "1", "db.get('a') after db.set('a', '1')", "get returns the value stored under the key")


def test_get_of_a_missing_key_returns_none(solution):
    db = solution()
    db.set("a", "1")
    returns(lambda: db.get("b"), None, "db.get('b') with only 'a' stored", "get returns None when the key is missing")


def test_set_replaces_the_earlier_value(solution):
    db = solution()
    db.set("a", "1")
    returns(lambda: db.set("a", "2"), None, "db.set('a', '2') over an existing key", "set returns None")
    returns(lambda: db.get("a"), "2", "db.get('a') after db.set('a', '1'), db.set('a', '2')",
            "set replaces any earlier value")
    returns(lambda: len(db), 1, "len(db) after setting 'a' twice", "replacing a value does not add a key")


def test_keys_are_distinct_strings(solution):
    db = solution()
    db.set("a", "1")
    db.set("A", "2")
    db.set("a ", "3")
    db.set("ab", "4")
    for key, value in [("a", "1"), ("A", "2"), ("a ", "3"), ("ab", "4")]:
        returns(lambda: db.get(key), value, code("db.get", key), "each str is its own key")
    returns(lambda: len(db), 4, "len(db) after setting 'a', 'A', 'a ' and 'ab'", "len is the number of keys")


def test_the_empty_string_is_a_valid_key(solution):
    db = solution()
    db.set("", "v")
    returns(lambda: db.get(""), "v", "db.get('') after db.set('', 'v')", "the empty string is a valid key")
    returns(lambda: "" in db, True, "'' in db after db.set('', 'v')", "the empty string is a valid key")
    returns(lambda: len(db), 1, "len(db) after db.set('', 'v')", "the empty string is a valid key")
    returns(lambda: db.delete(""), True, "db.delete('')", "delete returns True if the key was present")


def test_the_empty_string_is_a_value_not_a_missing_key(solution):
    db = solution()
    db.set("a", "")
    returns(lambda: db.get("a"), "", "db.get('a') after db.set('a', '')", "the empty string is a valid value, not a missing key")
    returns(lambda: "a" in db, True, "'a' in db after db.set('a', '')", "a key holding '' is present")
    returns(lambda: len(db), 1, "len(db) after db.set('a', '')", "a key holding '' counts")
    returns(lambda: db.delete("a"), True, "db.delete('a') after db.set('a', '')", "delete returns True if the key was present")
    returns(lambda: "a" in db, False, "'a' in db after deleting it", "a deleted key is missing")


def test_values_are_stored_exactly(solution):
    db = solution()
    for value in [" ", "0", "None", "False", "a\nb", "\U0010ffff", "é" * 1000]:
        db.set("k", value)
        returns(lambda: db.get("k"), value, code("db.get", "k") + f" after db.set('k', {value!r})",
                "get returns the value stored under the key")


def test_delete_removes_the_key_and_returns_true(solution):
    db = solution()
    db.set("a", "1")
    db.set("b", "2")
    returns(lambda: db.delete("a"), True, "db.delete('a') of a present key", "delete returns True if the key was present")
    returns(lambda: db.get("a"), None, "db.get('a') after deleting it", "delete removes the key")
    returns(lambda: "a" in db, False, "'a' in db after deleting it", "delete removes the key")
    returns(lambda: len(db), 1, "len(db) after deleting one of two keys", "len is the number of keys")
    returns(lambda: db.get("b"), "2", "db.get('b') after deleting 'a'", "delete removes only its key")


def test_delete_of_a_missing_key_returns_false(solution):
    db = solution()
    returns(lambda: db.delete("a"), False, "db.delete('a') on an empty database", "delete returns False if the key was missing")
    db.set("a", "1")
    db.delete("a")
    returns(lambda: db.delete("a"), False, "db.delete('a') a second time", "delete returns False if the key was missing")
    returns(lambda: len(db), 0, "len(db) after deleting a missing key", "deleting a missing key changes nothing")


def test_a_deleted_key_can_be_set_again(solution):
    db = solution()
    db.set("a", "1")
    db.delete("a")
    db.set("a", "2")
    returns(lambda: db.get("a"), "2", "db.get('a') after set, delete, set('a', '2')", "get returns the value stored under the key")
    returns(lambda: len(db), 1, "len(db) after set, delete, set of 'a'", "len is the number of keys")


def test_in_and_len_follow_the_keys(solution):
    db = solution()
    for count, key in enumerate(["a", "b", "c"], start=1):
        db.set(key, key.upper())
        returns(lambda: key in db, True, f"{key!r} in db after setting it", "`in` is True for a present key")
        returns(lambda: len(db), count, f"len(db) after setting {count} keys", "len is the number of keys")
    returns(lambda: "d" in db, False, "'d' in db", "`in` is False for a missing key")


@pytest.mark.parametrize("key", NOT_STR, ids=repr)
def test_set_with_a_non_str_key_raises_type_error_and_changes_nothing(solution, key):
    db = solution()
    db.set("a", "1")
    call = code("db.set", key, "1")
    rejects(db, TypeError, call, lambda: db.set(key, "1"), NON_STR_KEY, ["a"])
    returns(lambda: len(db), 1, f"len(db) after {call} raised", NON_STR_KEY)


@pytest.mark.parametrize("value", NOT_STR, ids=repr)
def test_set_with_a_non_str_value_raises_type_error_and_changes_nothing(solution, value):
    db = solution()
    db.set("a", "1")
    rejects(db, TypeError, code("db.set", "a", value), lambda: db.set("a", value), NON_STR_VALUE, ["a", "b"])
    rejects(db, TypeError, code("db.set", "b", value), lambda: db.set("b", value), NON_STR_VALUE, ["a", "b"])


@pytest.mark.parametrize("key", NOT_STR, ids=repr)
def test_get_with_a_non_str_key_raises_type_error_even_when_missing(solution, key):
    db = solution()
    db.set("a", "1")
    rejects(db, TypeError, code("db.get", key), lambda: db.get(key),
            "a non-str key raises TypeError, even though it can never be present", ["a"])


@pytest.mark.parametrize("key", NOT_STR, ids=repr)
def test_delete_with_a_non_str_key_raises_type_error_and_changes_nothing(solution, key):
    db = solution()
    db.set("a", "1")
    rejects(db, TypeError, code("db.delete", key), lambda: db.delete(key),
            "a non-str key raises TypeError (not False), even though it can never be present", ["a"])


@pytest.mark.parametrize("key", NOT_STR, ids=repr)
def test_in_with_a_non_str_key_raises_type_error(solution, key):
    db = solution()
    db.set("a", "1")
    rejects(db, TypeError, f"{key!r} in db", lambda: key in db,
            "a non-str key raises TypeError (not False), even though it can never be present", ["a"])


def test_a_key_equal_to_a_stored_str_but_not_a_str_is_rejected(solution):
    db = solution()
    db.set("1", "one")
    raises(TypeError, "db.get(1) with '1' stored", lambda: db.get(1), "keys are str; 1 is not the key '1'")
    raises(TypeError, "1 in db with '1' stored", lambda: 1 in db, "keys are str; 1 is not the key '1'")
    raises(TypeError, "db.delete(1) with '1' stored", lambda: db.delete(1), "keys are str; 1 is not the key '1'")
    returns(lambda: db.get("1"), "one", "db.get('1') after the rejected calls", "a call that raises changes nothing")


# The complexity checks build databases of 200,000 keys: on a loaded machine that
# alone can take longer than pytest's usual limit. Their own measurements stop
# early (in CPU time), so a longer limit cannot hide a hang.
SLOW = pytest.mark.timeout(180)

# Each call leaves the database as it found it, so every timed run meets the same
# size; the keys are few and reused, so both sizes read them from the CPU's cache.
HOT = [f"key{i}" for i in range(0, SMALL, 20)]
CALLS = {
    "db.get(key)": lambda db, key: db.get(key),
    "db.set(key, value) of an existing key": lambda db, key: db.set(key, "w"),
    "db.delete(key), then db.set(key, value) again": lambda db, key: (db.delete(key), db.set(key, "v")),
    "key in db": lambda db, key: key in db,
    "len(db)": lambda db, key: len(db),
}
O1 = "get, set, delete, in and len cost O(1) on average: the time per call does not grow with the number of keys"
CAUSES = {
    "len(db)": " (a len that counts the keys one by one fails; keep the count, or ask the dict)",
}


@SLOW
def test_get_set_delete_in_and_len_cost_does_not_grow_with_the_database(solution):
    with big_databases(solution) as database:
        assert_each_call_takes_constant_time(
            {size: database(size) for size in (SMALL, LARGE)}, CALLS, HOT,
            what=lambda call: call,
            expected=lambda call: O1 + CAUSES.get(call, ""),
        )


# A failing run shrinks its calls to the shortest sequence: on a loaded machine
# that can outlast pytest's usual limit.
@pytest.mark.timeout(180)
def test_basic_operations_match_a_model(solution):
    """Random sequences of set/get/delete/in/len (and rejected arguments) agree with a dict."""
    run_machine(Stage1Machine, solution, steps=20)
