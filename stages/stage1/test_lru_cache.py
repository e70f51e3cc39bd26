"""Stage 1 of the LRU cache: basic operations.

Each test is one line of the contract. A failure names the call, what it
returned, what was expected, and lists the calls that reproduce it.
"""

from __future__ import annotations

import pytest

from dojo.testing import run_machine
from stages.support.lru_cache import (
    DELETE,
    EVICT,
    GET,
    GET_MISSING,
    IN,
    ITEMS,
    LEN,
    PEEK,
    PUT,
    UNHASHABLE,
    UPDATE_NO_EVICT,
    as_pairs,
    LRUCacheMachine,
    new,
)

CAPACITY_TYPE = "a capacity that is a bool or not an int raises TypeError"
CAPACITY_VALUE = "a capacity that is an int < 1 raises ValueError"


# --------------------------------------------------------------------------- LRUCache(capacity)


@pytest.mark.parametrize("capacity", [1, 2, 7, 10**6])
def test_capacity_is_the_number_given_at_construction(solution, capacity):
    s = new(solution, capacity)
    s.expect(s.capacity(), capacity, "cache.capacity is the capacity given at construction")
    s.expect(s.length(), 0, f"a new cache is empty; {LEN}")
    s.expect_items([], f"a new cache is empty; {ITEMS}")


@pytest.mark.parametrize(
    "capacity", [2.0, 2.5, "2", None, [2], (2,)], ids=["float", "fraction", "str", "None", "list", "tuple"]
)
def test_capacity_that_is_not_an_int_raises_type_error(solution, capacity):
    try:
        solution(capacity)
    except TypeError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"LRUCache({capacity!r}) raised {type(exc).__name__}: {exc}; expected TypeError: "
            f"{CAPACITY_TYPE}.",
            pytrace=False,
        )
    pytest.fail(f"LRUCache({capacity!r}) returned a cache; expected TypeError: {CAPACITY_TYPE}.")


@pytest.mark.parametrize("capacity", [True, False])
def test_capacity_true_or_false_raises_type_error_although_bool_is_an_int(solution, capacity):
    try:
        solution(capacity)
    except TypeError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"LRUCache({capacity!r}) raised {type(exc).__name__}: {exc}; expected TypeError: "
            f"{CAPACITY_TYPE} (bool is a subclass of int: check for it first).",
            pytrace=False,
        )
    pytest.fail(
        f"LRUCache({capacity!r}) returned a cache; expected TypeError: {CAPACITY_TYPE} "
        "(bool is a subclass of int: check for it first)."
    )


@pytest.mark.parametrize("capacity", [0, -1, -(10**9)])
def test_capacity_below_one_raises_value_error(solution, capacity):
    try:
        solution(capacity)
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"LRUCache({capacity!r}) raised {type(exc).__name__}: {exc}; expected ValueError: "
            f"{CAPACITY_VALUE}.",
            pytrace=False,
        )
    pytest.fail(f"LRUCache({capacity!r}) returned a cache; expected ValueError: {CAPACITY_VALUE}.")


def test_two_caches_never_share_entries(solution):
    s = new(solution, 2, ("a", 1))
    other = solution(3)
    s.note("other = LRUCache(3)")
    s.last = "len(other)"
    s.note(s.last)
    s.expect(len(other), 0, "a new cache is empty, whatever other caches hold")
    other.put("b", 2)
    s.note("other.put('b', 2)")
    s.expect_items([("a", 1)], "each cache holds only its own entries")
    s.last = "other.capacity"
    s.note(s.last)
    s.expect(other.capacity, 3, "each cache keeps its own capacity")


# --------------------------------------------------------------------------- get


def test_get_returns_the_value_stored_by_put(solution):
    s = new(solution, 3, ("a", 1), ("b", 2))
    s.expect(s.get("a"), 1, GET)
    s.expect(s.get("b"), 2, GET)


def test_get_of_a_missing_key_returns_none_or_the_given_default(solution):
    s = new(solution, 2, ("a", 1))
    s.expect(s.get("zzz"), None, GET_MISSING + " (default=None)")
    s.expect(s.get("zzz", "fallback"), "fallback", GET_MISSING)
    s.expect(s.get("zzz", default=0), 0, GET_MISSING)


