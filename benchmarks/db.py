"""In-memory database workloads: every reference stage beside a dict, sortedcontainers and sqlite3.

Workloads of issue 6, on a database prefilled with 200,000 keys
(``k000000`` .. ``k199999``):

- ``get`` of present keys, ``set`` overwriting present keys, and a mix of
  60% get / 30% set / 10% delete (gets and sets over 250,000 keys, so some
  miss or insert; deletes only of present keys, so the dict floor can use
  ``del``);
- TTL churn: every operation advances a fake clock and sets a key (from a
  pool of 10,000) with a ttl, and every 100th operation calls
  ``purge_expired()``; the 200,000 other keys never expire;
- ``begin``, one ``set`` per level, then ``rollback``, at depth 1 and 5, at
  database sizes 2,000 and 200,000 (the cost must not depend on the size);
- ``scan`` of a prefix matching 10, 1,000 or 10,000 keys out of 200,000.

Contenders: each reference stage that has the operations; the tuned stage
4 of ``benchmarks/tuned/``; a plain ``dict`` (the floor of get/set/delete),
a ``dict`` plus ``heapq`` (the floor of TTL churn), a bare ``SortedList``
bisect-and-slice (the scan floor), and ``sqlite3`` in memory doing the
same work as a real engine: a table keyed by its primary key (``WITHOUT
ROWID``: the table is the index), a partial index on deadlines,
``SAVEPOINT``/``ROLLBACK TO``, a range query.
"""

from __future__ import annotations

import functools
import heapq
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.references import TUNED_NAME, reference_classes, stage_name, tuned_class
from benchmarks.timing import Samples, interleaved

KEYS = 200_000
DIGITS = 6  # keys are k000000 .. k999999
SMALL = 2_000  # the small database of the transaction workload
FLOOR = "dict (floor)"
TTL_FLOOR = "dict + heapq (floor)"
SCAN_FLOOR = "SortedList bisect + slice (keys only)"
SCAN_FLOOR_VALUES = "SortedList slice + dict values"
SQLITE = "sqlite3 (:memory:)"
CHURN_POOL = 10_000
PURGE_EVERY = 100
TICK = 0.001  # seconds of fake clock per churn operation; ttls are 1 to 10 s
DEPTHS = (1, 5)
SCAN_MATCHES = (10, 1_000, 10_000)


def key(i: int) -> str:
    return f"k{i:0{DIGITS}d}"


_NAMES: list[str] = []


def names(count: int) -> list[str]:
    """The first ``count`` keys, each made once: every contender stores and looks up
    the same string objects, so none gains or loses by where its keys happen to
    lie in memory."""
    while len(_NAMES) < count:
        _NAMES.append(key(len(_NAMES)))
    return _NAMES[:count]


@functools.cache
def pairs(count: int) -> list[tuple[str, str]]:
    """``(key, value)`` for the first ``count`` keys, made once (see ``names``)."""
    return [(k, f"v{i}") for i, k in enumerate(names(count))]


