"""Test helpers shared by the stage suites of the ``lru_cache`` kata.

- ``Session``: a cache whose every call is recorded as code, so that each
  failure message says what was called, what came back, what was expected,
  and ends with the calls that reproduce it.
- ``Model``: the obviously-correct LRU of the contract, a list of pairs
  ordered by last use and trimmed from the front.
- ``LRUCacheMachine``: the model test (a ``dojo.testing.ModelMachine``) that
  runs a solution beside the model; each stage's suite subclasses it to draw
  other keys or add that stage's calls, and runs it with ``run_machine``.
- ``scan``: ``dojo.testing.scan_source`` with this kata's lists of forbidden
  imports (``same``, ``short`` and ``mismatch`` come from ``dojo.testing``).
- ``run_together``: ``dojo.concurrency.run_threads`` with this kata's
  words for a thread that raised or deadlocked. (A recorded call that never
  returns is failed by ``dojo.watchdog``.)
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import traceback
import types
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Any, NoReturn

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from dojo.testing import (
    WATCHDOG,
    CallLog,
    ModelMachine,
    Prepared,
    Finding,
    Hung,
    ScanRules,
    SolutionMemory,
    arguments,
    assert_scales,
    drawn,
    forbidden_at_run_time,
    mismatch,
    run_threads,
    same,
    scan_source,
    short,
    source,
    where,
)

# pytest leaves this module's frames out of a failure's traceback (--full-trace
# shows them): the learner reads the test's line and the message, not the
# helper's insides.
__tracebackhide__ = True

IMPORT = "from katas.lru_cache import LRUCache"
PATH_IMPORT = "from pathlib import Path"

# What the contract says, in its words, for the messages.
GET = "get(key, default) returns the value stored under key and makes key the most recently used"
GET_MISSING = "get of a missing key returns default and changes nothing"
PEEK = "peek(key, default) is like get, but never changes recency"
PUT = "put(key, value) returns None"
EVICT = "inserting a new key into a full cache first evicts the least recently used key"
UPDATE_NO_EVICT = "updating an existing key never evicts anything"
DELETE = "delete(key) returns True if key was present, False otherwise"
ITEMS = "items() is a new list of (key, value) tuples, least recently used first"
LEN = "len(cache) is the number of entries"
IN = "key in cache tells membership"
MODEL = (
    "the cache holds exactly the keys that a list ordered by last use, trimmed from the "
    "front, holds, with the same values and order"
)
UNHASHABLE = "an unhashable key raises TypeError"
NO_ESCAPE = "under any interleaving no exception escapes from a correct call"
DEADLOCK_HINT = (
    "look for a lock never released, a lock taken twice by one thread, a lock held while "
    "waiting, or a linked list broken into a cycle by a race"
)


# --------------------------------------------------------------------------- equality


def as_pairs(got: Any) -> tuple[list | None, str]:
    """``items()``'s result as a list of plain tuples, or what is wrong with its type.

    The contract allows any ``tuple`` subclass for the pairs (a named tuple);
    they are compared as plain tuples.
    """
    if not isinstance(got, list):
        return None, f"returned a {type(got).__name__} ({short(got, 120)}); expected a list"
    for pair in got:
        if not isinstance(pair, tuple) or len(pair) != 2:
            kind = type(pair).__name__
            return None, (
                f"held {short(pair, 120)}, a {kind}{' of ' + str(len(pair)) if isinstance(pair, tuple) else ''}; "
                "expected a (key, value) tuple (a tuple subclass such as a named tuple is fine)"
            )
    return [tuple(pair) for pair in got], ""


ORDER = (
    "get/put/update/get_or_set make key the most recently used, peek/in/len/items never change "
    "recency, and items() lists the least recently used first"
)


def diagnose(got: list, expected: list, rule: str) -> str:
    """The rule to name for ``items()`` = ``got`` where ``expected`` was due.

    The same entries in another order break recency, whatever the test was
    about; otherwise the test's own ``rule`` is the one broken.
    """
    if len(got) == len(expected) and all(any(same(g, e) for e in expected) for g in got):
        return f"the entries are right but not their order: {ORDER}"
    return rule


# --------------------------------------------------------------------------- sessions


class Session:
    """A cache whose calls are recorded as code, for messages that reproduce them.

    ``s = Session(LRUCache, 2)`` records ``cache = LRUCache(2)``; ``s.put(1, 'a')``
    records ``cache.put(1, 'a')``, makes the call and returns its result;
    ``s.expect(got, expected, rule)`` fails with the last call, what it
    returned, what was expected and the contract's rule.
    """

    def __init__(self, cls: type, capacity: Any, log: CallLog | None = None) -> None:
        self.cls = cls
        self.log = log if log is not None else CallLog(IMPORT)
        self.raw = False  # True while a call is expected to raise
        self.last = f"LRUCache({capacity!r})"
        self.log.note(f"cache = {self.last}")
        self.cache = self.guarded(lambda: cls(capacity))

    # -- recording
    def note(self, line: str) -> None:
        self.log.note(line)

    def _call(self, name: str, *args: Any, shown: str | None = None, **kwargs: Any) -> Any:
        if any(isinstance(a, PurePath) for a in (*args, *kwargs.values())):
            self.uses_paths()
        self.last = f"cache.{name}({shown if shown is not None else arguments(args, kwargs)})"
        self.log.note(self.last)
        return self.guarded(lambda: getattr(self.cache, name)(*args, **kwargs))

    def guarded(self, call: Callable[[], Any]) -> Any:
        """Make the call; an unexpected exception becomes one line saying where it came from.

        A call that never returns (a deadlock, an endless loop) is interrupted
        by the watchdog and fails with "deadlock suspected".
        """
        try:
            with WATCHDOG.guard():
                if self.raw:
                    return call()
                try:
                    return call()
                except NotImplementedError:
                    raise  # the plugin turns the stub's message into the failure
                except Exception as exc:  # noqa: BLE001 - reported with the call that raised it
                    message = f"{self.last} raised {type(exc).__name__}: {exc}{where(exc)}"
        except Hung as hung:
            message = (
                f"deadlock suspected: {self.last} did not return within {hung.limit:g} s; "
                f"{DEADLOCK_HINT}"
            )
            raise DeadlockSuspected(self.explain(message)) from None
        self.fail(message)  # outside the except block: one message, not a chain of tracebacks

    def uses_paths(self) -> None:
        """The repro shows ``Path(...)``: import it at the top."""
        if PATH_IMPORT not in self.log.lines:
            self.log.lines.insert(1, PATH_IMPORT)

    def replace(self, cache: Any, line: str) -> None:
        """Go on with another cache object (one from ``from_bytes`` or ``load``)."""
        self.log.note(line)
        self.last = line.split(" = ", 1)[-1]
        self.cache = cache

    # -- the learner's API
    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def peek(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("peek", *args, **kwargs)

    def put(self, key: Any, value: Any) -> Any:
        return self._call("put", key, value)

    def delete(self, key: Any) -> Any:
        return self._call("delete", key)

    def items(self) -> Any:
        return self._call("items")

    def length(self) -> Any:
        self.last = "len(cache)"
        self.log.note(self.last)
        return self.guarded(lambda: len(self.cache))

    def contains(self, key: Any) -> Any:
        self.last = f"{source(key)} in cache"
        self.log.note(self.last)
        return self.guarded(lambda: key in self.cache)

    def capacity(self) -> Any:
        self.last = "cache.capacity"
        self.log.note(self.last)
        return self.guarded(lambda: self.cache.capacity)

    def get_or_set(self, key: Any, factory: Callable[[], Any], shown: str) -> Any:
        return self._call("get_or_set", key, factory, shown=f"{source(key)}, {shown}")

    def update(self, key: Any, fn: Callable[[Any], Any], shown: str, *default: Any, **kw: Any) -> Any:
        extra = arguments(default, kw)
        text = f"{source(key)}, {shown}" + (f", {extra}" if extra else "")
        return self._call("update", key, fn, *default, shown=text, **kw)

    def to_bytes(self) -> Any:
        return self._call("to_bytes")

    def save(self, path: Any) -> Any:
        return self._call("save", path)

    # -- checking
    def explain(self, message: str) -> str:
        return self.log.explain(message)

    def fail(self, message: str) -> NoReturn:
        self.log.fail(message)

    def expect(self, got: Any, expected: Any, rule: str) -> None:
        """The last call returned ``got``; fail unless it is ``expected`` (types too)."""
        self.log.expect(got, expected, self.last, rule)

    def expect_items(self, expected: list, rule: str) -> None:
        """Call ``items()`` and fail unless it returns ``expected`` exactly.

        The pairs may be any tuples (a named tuple is one); a list of anything
        else fails with the type as the problem, whatever ``rule`` the caller
        was checking. Right entries in the wrong order fail with the rule of
        recency, since that is what broke.
        """
        got = self.items()
        pairs, problem = as_pairs(got)
        if problem:
            self.fail(f"cache.items() {problem}: {ITEMS}.")
        expected = [tuple(p) if isinstance(p, tuple) else p for p in expected]
        if not same(pairs, expected):
            self.fail(f"{mismatch('cache.items()', pairs, expected)}: {diagnose(pairs, expected, rule)}.")

    def expect_raises(self, kind: type[BaseException], rule: str, call: Callable[[], Any]) -> BaseException:
        """Run ``call`` (which records itself) and fail unless it raises ``kind``."""
        self.raw = True
        try:
            got = call()
        except kind as exc:
            return exc
        except (NotImplementedError, DeadlockSuspected):
            raise
        except Exception as exc:  # noqa: BLE001 - reported as the wrong exception
            message = (
                f"{self.last} raised {type(exc).__name__}: {exc}; expected {kind.__name__}: "
                f"{rule}.{where(exc)}"
            )
        else:
            message = f"{self.last} returned {short(got)}; expected it to raise {kind.__name__}: {rule}."
        finally:
            self.raw = False
        self.fail(message)
        raise AssertionError("unreachable")


def new(solution: type, capacity: int, *pairs: tuple[Any, Any]) -> Session:
    """A recorded cache of ``capacity``, filled by ``put`` with ``pairs`` in order."""
    s = Session(solution, capacity)
    for key, value in pairs:
        s.put(key, value)
    return s


class DeadlockSuspected(AssertionError):
    """A recorded call did not return in time."""




# --------------------------------------------------------------------------- the model


class Model:
    """The contract's straightforward model: a list of pairs, least recently used first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.pairs: list[tuple[Any, Any]] = []

    def _index(self, key: Any) -> int | None:
        for i, (k, _) in enumerate(self.pairs):
            if type(k) is type(key) and k == key:
                return i
        return None

    def get(self, key: Any, default: Any = None) -> Any:
        i = self._index(key)
        if i is None:
            return default
        pair = self.pairs.pop(i)
        self.pairs.append(pair)
        return pair[1]

    def peek(self, key: Any, default: Any = None) -> Any:
        i = self._index(key)
        return default if i is None else self.pairs[i][1]

    def put(self, key: Any, value: Any) -> None:
        i = self._index(key)
        if i is not None:
            del self.pairs[i]
        elif len(self.pairs) >= self.capacity:
            del self.pairs[0]
        self.pairs.append((key, value))

    def delete(self, key: Any) -> bool:
        i = self._index(key)
        if i is None:
            return False
        del self.pairs[i]
        return True

    def contains(self, key: Any) -> bool:
        return self._index(key) is not None

    def items(self) -> list[tuple[Any, Any]]:
        return list(self.pairs)

    def get_or_set(self, key: Any, factory: Callable[[], Any]) -> Any:
        i = self._index(key)
        if i is not None:
            return self.get(key)
        value = factory()
        self.put(key, value)
        return value

    def update(self, key: Any, fn: Callable[[Any], Any], default: Any = None) -> Any:
        value = fn(self.peek(key, default))
        self.put(key, value)
        return value


