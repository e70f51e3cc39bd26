"""The outside judge of the ``inmemory_db`` kata: its model and what it checks at each stage.

Run by the grader in its own process (``dojo.judge``); the solution runs in
a worker and only its answers are seen, on a clock the judge sets. The
model is a stack of layers (the committed dict, then one dict of changes per
open transaction, a deletion marked as such), read top down: obviously
correct, if slow. The timed workloads are checked against answers known in
closed form instead. Lines that cannot be seen from outside (memory held)
stay with the in-process suites.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

from dojo.judge.declare import (
    CLOCK,
    IGNORE,
    Call,
    Judge,
    Op,
    returns,
)

DELETED = object()  # in a transaction's layer: the key is deleted there


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError("keys are str")


def _check_ttl(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError("ttl is an int or a float")
    if not (math.isfinite(ttl) and ttl > 0):
        raise ValueError("ttl is finite and greater than zero")


class Model:
    """The contract, as plainly as it can be written."""

    def __init__(self, clock=None):
        self._clock = clock or (lambda: 0.0)
        self._layers = [{}]  # key -> (value, deadline or None), or DELETED above the first

    def _entry(self, key):
        """The live ``(value, deadline)`` of ``key`` in the innermost view, or None."""
        for layer in reversed(self._layers):
            if key in layer:
                entry = layer[key]
                if entry is DELETED:
                    return None
                deadline = entry[1]
                return entry if deadline is None or self._clock() < deadline else None
        return None

    def _write(self, key, entry):
        if len(self._layers) == 1 and entry is DELETED:
            del self._layers[0][key]
        else:
            self._layers[-1][key] = entry

    def _keys(self):
        return {key for layer in self._layers for key in layer if self._entry(key) is not None}

    def set(self, key, value, ttl=None):
        _check_key(key)
        if not isinstance(value, str):
            raise TypeError("values are str")
        if ttl is not None:
            _check_ttl(ttl)
        self._write(key, (value, None if ttl is None else self._clock() + ttl))

    def get(self, key):
        _check_key(key)
        entry = self._entry(key)
        return None if entry is None else entry[0]

    def delete(self, key):
        _check_key(key)
        if self._entry(key) is None:
            return False
        self._write(key, DELETED)
        return True

    def __contains__(self, key):
        _check_key(key)
        return self._entry(key) is not None

    def __len__(self):
        return len(self._keys())

    # stage 2
    def expire(self, key, ttl):
        _check_key(key)
        _check_ttl(ttl)
        entry = self._entry(key)
        if entry is None:
            return False
        self._write(key, (entry[0], self._clock() + ttl))
        return True

    def persist(self, key):
        _check_key(key)
        entry = self._entry(key)
        if entry is None or entry[1] is None:
            return False
        self._write(key, (entry[0], None))
        return True

    def ttl(self, key):
        _check_key(key)
        entry = self._entry(key)
        if entry is None:
            raise KeyError(key)
        return None if entry[1] is None else entry[1] - self._clock()

    def purge_expired(self):
        if len(self._layers) > 1:
            return 0  # inside a transaction: it changes no read, and its count is left open
        expired = [k for k, (v, deadline) in self._layers[0].items()
                   if deadline is not None and self._clock() >= deadline]
        for key in expired:
            del self._layers[0][key]
        return len(expired)

    # stage 3
    @property
    def depth(self):
        return len(self._layers) - 1

    def begin(self):
        self._layers.append({})

    def commit(self):
        if len(self._layers) == 1:
            raise RuntimeError("no transaction")
        changes = self._layers.pop()
        for key, entry in changes.items():
            if entry is DELETED and len(self._layers) == 1:
                self._layers[0].pop(key, None)
            else:
                self._layers[-1][key] = entry

    def rollback(self):
        if len(self._layers) == 1:
            raise RuntimeError("no transaction")
        self._layers.pop()

    @contextmanager
    def transaction(self):
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    # stage 4
    def scan(self, prefix="", *, start_after=None, limit=None):
        if not isinstance(prefix, str) or not (start_after is None or isinstance(start_after, str)):
            raise TypeError("prefix and start_after are str")
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int):
                raise TypeError("limit is an int")
            if limit < 0:
                raise ValueError("limit is >= 0")
        keys = sorted(k for k in self._keys()
                      if k.startswith(prefix) and (start_after is None or k > start_after))
        return [(k, self.get(k)) for k in keys[:limit]]


# -- random runs: the operation table ----------------------------------------

KEYS = ["a", "b", "ab", "", "b*", "ba"]
VALUES = ["x", "y", ""]
NOT_STR = [1, None, b"a", ("a",)]
TTLS = [0.5, 1, 1.5, 2, 3.25]
BAD_TTLS = [0, -1, float("nan"), float("inf"), True, "1", [1]]


def _key(rng):
    return rng.choice(KEYS)


def _new_stage1(rng):
    return Call("new")


def _new(rng):
    return Call("new", kwargs={"clock": CLOCK})


STAGE1_OPS = [
    Op(lambda rng, env: Call("set", [_key(rng), rng.choice(VALUES)]), weight=5),
    Op(lambda rng, env: Call("get", [_key(rng)]), weight=3),
    Op(lambda rng, env: Call("delete", [_key(rng)]), weight=2),
    Op(lambda rng, env: Call("in", [_key(rng)])),
    Op(lambda rng, env: Call("len()"), weight=2),
    Op(lambda rng, env: Call("set", [rng.choice(NOT_STR), "x"])),
    Op(lambda rng, env: Call("set", [_key(rng), rng.choice(NOT_STR)])),
    Op(lambda rng, env: Call(rng.choice(["get", "delete", "in"]), [rng.choice(NOT_STR)])),
]


def stage1_random_runs(ctx):
    """Values, missing keys, deletes, len and type errors, call by call against the model."""
    ctx.random_runs(STAGE1_OPS, new=_new_stage1, runs=30, steps=30, why="random runs of stage 1 calls")


BIG = 10**6


def _fill(name, size, clock=False):
    new = Call("new", kwargs={"clock": CLOCK} if clock else {}, keep=name)
    return [
        {"op": "script", "calls": [new]},
        {"op": "loop", "o": name, "calls": [["set", [{"ix": [BIG, 1, 0, "k"]}, "v"]]],
         "start": 0, "n": size},
    ]


LOOP = 600  # rounds of a timed loop: tens of milliseconds of the worker's CPU


def _basic(name, size, rep):
    # Keys already held: a design that keeps a sorted index (stage 4) pays O(log n) to add or
    # remove a key, and the suites time none of that at stage 1.
    held = {"ix": [BIG, 7919, size, "k"]}
    return {"op": "loop", "o": name, "start": rep * LOOP, "n": LOOP, "calls": [
        ["set", [held, "w"]], ["get", [held]], ["in", [held]], ["get", ["missing"]], ["in", ["missing"]],
        ["delete", ["missing"]],
    ]}


def _basic_answers(name, size, rep):
    return [returns(v) for v in (None, "w", True, None, False, False)] * LOOP


def stage1_calls_are_constant_time(ctx):
    # len() is timed from stage 2 on: the suites let a len() that walks the keys pass stage 1.
    ctx.scales(
        setup=_fill, workload=_basic, expect=_basic_answers, small=1_000, large=20_000, factor=5,
        what="set/get/in/delete calls on held and missing keys",
        expected="get, set, delete and in O(1) on average",
    )


# -- stage 2: expiry on the judge's clock ------------------------------------


def _tick(rng, env):
    """Move the clock on (from the last time planned: calls drawn together are made later)."""
    env.planned = max(env.clock.now, getattr(env, "planned", 0.0)) + rng.choice([0.25, 0.5, 1, 2])
    return Call("clock.set", [env.planned])


STAGE2_OPS = STAGE1_OPS + [
    Op(lambda rng, env: Call("set", [_key(rng), rng.choice(VALUES)], {"ttl": rng.choice(TTLS)}), weight=4),
    Op(lambda rng, env: Call("set", [_key(rng), "x"], {"ttl": None})),
    Op(lambda rng, env: Call("expire", [_key(rng), rng.choice(TTLS)]), weight=2),
    Op(lambda rng, env: Call("persist", [_key(rng)]), weight=2),
    Op(lambda rng, env: Call("ttl", [_key(rng)]), weight=3),
    Op(_tick, weight=4),
    Op(lambda rng, env: Call("purge_expired", compare=IGNORE), weight=2),
    Op(lambda rng, env: [_tick(rng, env), Call(rng.choice(["get", "ttl", "in", "delete", "expire"]),
                                               [_key(rng)] + ([1] if rng.random() < 0.2 else []))], weight=3),
    Op(lambda rng, env: Call("set", [_key(rng), "x"], {"ttl": rng.choice(BAD_TTLS)})),
    Op(lambda rng, env: Call("expire", [_key(rng), rng.choice(BAD_TTLS + [None])])),
    Op(lambda rng, env: Call("ttl", [rng.choice(NOT_STR)])),
    Op(lambda rng, env: Call("persist", [rng.choice(NOT_STR)])),
    Op(lambda rng, env: Call("expire", [rng.choice(NOT_STR), 1])),
]


def stage2_random_runs(ctx):
    """Expiry at the exact deadline, ttl, expire, persist, bad ttls, on the judge's clock."""
    ctx.random_runs(STAGE2_OPS, new=_new, runs=40, steps=35, why="random runs with expiry")