def test_get_of_a_missing_key_changes_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.get("zzz", "fallback")
    s.expect(s.contains("zzz"), False, f"{GET_MISSING}: the key is not stored")
    s.expect(s.length(), 2, f"{GET_MISSING}: no entry is added")
    s.expect_items([("a", 1), ("b", 2)], f"{GET_MISSING}: recency is unchanged")
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"{GET_MISSING}; so {EVICT}, still 'a'")


def test_get_makes_the_key_most_recently_used(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.get("a")
    s.expect_items([("b", 2), ("a", 1)], GET)
    s.put("c", 3)
    s.expect_items([("a", 1), ("c", 3)], f"{GET}, so {EVICT}: 'b'")


@pytest.mark.parametrize("value", [0, "", False, [], None], ids=["0", "empty str", "False", "empty list", "None"])
def test_get_returns_a_stored_falsy_value_not_the_default(solution, value):
    s = new(solution, 2, ("a", value), ("b", 2))
    s.expect(s.get("a", "fallback"), value, f"{GET}, whatever the value, even {value!r}")
    s.expect_items([("b", 2), ("a", value)], f"{GET}, whatever the value, even {value!r}")


# --------------------------------------------------------------------------- peek


def test_peek_returns_the_value_without_changing_recency(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.expect(s.peek("a"), 1, PEEK)
    s.expect_items([("a", 1), ("b", 2)], PEEK)
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"{PEEK}; so {EVICT}, still 'a'")


def test_peek_of_a_missing_key_returns_the_default_and_changes_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.expect(s.peek("zzz"), None, f"{PEEK}: a missing key returns default (None)")
    s.expect(s.peek("zzz", "fallback"), "fallback", f"{PEEK}: a missing key returns default")
    s.expect(s.peek("zzz", default=0), 0, f"{PEEK}: a missing key returns default")
    s.expect_items([("a", 1), ("b", 2)], f"{PEEK}: a missing key changes nothing")


@pytest.mark.parametrize("value", [0, False, None], ids=["0", "False", "None"])
def test_peek_returns_a_stored_falsy_value_not_the_default(solution, value):
    s = new(solution, 2, ("a", value))
    s.expect(s.peek("a", "fallback"), value, f"{PEEK}: it returns the stored value, even {value!r}")


# --------------------------------------------------------------------------- put


def test_put_returns_none(solution):
    s = new(solution, 1)
    s.expect(s.put("a", 1), None, PUT)
    s.expect(s.put("a", 2), None, PUT)
    s.expect(s.put("b", 3), None, PUT)


def test_put_into_full_cache_evicts_least_recently_used(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.put("d", 4)
    s.expect_items([("b", 2), ("c", 3), ("d", 4)], EVICT)
    s.expect(s.contains("a"), False, EVICT)
    s.expect(s.get("a"), None, f"{EVICT}, so it is missing")
    s.put("e", 5)
    s.expect_items([("c", 3), ("d", 4), ("e", 5)], EVICT)
    s.expect(s.length(), 3, f"{LEN}: never more than the capacity")


def test_put_into_a_cache_with_room_evicts_nothing(solution):
    s = new(solution, 3, ("a", 1), ("b", 2))
    s.put("c", 3)
    s.expect_items([("a", 1), ("b", 2), ("c", 3)], "a cache with room evicts nothing")


def test_put_of_an_existing_key_replaces_its_value_and_never_evicts(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.put("a", 10)
    s.expect(s.length(), 2, UPDATE_NO_EVICT)
    s.expect_items([("b", 2), ("a", 10)], f"{UPDATE_NO_EVICT}; put stores value under key")
    s.put("a", 100)
    s.expect(s.length(), 2, UPDATE_NO_EVICT)
    s.expect(s.get("a"), 100, "put stores value under key: the last value stored wins")


def test_put_of_an_existing_key_makes_it_most_recently_used(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.put("a", 10)
    s.expect_items([("b", 2), ("c", 3), ("a", 10)], "put makes key the most recently used")
    s.put("d", 4)
    s.expect_items([("c", 3), ("a", 10), ("d", 4)], f"put makes key the most recently used; {EVICT}")


def test_capacity_one_keeps_only_the_last_key(solution):
    s = new(solution, 1, ("a", 1))
    s.put("a", 2)
    s.expect_items([("a", 2)], UPDATE_NO_EVICT)
    s.put("b", 3)
    s.expect_items([("b", 3)], EVICT)
    s.expect(s.get("a"), None, f"{EVICT}, so it is missing")
    s.expect(s.get("b"), 3, GET)
    s.put("c", 4)
    s.expect_items([("c", 4)], EVICT)


def test_evictions_follow_the_order_of_use_not_of_insertion(solution):
    s = new(solution, 4, ("a", 1), ("b", 2), ("c", 3), ("d", 4))
    s.get("b")
    s.get("a")
    s.put("c", 30)
    s.peek("d")
    s.expect_items([("d", 4), ("b", 2), ("a", 1), ("c", 30)], f"{ITEMS}; {GET}")
    for new_key, gone in [("e", "d"), ("f", "b"), ("g", "a"), ("h", "c")]:
        s.put(new_key, 0)
        s.expect(s.contains(gone), False, f"{EVICT}: {gone!r}")
    s.expect_items([("e", 0), ("f", 0), ("g", 0), ("h", 0)], EVICT)


# --------------------------------------------------------------------------- delete


def test_delete_of_a_present_key_returns_true_and_removes_it(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.expect(s.delete("b"), True, DELETE)
    s.expect(s.contains("b"), False, "delete(key) removes key")
    s.expect(s.get("b"), None, "delete(key) removes key")
    s.expect(s.length(), 2, f"delete(key) removes key; {LEN}")
    s.expect_items([("a", 1), ("c", 3)], "delete(key) removes key and leaves the others in order")
    s.expect(s.delete("b"), False, f"{DELETE}: it is already gone")


def test_delete_of_a_missing_key_returns_false_and_changes_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.expect(s.delete("zzz"), False, DELETE)
    s.expect_items([("a", 1), ("b", 2)], "delete of a missing key changes nothing")
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"delete of a missing key changes nothing; {EVICT}")


def test_delete_frees_room_so_the_next_put_evicts_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.delete("a")
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], "after delete there is room: a cache with room evicts nothing")
    s.put("d", 4)
    s.expect_items([("c", 3), ("d", 4)], EVICT)


def test_delete_of_the_least_recently_used_key_makes_the_next_one_first(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.delete("a")
    s.put("d", 4)
    s.put("e", 5)
    s.expect_items([("c", 3), ("d", 4), ("e", 5)], f"{EVICT}: 'b', first after 'a' was deleted")


def test_delete_of_the_most_recently_used_key_keeps_the_order(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.delete("c")
    s.put("d", 4)
    s.get("a")
    s.expect_items([("b", 2), ("d", 4), ("a", 1)], f"{ITEMS}; {GET}")
    s.put("e", 5)
    s.expect_items([("d", 4), ("a", 1), ("e", 5)], EVICT)


def test_a_cache_emptied_by_delete_fills_again(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.delete("b")
    s.delete("a")
    s.expect(s.length(), 0, f"{LEN}: every key was deleted")
    s.expect_items([], "every key was deleted")
    s.put("c", 3)
    s.put("d", 4)
    s.put("e", 5)
    s.expect_items([("d", 4), ("e", 5)], EVICT)
    t = new(solution, 1, ("a", 1))
    t.delete("a")
    t.put("b", 2)
    t.expect_items([("b", 2)], "a capacity 1 cache emptied by delete holds the next key")


# --------------------------------------------------------------------------- items, len, in


def test_items_is_a_new_list_of_tuples_least_recently_used_first(solution):
    s = new(solution, 3, ("a", 1), (2, "b"), (("t", 3), None))
    first = s.items()
    pairs, problem = as_pairs(first)
    if problem:
        s.fail(f"cache.items() {problem}: {ITEMS}.")
    s.expect(pairs, [("a", 1), (2, "b"), (("t", 3), None)], ITEMS)
    first.clear()
    s.note("# the list returned by items() was cleared")
    s.expect_items([("a", 1), (2, "b"), (("t", 3), None)], f"{ITEMS}: changing that list changes nothing")
    if s.cache.items() is s.cache.items():
        s.fail(f"cache.items() returned the same list object twice: {ITEMS}.")


def test_items_of_an_empty_cache_is_an_empty_list(solution):
    new(solution, 3).expect_items([], ITEMS)


def test_items_never_changes_recency(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.items()
    s.items()
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"items() never changes recency; {EVICT}, still 'a'")


def test_len_counts_the_entries(solution):
    s = new(solution, 3)
    s.expect(s.length(), 0, LEN)
    for count, key in enumerate("abcde", start=1):
        s.put(key, count)
        s.expect(s.length(), min(count, 3), f"{LEN}, never more than the capacity")
    s.put("e", 0)
    s.expect(s.length(), 3, f"{LEN}; {UPDATE_NO_EVICT}")


def test_in_tells_membership(solution):
    s = new(solution, 2, ("a", 1), ("b", None))
    s.expect(s.contains("a"), True, IN)
    s.expect(s.contains("b"), True, f"{IN}, even of a key whose value is None")
    s.expect(s.contains("c"), False, IN)


def test_len_and_in_never_change_recency(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.contains("a")
    s.length()
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"len and in never change recency; {EVICT}, still 'a'")


# --------------------------------------------------------------------------- keys and values


def test_none_is_a_value_like_any_other(solution):
    s = new(solution, 2, ("a", None), ("b", 2))
    s.expect(s.get("a", "fallback"), None, f"values are any objects, None included; {GET}")
    s.expect(s.peek("a", "fallback"), None, f"values are any objects, None included; {PEEK}")
    s.expect(s.length(), 2, f"values are any objects, None included; {LEN}")
    s.put("c", 3)
    s.expect_items([("a", None), ("c", 3)], f"{GET}, even one whose value is None; {EVICT}")
    s.expect(s.delete("a"), True, f"{DELETE}, even a key whose value is None")


def test_keys_of_different_types_are_different_keys(solution):
    s = new(solution, 4, (1, "int"), ("1", "str"), ((1,), "tuple"), ((1, ("x",)), "nested"))
    s.expect(s.get(1), "int", f"keys are any hashable objects; {GET}")
    s.expect(s.get("1"), "str", f"keys are any hashable objects; {GET}")
    s.expect(s.get((1,)), "tuple", f"keys are any hashable objects; {GET}")
    s.expect(s.get((1, ("x",))), "nested", f"keys are any hashable objects; {GET}")
    s.expect(s.length(), 4, LEN)


@pytest.mark.parametrize("filled", [False, True], ids=["empty cache", "cache with a key"])
@pytest.mark.parametrize("call", ["put", "get", "peek", "delete", "in"])
def test_unhashable_key_raises_type_error(solution, call, filled):
    # An empty cache too: CPython's dict.pop(key, default) on an empty dict
    # returns the default without ever hashing the key.
    s = new(solution, 2, *([("a", 1)] if filled else []))
    key = ["a", "list"]
    do = {
        "put": lambda: s.put(key, 1),
        "get": lambda: s.get(key),
        "peek": lambda: s.peek(key),
        "delete": lambda: s.delete(key),
        "in": lambda: s.contains(key),
    }[call]
    s.expect_raises(TypeError, UNHASHABLE, do)


def test_put_with_an_unhashable_key_stores_nothing(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.expect_raises(TypeError, UNHASHABLE, lambda: s.put({"un": "hashable"}, 3))
    s.expect(s.length(), 2, f"{UNHASHABLE}, and nothing changes")
    s.expect_items([("a", 1), ("b", 2)], f"{UNHASHABLE}, and nothing changes (no eviction either)")
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], EVICT)


# --------------------------------------------------------------------------- the model


def test_the_cache_behaves_like_a_list_ordered_by_last_use(solution):
    run_machine(LRUCacheMachine, solution, steps=25)