# --------------------------------------------------------------------------- the machine


class LRUCacheMachine(ModelMachine):
    """Random calls on the learner's cache and on the model; every result compared.

    Each stage's suite subclasses it to draw other ``capacities``, ``keys``
    and ``values`` or to add that stage's calls.
    """

    capacities: st.SearchStrategy[int] = st.integers(1, 4)
    keys: st.SearchStrategy[Any] = st.integers(0, 5)
    values: st.SearchStrategy[Any] = st.integers(0, 3) | st.none()

    def __init__(self) -> None:
        super().__init__(IMPORT)
        self.session: Session | None = None
        self.model: Model | None = None

    # The constructor's checks and unhashable keys on the empty cache (where
    # dict.pop(key, default) never hashes the key) are checked once per run,
    # at the start: as rules they would dilute the calls that build state.
    @initialize(
        capacity=drawn("capacities"),
        bad=st.sampled_from([0, -1, True, False, 2.0, 2.5, "2", None]),
    )
    def new_cache(self, capacity: int, bad: Any) -> None:
        cls = self.solution
        kind = ValueError if type(bad) is int else TypeError
        rule_ = (
            "a capacity that is an int < 1 raises ValueError" if kind is ValueError
            else "a capacity that is a bool or not an int raises TypeError"
        )
        self.log.raises(kind, f"LRUCache({bad!r})", lambda: cls(bad), rule_)
        self.log.lines[1:] = []  # it raised: lines that change nothing stay out of repros
        self.session = Session(cls, capacity, self.log)
        self.model = Model(capacity)
        # Every call, every run: one drawn at random met a bug of one of them
        # in only a fifth of the runs, and five calls on an empty cache cost nothing.
        s, key = self.session, ["a", "list"]
        for do in (lambda: s.put(key, 1), lambda: s.get(key), lambda: s.peek(key),
                   lambda: s.delete(key), lambda: s.contains(key)):
            s.expect_raises(TypeError, UNHASHABLE, do)
            self.log.lines.pop()

    def expect(self, got: Any, expected: Any, rule: str) -> None:
        self.log.expect(got, expected, self.session.last, rule)

    @rule(key=drawn("keys"), value=drawn("values"))
    def put(self, key: Any, value: Any) -> None:
        self.expect(self.session.put(key, value), None, PUT)
        self.model.put(key, value)

    # Evictions need a full cache, and random puts of a few keys fill one
    # rarely (a capacity-1 bug took over 100 runs to meet under some seeds):
    # from any state, puts of keys the cache lacks until one put evicts.
    @rule(value=drawn("values"))
    def put_new_keys_until_one_evicts(self, value: Any) -> None:
        fresh = (key for key in itertools.count(100) if not self.model.contains(key))
        for _ in range(self.model.capacity - len(self.model.items()) + 1):
            self.put(next(fresh), value)

    @rule(key=drawn("keys"))
    def get(self, key: Any) -> None:
        self.expect(self.session.get(key), self.model.get(key), f"{GET}; {GET_MISSING}")

    @rule(key=drawn("keys"))
    def get_with_default(self, key: Any) -> None:
        got = self.session.get(key, "missing")
        self.expect(got, self.model.get(key, "missing"), f"{GET}; {GET_MISSING}")

    @rule(key=drawn("keys"))
    def peek(self, key: Any) -> None:
        self.expect(self.session.peek(key, "missing"), self.model.peek(key, "missing"), PEEK)

    # A key drawn at random is often missing; this rule calls get, peek, in or
    # delete on one the cache holds (the least recently used when ``which`` is
    # 0), so that what each does to recency, or a stored None read back, shows
    # in every run.
    @precondition(lambda self: self.model is not None and self.model.items())
    @rule(call=st.sampled_from(["get", "peek", "in", "delete"]), which=st.integers(0, 3))
    def call_on_a_key_it_holds(self, call: str, which: int) -> None:
        pairs = self.model.items()
        key = pairs[which % len(pairs)][0]
        if call == "get":
            self.expect(self.session.get(key, "missing"), self.model.get(key, "missing"), GET)
        elif call == "peek":
            self.expect(self.session.peek(key, "missing"), self.model.peek(key, "missing"), PEEK)
        elif call == "in":
            self.expect(self.session.contains(key), self.model.contains(key), IN)
        else:
            self.expect(self.session.delete(key), self.model.delete(key), DELETE)

    @rule(key=drawn("keys"))
    def delete(self, key: Any) -> None:
        self.expect(self.session.delete(key), self.model.delete(key), DELETE)

    @rule(key=drawn("keys"))
    def contains(self, key: Any) -> None:
        self.expect(self.session.contains(key), self.model.contains(key), IN)

    # Read-only observations are invariants, checked after every step and
    # shown in the repro only when they fail: the calls stay the ones that matter.
    @invariant()
    def items_and_len_match_the_model(self) -> None:
        if self.session is None:
            return
        self.session.last = "cache.items()"
        got = self.session.guarded(self.session.cache.items)
        pairs, problem = as_pairs(got)
        if problem:
            self.log.note("cache.items()")
            self.fail(f"cache.items() {problem}: {ITEMS}.")
        expected = self.model.items()
        if not same(pairs, expected):
            self.log.note(f"cache.items()  # returns {short(got)}")
            self.fail(
                f"{mismatch('cache.items()', pairs, expected)}: "
                f"{diagnose(pairs, expected, f'{ITEMS}, and {MODEL}')} "
                f"(capacity {self.model.capacity})."
            )
        self.session.last = "len(cache)"
        size = self.session.guarded(lambda: len(self.session.cache))
        if not same(size, len(expected)):
            self.log.note(f"len(cache)  # returns {short(size)}")
            self.fail(f"len(cache) returned {short(size)}; expected {len(expected)}: {LEN}.")