def _writes_then_purge(rng, env):
    calls = []
    for _ in range(rng.randint(3, 12)):
        key = rng.choice(KEYS + ["c", "d", "e"])
        pick = rng.randrange(5)
        if pick == 0:
            calls.append(Call("set", [key, "x"], {"ttl": rng.choice(TTLS)}))
        elif pick == 1:
            calls.append(Call("set", [key, "y"]))
        elif pick == 2:
            calls.append(Call("expire", [key, rng.choice(TTLS)]))
        elif pick == 3:
            calls.append(Call("persist", [key]))
        else:
            calls.append(Call("delete", [key]))
    # Past every deadline, with nothing between the expiries and the purge: its count is exact
    # (stale deadlines of keys set again, persisted or deleted count for nothing), and a second
    # purge finds none.
    env.planned = max(env.clock.now, getattr(env, "planned", 0.0)) + max(TTLS) + 1
    return calls + [Call("clock.set", [env.planned]), Call("purge_expired"), Call("purge_expired"),
                    Call("len()")]


def stage2_purge_expired_counts_exactly(ctx):
    """Right after the clock passes some deadlines, purge_expired() returns how many."""
    ctx.random_runs([Op(_writes_then_purge)], new=_new, runs=30, steps=1, why="writes, then a purge")