class Clock:
    """A fake clock the workload moves forward: ``clock()`` returns ``clock.now``."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# -- the contenders, each as a small adapter with the kata's method names ----


@dataclass
class Adapter:
    """What a workload calls: bound methods (or None when a contender lacks one)."""

    get: Callable | None = None
    set: Callable | None = None
    delete: Callable | None = None
    set_ttl: Callable | None = None
    purge: Callable | None = None
    begin: Callable | None = None
    rollback: Callable | None = None
    scan: Callable | None = None
    clock: Clock | None = None
    bulk: Callable | None = None  # load many (key, value) pairs at once, where faster


def _reference(cls) -> Callable[[], Adapter]:
    def make():
        clock = Clock()
        db = cls(clock=clock) if hasattr(cls, "purge_expired") else cls()
        return Adapter(
            get=db.get, set=db.set, delete=db.delete,
            set_ttl=db.set if hasattr(db, "purge_expired") else None,
            purge=getattr(db, "purge_expired", None),
            begin=getattr(db, "begin", None), rollback=getattr(db, "rollback", None),
            scan=getattr(db, "scan", None), clock=clock,
        )

    return make


def _dict() -> Adapter:
    data = {}
    return Adapter(get=data.get, set=data.__setitem__, delete=data.__delitem__)


def _dict_heap() -> Adapter:
    """The least a TTL store can do: a dict of (value, deadline) and a heap of deadlines."""
    clock = Clock()
    data = {}
    heap = []

    def set_ttl(key, value, ttl=None):
        deadline = None if ttl is None else clock.now + ttl
        data[key] = (value, deadline)
        if deadline is not None:
            heapq.heappush(heap, (deadline, key))

    def purge():
        now = clock.now
        removed = 0
        while heap and heap[0][0] <= now:
            deadline, key = heapq.heappop(heap)
            record = data.get(key)
            if record is not None and record[1] == deadline:
                del data[key]
                removed += 1
        return removed

    return Adapter(set=set_ttl, set_ttl=set_ttl, purge=purge, clock=clock)


def _sorted_list() -> Adapter:
    """The scan floor: the keys in a SortedList, a prefix range by two bisects and a slice."""
    from sortedcontainers import SortedList

    keys = SortedList()
    data = {}

    def set_(key, value):
        if key not in data:
            keys.add(key)
        data[key] = value

    def scan(prefix):
        return keys[keys.bisect_left(prefix):keys.bisect_left(_upper(prefix))]

    return Adapter(set=set_, scan=scan)


def _sorted_list_values() -> Adapter:
    """The scan floor with values: as above, plus a dict lookup per key found."""
    from sortedcontainers import SortedList

    keys = SortedList()
    values = {}

    def set_(key, value):
        if key not in values:
            keys.add(key)
        values[key] = value

    def scan(prefix):
        found = keys[keys.bisect_left(prefix):keys.bisect_left(_upper(prefix))]
        return [(key, values[key]) for key in found]

    return Adapter(set=set_, scan=scan)


def _upper(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix`` (non-empty, ASCII here)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _sqlite() -> Adapter:
    clock = Clock()
    conn = sqlite3.connect(":memory:", isolation_level=None)  # autocommit, like the database
    conn.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, deadline REAL) WITHOUT ROWID")
    conn.execute("CREATE INDEX kv_deadline ON kv (deadline) WHERE deadline IS NOT NULL")
    cursor = conn.cursor()
    execute = cursor.execute

    def get(key):
        row = execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_(key, value, ttl=None):
        deadline = None if ttl is None else clock.now + ttl
        execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", (key, value, deadline))

    def delete(key):
        execute("DELETE FROM kv WHERE k = ?", (key,))
        return cursor.rowcount > 0

    def purge():
        execute("DELETE FROM kv WHERE deadline <= ?", (clock.now,))
        return cursor.rowcount

    depth = [0]

    def begin():
        depth[0] += 1
        execute(f"SAVEPOINT s{depth[0]}")

    def rollback():
        execute(f"ROLLBACK TO s{depth[0]}")
        execute(f"RELEASE s{depth[0]}")
        depth[0] -= 1

    def scan(prefix):
        return execute(
            "SELECT k, v FROM kv WHERE k >= ? AND k < ? ORDER BY k", (prefix, _upper(prefix))
        ).fetchall()

    def bulk(items):
        execute("BEGIN")
        cursor.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?, NULL)", items)
        execute("COMMIT")

    return Adapter(get=get, set=set_, delete=delete, set_ttl=set_, purge=purge,
                   begin=begin, rollback=rollback, scan=scan, clock=clock, bulk=bulk)


def contenders(references: dict[str, type]) -> dict[str, Callable[[], Adapter]]:
    """Database factories by name: ``references`` (by table name), then the floors and sqlite3."""
    makers = {name: _reference(cls) for name, cls in references.items()}
    makers[FLOOR] = _dict
    makers[TTL_FLOOR] = _dict_heap
    makers[SCAN_FLOOR] = _sorted_list
    makers[SCAN_FLOOR_VALUES] = _sorted_list_values
    makers[SQLITE] = _sqlite
    return makers


def _filled(make, size: int) -> Adapter:
    adapter = make()
    if adapter.bulk is not None:
        adapter.bulk(pairs(size))
    else:
        set_ = adapter.set
        for k, v in pairs(size):
            set_(k, v)
    if adapter.scan is not None:
        adapter.scan("k0")  # a scan sorts in any keys an index deferred; not timed
    return adapter


# -- the workloads: each a loop over precomputed operations ------------------


def _gets(adapter: Adapter, keys):
    get = adapter.get

    def run():
        for k in keys:
            get(k)

    return run


def _sets(adapter: Adapter, keys):
    set_ = adapter.set

    def run():
        for k in keys:
            set_(k, k)

    return run


def _mix(adapter: Adapter, ops):
    get, set_, delete = adapter.get, adapter.set, adapter.delete

    def run():
        for code, k in ops:
            if code == 0:
                get(k)
            elif code == 1:
                set_(k, k)
            else:
                delete(k)

    return run


def _churn(adapter: Adapter, ops):
    set_ttl, purge, clock = adapter.set_ttl, adapter.purge, adapter.clock

    def run():
        for i, (k, ttl) in enumerate(ops):
            clock.now += TICK
            set_ttl(k, k, ttl)
            if i % PURGE_EVERY == 0:
                purge()

    return run


def _transactions(adapter: Adapter, keys, depth: int):
    begin, set_, rollback = adapter.begin, adapter.set, adapter.rollback
    levels = range(depth)

    def run():
        for k in keys:
            for _ in levels:
                begin()
                set_(k, k)
            for _ in levels:
                rollback()

    return run


def _scans(adapter: Adapter, prefixes):
    scan = adapter.scan

    def run():
        for prefix in prefixes:
            scan(prefix)

    return run


def mix_operations(count: int, rng: random.Random, size: int) -> list[tuple[int, str]]:
    """60% get, 30% set over 1.25 x ``size`` keys; 10% delete of a present key (tracked)."""
    space = names(size * 5 // 4)
    present = space[:size]
    where = {k: i for i, k in enumerate(present)}
    ops = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.6:
            ops.append((0, space[rng.randrange(len(space))]))
        elif roll < 0.9:
            k = space[rng.randrange(len(space))]
            if k not in where:
                where[k] = len(present)
                present.append(k)
            ops.append((1, k))
        else:
            i = rng.randrange(len(present))
            k = present[i]
            last = present.pop()  # swap-remove: O(1)
            if last is not k:
                present[i] = last
                where[last] = i
            del where[k]
            ops.append((2, k))
    return ops


@dataclass(frozen=True)
class Plan:
    """Operation counts: the default run and the --quick one differ only here."""

    ops: int  # get / set / mix / churn operations
    rounds: int  # begin/set/rollback rounds
    scans: dict[int, int]  # matches -> number of scans
    size: int = KEYS


def run(plan: Plan, repeats: int, progress=print) -> dict[str, dict[str, Samples]]:
    """``{workload name: {contender: Samples}}``.

    A filled database is built once per contender and size and shared by
    the workloads that leave it as they found it (gets, overwrites,
    rolled-back transactions, scans); the mix and the TTL churn change
    what they run on, so they get a fresh one for every sample.
    """
    rng = random.Random(6)
    has = {stage_name(s): cls for s, cls in reference_classes("inmemory_db").items()}
    tuned = tuned_class("inmemory_db")
    if tuned is not None:
        has[TUNED_NAME] = tuned
    makers = contenders(has)
    refs = {n: makers[n] for n in has}
    results: dict[str, dict[str, Samples]] = {}
    size = plan.size
    built: dict[tuple[str, int], Adapter] = {}

    def shared(name, n):
        if (name, n) not in built:
            built[name, n] = _filled(makers[name], n)
        return built[name, n]

    def measure(title, names, workload, ops, db_size=size, fresh=False):
        progress(f"db: {title}, x {repeats} repeats")

        def prepare_for(name):
            def prepare():
                adapter = _filled(makers[name], db_size) if fresh else shared(name, db_size)
                return workload(adapter), ops

            return prepare

        results[title] = interleaved({n: prepare_for(n) for n in names}, repeats)

    basic = [*refs, FLOOR, SQLITE]
    for db_size in (SMALL, size):
        stored = names(db_size)
        present = [stored[rng.randrange(db_size)] for _ in range(plan.ops)]
        measure(f"get, {db_size:,} keys", basic, lambda a, p=present: _gets(a, p), plan.ops, db_size)
        measure(f"set (overwrite), {db_size:,} keys", basic, lambda a, p=present: _sets(a, p),
                plan.ops, db_size)
    mix = mix_operations(plan.ops, rng, size)
    measure(f"mix 60% get / 30% set / 10% delete, {size:,} keys", basic,
            lambda a: _mix(a, mix), plan.ops, fresh=True)

    ttl_refs = [n for n in refs if hasattr(has[n], "purge_expired")]
    pool = [f"t{i:05d}" for i in range(CHURN_POOL)]
    churn_ops = [(pool[rng.randrange(CHURN_POOL)], rng.uniform(1.0, 10.0)) for _ in range(plan.ops)]
    measure(f"TTL churn, purge every {PURGE_EVERY}, {size:,} keys", [*ttl_refs, TTL_FLOOR, SQLITE],
            lambda a: _churn(a, churn_ops), plan.ops, fresh=True)

    tx_refs = [n for n in refs if hasattr(has[n], "begin")]
    stored = names(SMALL)
    tx_keys = [stored[rng.randrange(SMALL)] for _ in range(plan.rounds)]
    for depth in DEPTHS:
        for db_size in (SMALL, size):
            measure(f"begin/set/rollback, depth {depth}, {db_size:,} keys", [*tx_refs, SQLITE],
                    lambda a, d=depth: _transactions(a, tx_keys, d), plan.rounds, db_size)

    scan_refs = [n for n in refs if hasattr(has[n], "scan")]
    for matches, count in plan.scans.items():
        width = DIGITS - len(str(matches)) + 1  # the digits the prefix fixes
        prefixes = [f"k{rng.randrange(size // matches):0{width}d}" for _ in range(count)]
        measure(f"scan, {matches:,} of {size:,} keys",
                [*scan_refs, SCAN_FLOOR, SCAN_FLOOR_VALUES, SQLITE],
                lambda a, p=prefixes: _scans(a, p), count)
    return results