# --------------------------------------------------------------------------- checks


def check_consistent(
    cache: Any, capacity: int, value_ok: Callable[[Any, Any], bool], where: str
) -> list[str]:
    """Problems with the contract's invariants in ``cache.items()``: none is []."""
    problems = []
    pairs = cache.items()
    keys = [k for k, _ in pairs]
    if len(pairs) > capacity:
        problems.append(f"{where}: items() held {len(pairs)} entries; the capacity is {capacity}")
    seen: set = set()
    twice = [k for k in keys if k in seen or seen.add(k)]
    if twice:
        problems.append(f"{where}: items() held the key {twice[0]!r} twice: {short(pairs)}")
    wrong = [(k, v) for k, v in pairs if not value_ok(k, v)]
    if wrong:
        problems.append(
            f"{where}: items() held {short(wrong[0])}, a value that no call stored for that key"
        )
    return problems


def require(ok: bool, message: str | Callable[[], str]) -> None:
    """Fail with ``message`` alone unless ``ok`` (no ``assert a <= b`` line for the learner).

    ``message`` may be a function that builds it, called only on failure.
    """
    if not ok:
        raise AssertionError(message() if callable(message) else message)


PUBLIC = ("get", "peek", "put", "delete", "items", "__len__", "__contains__", "get_or_set",
          "update", "to_bytes", "save", "from_bytes", "load", "capacity")