def _expiring(name, size, rep):
    base = 2 * BIG + rep * 10 * LOOP + (5 * LOOP if name == "large" else 0)  # time only moves on
    return {"op": "loop", "o": name, "start": 0, "n": LOOP, "calls": [
        ["clock.set", [{"ix": [base, 2, 0, None]}]],
        ["set", [{"ix": [base, 1, 0, "e"]}, "v"], {"ttl": 1}],
        ["clock.set", [{"ix": [base + 1, 2, 0, None]}]],
        ["purge_expired", []],
        ["len()", []],
    ]}


def stage2_purge_costs_the_expired_keys_only(ctx):
    ctx.scales(
        setup=lambda name, size: _fill(name, size, clock=True), workload=_expiring,
        expect=lambda name, size, rep: [returns(None), returns(None), returns(None), returns(1),
                                        returns(size)] * LOOP,
        small=1_000, large=20_000, factor=5,
        what="db.purge_expired() of the one key just expired among live keys, then len(db)",
        expected="a heap of deadlines: the cost follows the expired keys, not the size of the "
                 "database; len() O(1)",
    )


# -- stage 3: nested transactions --------------------------------------------


IN_A_BLOCK = [
    Op(lambda rng, env: Call("set", [_key(rng), rng.choice(VALUES)])),
    Op(lambda rng, env: Call("set", [_key(rng), "t"], {"ttl": rng.choice(TTLS)})),
    Op(lambda rng, env: Call("get", [_key(rng)])),
    Op(lambda rng, env: Call("delete", [_key(rng)])),
    Op(lambda rng, env: Call("expire", [_key(rng), rng.choice(TTLS)])),
    Op(lambda rng, env: Call("persist", [_key(rng)])),
    Op(lambda rng, env: Call("ttl", [_key(rng)])),
    Op(lambda rng, env: Call("len()")),
]