def public_method(exc: BaseException, folder: Path) -> str:
    """``cache.get()`` for the public method of the solution that ``exc`` went through."""
    prefix = str(folder.resolve())
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if str(Path(f.filename).resolve()).startswith(prefix)
    ]
    for frame in frames:  # outermost first: the call the worker made
        if frame.name in PUBLIC:
            name = {"__len__": "len(cache)", "__contains__": "key in cache"}.get(frame.name)
            return name or f"cache.{frame.name}()"
    return f"{frames[0].name}()" if frames else ""


class _Raised(Exception):
    """A worker's exception, with the public method it escaped from."""


def run_together(
    workers: list[Callable[[], Any]],
    *,
    what: str,
    timeout: float,
    solution_dir: Path,
    seed: int = 0,
    switch_probability: float = 0.05,
    rule: str = NO_ESCAPE,
) -> list[Any]:
    """``dojo.concurrency.run_threads``, its failures told in the contract's words.

    A worker that raised fails the test with one line naming the calls the
    threads made (``what``), the public method that raised, and the line of
    the solution where it did.
    """
    def named(work: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            try:
                return work()
            except (NotImplementedError, AssertionError):
                raise
            except Exception as exc:  # noqa: BLE001 - told below, with its method
                method = public_method(exc, solution_dir)
                inside = f"{method} raised" if method else "a call raised"
                raise _Raised(
                    f"{inside} {type(exc).__name__}: {exc}{where(exc)}"
                ) from None
        return run

    try:
        return run_threads(
            [named(w) for w in workers],
            what=what,
            timeout=timeout,
            solution_dir=solution_dir,
            seed=seed,
            switch_probability=switch_probability,
            rule=rule,
            deadlock_hint=DEADLOCK_HINT,
        )
    except AssertionError as failure:
        text = str(failure).replace("_Raised: ", "")
        raise AssertionError(text) from None


# --------------------------------------------------------------------------- scanning


# Whole modules whose import is forbidden, with what they are.
READY_MADE_MODULES = {
    "cachetools": "cachetools (a ready-made cache)",
    "lru": "lru (lru-dict, a ready-made LRU cache)",
    "boltons": "boltons (its cacheutils is a ready-made LRU cache)",
    "pylru": "pylru (a ready-made LRU cache)",
    "repoze.lru": "repoze.lru (a ready-made LRU cache)",
    "lrucache": "lrucache (a ready-made LRU cache)",
    "lru_cache": "lru_cache (a ready-made LRU cache)",
    "fastcache": "fastcache (a ready-made LRU cache)",
    "backports.functools_lru_cache": "backports.functools_lru_cache (a ready-made LRU cache)",
    "methodtools": "methodtools (a ready-made LRU cache)",
    "cachebox": "cachebox (a ready-made cache)",
    "cacheout": "cacheout (a ready-made cache)",
    "cachelib": "cachelib (a ready-made cache)",
    "cachey": "cachey (a ready-made cache)",
    "diskcache": "diskcache (a ready-made cache)",
    "expiringdict": "expiringdict (a ready-made cache)",
    "dogpile": "dogpile (a ready-made cache)",
    "beaker": "beaker (a ready-made cache)",
    "sortedcontainers": "sortedcontainers (a ready-made ordered structure)",
}
# The solution's own module shares its name with a PyPI package: never a vendored copy.
OWN_MODULE = "lru_cache"
# Names inside allowed modules whose use is forbidden.
READY_MADE_NAMES = {
    "collections.OrderedDict": "collections.OrderedDict (a ready-made ordered dict)",
    "_collections.OrderedDict": "collections.OrderedDict (a ready-made ordered dict)",
    "typing.OrderedDict": "typing.OrderedDict (collections.OrderedDict under another name)",
    "functools.lru_cache": "functools.lru_cache (a ready-made LRU cache)",
    "functools.cache": "functools.cache (a ready-made cache)",
    "functools._lru_cache_wrapper": "functools' lru_cache machinery (a ready-made LRU cache)",
    "_functools._lru_cache_wrapper": "functools' lru_cache machinery (a ready-made LRU cache)",
}
# `from M import *` brings these names in unseen.
STAR_SOURCES = {"collections", "_collections", "functools", "typing"}

CODE_RUNNING_MODULES = {
    "pickle": "pickle (loading a pickle can run any code)",
    "_pickle": "pickle (loading a pickle can run any code)",
    "cPickle": "pickle (loading a pickle can run any code)",
    "marshal": "marshal",
    "shelve": "shelve (pickle underneath)",
    "dill": "dill (pickle underneath)",
    "cloudpickle": "cloudpickle (pickle underneath)",
    "jsonpickle": "jsonpickle (can rebuild any object)",
    "joblib": "joblib (pickle underneath)",
}
CODE_RUNNING_NAMES = {
    "builtins.eval": "eval()",
    "builtins.exec": "exec()",
    "pydoc.locate": "pydoc.locate (turns a name in the data into any object)",
    # PyYAML's loaders that build arbitrary Python objects (safe_load and SafeLoader are fine)
    "yaml.unsafe_load": "yaml.unsafe_load (builds any object the data names)",
    "yaml.unsafe_load_all": "yaml.unsafe_load_all (builds any object the data names)",
    "yaml.full_load": "yaml.full_load (builds Python objects from the data)",
    "yaml.full_load_all": "yaml.full_load_all (builds Python objects from the data)",
    "yaml.Loader": "yaml.Loader (builds any object the data names)",
    "yaml.UnsafeLoader": "yaml.UnsafeLoader (builds any object the data names)",
    "yaml.FullLoader": "yaml.FullLoader (builds Python objects from the data)",
    "yaml.CLoader": "yaml.CLoader (builds any object the data names)",
    "yaml.CUnsafeLoader": "yaml.CUnsafeLoader (builds any object the data names)",
    "yaml.CFullLoader": "yaml.CFullLoader (builds Python objects from the data)",
    "yaml.loader.Loader": "yaml.Loader (builds any object the data names)",
    "yaml.loader.UnsafeLoader": "yaml.UnsafeLoader (builds any object the data names)",
    "yaml.loader.FullLoader": "yaml.FullLoader (builds Python objects from the data)",
    "yaml.constructor.UnsafeConstructor": "yaml's UnsafeConstructor (builds any object the data names)",
    "yaml.constructor.FullConstructor": "yaml's FullConstructor (builds Python objects from the data)",
}
# At run time, also the builtins module itself: getattr(builtins, name_from_the_data)
# reaches eval and exec.
CODE_RUNNING_AT_RUN_TIME = CODE_RUNNING_NAMES | {
    "builtins": "the builtins module (getattr(builtins, a name from the data) reaches eval and exec)",
}


def scan(
    folder: Path, modules: dict[str, str], names: dict[str, str]
) -> tuple[list[Finding], list[str]]:
    """``dojo.testing.scan_source`` with this kata's rules; the code-running scan also checks yaml loaders."""
    rules = ScanRules(OWN_MODULE, frozenset(STAR_SOURCES), code_from_data=names is CODE_RUNNING_NAMES)
    return scan_source(folder, modules, names, rules)


# --------------------------------------------------------------------------- at run time


def found_at_run_time(
    folder: Path, roots: Iterable[Any], modules: dict[str, str], names: dict[str, str]
) -> list[str]:
    """``dojo.testing.forbidden_at_run_time``, never taking the solution's ``lru_cache.py`` for a copy."""
    return forbidden_at_run_time(folder, roots, modules, names, own_module=OWN_MODULE)


# What running code from data looks like to the interpreter's audit hooks.
_COMMANDS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "os.mkdir")
_watching: list[str] | None = None  # events seen while a watch is on; None when off


def _audit(event: str, args: tuple) -> None:
    if _watching is None:
        return
    if event == "pickle.find_class":
        _watching.append(f"unpickling looked up {args[0]}.{args[1]}")
    elif event == "exec" and args and isinstance(args[0], types.CodeType):
        filename = args[0].co_filename
        if filename.startswith("<") and not filename.startswith("<frozen"):
            _watching.append("eval() or exec() of text")
    elif event.startswith(_COMMANDS):
        _watching.append(f"{event}{short(args, 80)}")


_hooked = False


def code_it_ran(call: Callable[[], Any]) -> list[str]:
    """``call()``, and what it did that only running code from data does (an audit hook)."""
    global _watching, _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # cannot be removed; it does nothing while no watch is on
        _hooked = True
    _watching = []
    try:
        call()
    except Exception:  # noqa: BLE001 - only what ran matters here
        pass
    finally:
        seen, _watching = _watching, None
    return seen


# --------------------------------------------------------------------------- stage 3 data

# Keys that must round-trip: str, int, and tuples (nested too) of str/int.
KEYS = st.recursive(
    st.text(max_size=8) | st.integers(),
    lambda inner: st.lists(inner, max_size=3).map(tuple),
    max_leaves=6,
)
# Values: None, bool, int, finite float, str, and lists and str-keyed dicts of these.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