def _simple(rng, env):
    return rng.choice(IN_A_BLOCK).make(rng, env)


def _with_block(rng, env):
    body = [_simple(rng, env) for _ in range(rng.randint(0, 3))]
    raised = rng.choice([None, None, "KeyError", "KeyboardInterrupt"])
    return Call("with", cm="transaction", body=body, raises=raised)


def _sandwich(rng, env):
    """One key through a transaction: its value and expiry before, changes inside, reads after."""
    key = _key(rng)
    calls = [Call("set", [key, "before"], {"ttl": rng.choice(TTLS)} if rng.random() < 0.6 else {})]
    calls.append(Call("begin", compare=IGNORE))
    for _ in range(rng.randint(1, 3)):
        calls.append(rng.choice([
            Call("set", [key, "inside"], {"ttl": rng.choice(TTLS)}), Call("set", [key, "inside"]),
            Call("persist", [key]), Call("expire", [key, rng.choice(TTLS)]), Call("delete", [key]),
            Call("purge_expired", compare=IGNORE), Call("ttl", [key]), Call("get", [key]),
        ]))
        if rng.random() < 0.5:
            calls.append(_tick(rng, env))
    calls.append(Call(rng.choice(["commit", "rollback"]), compare=IGNORE))
    return calls + [Call("ttl", [key]), Call("get", [key]), _tick(rng, env), Call("ttl", [key])]


STAGE3_OPS = STAGE2_OPS + [
    Op(_sandwich, weight=12),
    Op(lambda rng, env: Call("begin", compare=IGNORE), weight=8),
    Op(lambda rng, env: Call("commit", compare=IGNORE), weight=5),
    Op(lambda rng, env: Call("rollback", compare=IGNORE), weight=5),
    Op(lambda rng, env: Call(".depth"), weight=2),
    Op(_with_block, weight=4),
    Op(lambda rng, env: Call("purge_expired", compare=IGNORE), weight=3),
    Op(lambda rng, env: Call("set", [_key(rng), "t"], {"ttl": rng.choice(TTLS)}), weight=4),
    Op(lambda rng, env: Call(rng.choice(["persist", "ttl"]), [_key(rng)]), weight=4),
    Op(lambda rng, env: Call("expire", [_key(rng), rng.choice(TTLS)]), weight=3),
]


def stage3_random_runs(ctx):
    """Nested begin/commit/rollback and transaction(): every read sees the innermost view."""
    ctx.random_runs(STAGE3_OPS, new=_new, runs=25, steps=40, why="random runs with transactions")


def _rollback_loop(name, size, rep):
    key = {"ix": [3 * BIG + rep * LOOP, 1, 0, "t"]}
    return {"op": "loop", "o": name, "start": 0, "n": LOOP, "calls": [
        ["begin", []], ["set", [key, "w"]], ["delete", [f"k{BIG}"]], ["get", [key]], ["rollback", []],
        ["begin", []], ["begin", []], ["set", [key, "w"]], ["commit", []], ["commit", []],
        ["delete", [key]],
    ]}


def _rollback_answers(name, size, rep):
    return [None, returns(None), returns(True), returns("w"), None,
            None, None, returns(None), None, None, returns(True)] * LOOP