# --------------------------------------------------------------------------- costs: time and memory

SMALL, LARGE = 1_000, 100_000  # the contract's two capacities
FACTOR = 3  # the contract's "within a small factor (3x)"
O1 = (
    "every operation is O(1) on average, independent of capacity: a dict maps each key to its "
    "node in your doubly linked list; look for a scan of a list, list.remove/insert/pop(0), "
    "min() over the entries, or next(iter(a_dict)) after many deletions (it skips every "
    "deleted slot)"
)


def filled(cls: type, capacity: int, budget: float, what: str) -> tuple[Any, deque]:
    """A full ``cls(capacity)`` of int keys, and the keys least recently used first.

    Fails (naming ``what``) with the complexity message if the ``capacity`` puts take longer
    than ``budget`` seconds: a put that costs O(n) would otherwise run for
    minutes and end in a bare timeout.
    """
    cache = cls(capacity)
    start = time.perf_counter()
    for key in range(capacity):
        cache.put(key, key)
        if key % 512 == 511 and time.perf_counter() - start > budget:
            raise AssertionError(
                f"filling LRUCache({capacity:,}) with put() of new keys before timing {what} "
                f"took more than {budget:.1f} s after {key + 1:,} puts (it stopped there): {O1}."
            )
    return cache, deque(range(capacity))


def fill_budget(cls: type) -> float:
    """Seconds allowed to fill a cache of ``LARGE``: generous, from a fill of ``SMALL``.

    An O(1) put fills it in well under a second, and a loaded shared machine
    can make that ten times slower; a put that walks the entries in Python
    takes minutes. A C-speed O(n) put (list.remove) may fit in the budget:
    the timing that follows catches it.
    """
    start = time.perf_counter()
    filled(cls, SMALL, 60.0, "the small fill")
    per_put = (time.perf_counter() - start) / SMALL
    return max(20.0, 100 * per_put * LARGE)


def assert_each_call_scales(cls: type, calls: dict[str, Callable[[Any, deque, Any], None]],
                            name: str, rounds: int) -> None:
    """Fail unless ``calls[name]`` costs the same per call at ``LARGE`` as at ``SMALL``.

    ``calls[name](cache, order, fresh)`` makes one call on a full cache:
    ``order`` holds its keys least recently used first and the call keeps it
    true; ``fresh`` counts new keys.
    """
    call = calls[name]
    budget = fill_budget(cls)
    with FULL_CACHES.lent() as take:

        def make_run(capacity: int) -> Callable[[], None]:
            cache, order, fresh = take((cls, capacity), lambda: (
                *filled(cls, capacity, budget, name), itertools.count(capacity)))

            def one_round() -> None:
                call(cache, order, fresh)

            return one_round

        assert_rounds_scale(make_run, rounds, f"{name}, on a full cache")