def stage3_transactions_cost_the_keys_they_change(ctx):
    ctx.scales(
        setup=_fill, workload=_rollback_loop, expect=_rollback_answers,
        small=1_000, large=20_000, factor=5, what="begin(), a few changes, rollback() or commit()",
        expected="begin() O(1); commit() and rollback() cost the keys changed (a database copied on "
                 "begin() fails)",
    )


# -- stage 4: prefix scans ---------------------------------------------------

SCAN_KEYS = ["a", "ab", "abc", "b", "a*", "a.", "a\\", "a%", "\U0010ffff", "a\U0010ffff", "ba", ""]


def _scan(rng, env):
    kwargs = {}
    if rng.random() < 0.4:
        kwargs["start_after"] = rng.choice(SCAN_KEYS + [None])
    if rng.random() < 0.4:
        kwargs["limit"] = rng.choice([0, 1, 2, 5, None])
    return Call("scan", [rng.choice(["", "a", "ab", "a*", "a.", "b", "\U0010ffff", "z", "a%", "a\\"])],
                kwargs)


def _scan_below(rng, env):
    """start_after below the prefix: every key with the prefix is after it."""
    prefix = rng.choice(["a", "ab", "b", "a*"])
    return Call("scan", [prefix], {"start_after": rng.choice(["", "1", prefix[:-1], "a"])})


def _bad_scan(rng, env):
    return rng.choice([
        Call("scan", [rng.choice([1, None, b"a"])]),
        Call("scan", ["a"], {"start_after": rng.choice([1, b"a"])}),
        Call("scan", ["a"], {"limit": rng.choice([True, False, 1.0, "2", -1])}),
    ])


STAGE4_OPS = STAGE3_OPS + [
    Op(lambda rng, env: Call("set", [rng.choice(SCAN_KEYS), "s"]), weight=4),
    Op(lambda rng, env: Call("set", [rng.choice(SCAN_KEYS), "t"], {"ttl": rng.choice(TTLS)}), weight=2),
    Op(_scan, weight=20),
    Op(_scan_below, weight=4),
    Op(_bad_scan, weight=3),
]


def stage4_random_runs(ctx):
    """scan(): literal prefixes, order, start_after, limit, expiry and transactions."""
    ctx.random_runs(STAGE4_OPS, new=_new, runs=25, steps=40, why="random runs with scans")


def _scan_loop(name, size, rep):
    key = {"ix": [4 * BIG + rep * LOOP, 1, 0, "n"]}
    return {"op": "loop", "o": name, "start": 0, "n": LOOP // 3, "calls": [
        ["set", [key, "w"]],
        ["scan", [f"k{BIG // 10 + 1}"]],  # k1000010 .. k1000019
        ["scan", [f"k{BIG // 10 + 2}"], {"start_after": f"k{BIG + 21}", "limit": 4}],
    ]}


def _scan_answers(name, size, rep):
    ten = [(f"k{BIG + 10 + i}", "v") for i in range(10)]
    page = [(f"k{BIG + 22 + i}", "v") for i in range(4)]
    return [returns(None), returns(ten), returns(page)] * (LOOP // 3)


def stage4_scans_cost_their_results(ctx):
    ctx.scales(
        setup=_fill, workload=_scan_loop, expect=_scan_answers,
        small=1_000, large=20_000, factor=5, what="a set() of a new key, then scans of 10 keys and a page of 4",
        expected="a sorted structure (such as sortedcontainers.SortedList): O(log n + k) for k results",
    )


JUDGE = Judge(
    model=Model,
    name="db",
    stages={
        1: [stage1_random_runs, stage1_calls_are_constant_time],
        2: [stage2_random_runs, stage2_purge_expired_counts_exactly, stage2_purge_costs_the_expired_keys_only],
        3: [stage3_random_runs, stage3_transactions_cost_the_keys_they_change],
        4: [stage4_random_runs, stage4_scans_cost_their_results],
    },
)