# Every call of a per-call check leaves the cache full and its keys' order known,
# so a passing check hands its two caches to the next one.
FULL_CACHES = Prepared()


def assert_rounds_scale(make_round: Callable[[int], Callable[[], None]], rounds: int, what: str) -> None:
    """``dojo.complexity.assert_scales`` of ``rounds`` rounds, stopped early when hopeless.

    A round at ``LARGE`` that costs O(n) would run for minutes and end in a
    bare timeout; so each timed run at ``LARGE`` checks its clock every few
    rounds and fails at once with the complexity message when it has spent
    far more than the fastest whole run at ``SMALL``.
    """
    fastest_small = [float("inf")]

    def make_run(capacity: int) -> Callable[[], None]:
        one_round = make_round(capacity)

        def run() -> None:
            hopeless = max(0.5, 100 * fastest_small[0]) if capacity == LARGE else math.inf
            start = time.perf_counter()
            for done in range(1, rounds + 1):
                one_round()
                # Both sizes read the clock alike: a round can cost less than a reading
                # (a slow clock source on a virtual machine), which must not count as growth.
                if done % 4 == 0:
                    spent = time.perf_counter() - start
                    if spent > hopeless:
                        raise AssertionError(
                            f"{what}: {done} rounds took {spent:.2g} s at size {LARGE:,}, while "
                            f"{rounds} rounds took {fastest_small[0]:.2g} s at size {SMALL:,} "
                            f"(stopped early; expected within {FACTOR}x, as for {O1})"
                        )
            if capacity == SMALL:
                fastest_small[0] = min(fastest_small[0], time.perf_counter() - start)

        return run

    try:
        # Many short runs, the fastest kept: on a loaded machine some run of each
        # size goes unpreempted, and a dict's occasional resize misses most runs.
        assert_scales(
            make_run, small=SMALL, large=LARGE, factor=FACTOR, rounds=rounds, repeat=15,
            what=what, expected=O1,
        )
    except AssertionError as failure:  # the message alone, never the assert's own line
        raise AssertionError(str(failure).split("\nassert")[0]) from None


# Scale-free: a leak grows with the calls made, a full cache with the capacity, and
# the check compares the two; so a small capacity is as sensitive, and cheap under tracemalloc.
MEMORY_CAPACITY = 500


def assert_memory_bounded(
    cls: type, folder: Path, what: str, call: Callable[[Any, int], None],
    capacity: int = MEMORY_CAPACITY,
) -> None:
    """Fail if ``call(cache, i)`` for i = 0, 1, ... grows what a full cache holds.

    Counts only what the solution's own code allocated and still holds
    (``dojo.memory``): log records, printed lines and pytest's captures never
    count. After a warm-up of twice the capacity of calls (a dict's table may
    grow once), the memory held after each further capacity's worth of calls
    is read ten times; an entry or record left behind grows every reading,
    while a design that frees in batches goes up and down, so the lowest of
    the last five readings is compared with the first.
    """
    counter = itertools.count()

    def churn(cache: Any, times: int) -> None:
        for _ in range(times):
            call(cache, next(counter))

    with SolutionMemory(folder) as memory:
        cache = cls(capacity)
        for i in range(capacity):
            cache.put(f"key-{i}", f"value-{i}")
        churn(cache, 2 * capacity)
        full = memory.held()
        readings = []
        for _ in range(10):
            churn(cache, capacity)
            readings.append(memory.held())
    lowest = min(readings[5:])
    growth = lowest - full
    allowed = max(full // 4, 16_000)
    if growth > allowed:
        raise AssertionError(
            f"a full LRUCache({capacity:,}) held {full / 1e6:.3f} MB; after "
            f"{6 * capacity:,} to {10 * capacity:,} more calls of {what} it held at "
            f"least {lowest / 1e6:.3f} MB (+{growth / 1e6:.3f} MB; allowed for allocator noise: "
            f"+{allowed / 1e6:.3f} MB; held after each {capacity:,} calls: "
            f"{', '.join(f'{r / 1e6:.3f}' for r in readings)} MB; only memory your own code "
            "allocated counts): memory stays proportional to capacity after any sequence of "
            "calls, so look for something that grows with every such call and is never "
            "trimmed (a list, log, set or dict beside the entries, a record per key never "
            "removed, a node still referenced)"
        )
