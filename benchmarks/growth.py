"""Growth: time per operation of each final reference operation at sizes 10^3 .. 10^6.

Plotted on log axes (``docs/growth.png``), an O(1) operation is a flat
line and an O(log n) one a gently rising line; an O(n) one would rise by
10x per decade. The sizes alternate within each repeat, like the
contenders elsewhere, and every size runs the same number of operations.
Some rise remains even for O(1) operations: a bigger structure no longer
fits in the processor's caches, so each random access costs more. A plain
dict's ``get`` of the same random keys is drawn beside them (dashed): an
operation whose line runs parallel to it grows only as memory does.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from benchmarks.db import Clock, names, pairs
from benchmarks.references import reference_classes
from benchmarks.timing import Samples, interleaved

LRU_STAGE = 4
DB_STAGE = 4
EXPIRING = 10  # keys that expire per purge_expired() round
# A plain dict's get on the same keys: what memory alone costs at each size.
FLOOR_PREFIX = "{} dict.get, same keys (memory floor)"


def _lru_operations(cls, ops: int, rng: random.Random) -> dict[str, Callable[[int], Callable]]:
    """``{operation: make(size) -> prepare}`` for the LRU cache of capacity ``size``."""

    def filled(size):
        cache = cls(size)
        for k in range(size):
            cache.put(k, k)
        return cache

    def get(size):
        cache = filled(size)
        keys = [rng.randrange(size) for _ in range(ops)]

        def prepare():
            def run():
                lookup = cache.get
                for k in keys:
                    lookup(k)

            return run, ops

        return prepare

    def put(size):
        cache = filled(size)
        fresh = itertools.count(size)  # keys never seen: every put evicts

        def prepare():
            keys = list(itertools.islice(fresh, ops))

            def run():
                store = cache.put
                for k in keys:
                    store(k, k)

            return run, ops

        return prepare

    def floor(size):
        table = {k: k for k in range(size)}
        keys = [rng.randrange(size) for _ in range(ops)]

        def prepare():
            def run():
                lookup = table.get
                for k in keys:
                    lookup(k)

            return run, ops

        return prepare

    return {"LRU get (hit)": get, "LRU put (evicting)": put, FLOOR_PREFIX.format("LRU"): floor}


def _db_operations(cls, ops: int, rng: random.Random) -> dict[str, Callable[[int], Callable]]:
    """``{operation: make(size) -> prepare}`` for the database of ``size`` keys."""
    databases = {}

    def filled(size):
        if size not in databases:
            clock = Clock()
            db = cls(clock=clock)
            for k, v in pairs(size):
                db.set(k, v)
            db.scan("k0")  # sort in whatever the index deferred
            databases[size] = db, clock
        return databases[size]

    def present(size, count):
        stored = names(size)
        return [stored[rng.randrange(size)] for _ in range(count)]

    def simple(body, count=ops):
        def make(size):
            db, clock = filled(size)
            keys = present(size, count)

            def prepare():
                return (lambda: body(db, clock, keys)), count

            return prepare

        return make

    def get(db, _clock, keys):
        lookup = db.get
        for k in keys:
            lookup(k)

    def set_(db, _clock, keys):
        store = db.set
        for k in keys:
            store(k, k)

    def delete_set(db, _clock, keys):
        for k in keys:
            if db.delete(k):
                db.set(k, k)

    def transaction(db, _clock, keys):
        for k in keys:
            db.begin()
            db.set(k, k)
            db.rollback()

    def purge(db, clock, keys):
        for start in range(0, len(keys), EXPIRING):
            for k in keys[start:start + EXPIRING]:
                db.set("x" + k, k, 1.0)
            clock.now += 2.0
            db.purge_expired()

    def scan(size):
        db, _ = filled(size)
        count = max(1, ops // 10)
        prefixes = [f"k{rng.randrange(size // 10):05d}" for _ in range(count)]

        def prepare():
            def run():
                for prefix in prefixes:
                    db.scan(prefix)

            return run, count

        return prepare

    def floor(size):
        table = dict(pairs(size))
        keys = present(size, ops)

        def prepare():
            return (lambda: get(table, None, keys)), ops

        return prepare

    return {
        FLOOR_PREFIX.format("DB"): floor,
        "DB get": simple(get),
        "DB set (overwrite)": simple(set_),
        "DB delete + set back": simple(delete_set),
        "DB begin/set/rollback": simple(transaction),
        "DB set with ttl + purge_expired, per key": simple(purge),
        "DB scan (10 keys)": scan,
    }


def run(sizes: tuple[int, ...], ops: int, repeats: int, progress=print) -> dict[str, dict[int, Samples]]:
    """``{operation: {size: Samples}}`` for the final LRU and database references."""
    rng = random.Random(6)
    lru = reference_classes("lru_cache")[LRU_STAGE]
    db = reference_classes("inmemory_db")[DB_STAGE]
    results = {}
    for operations in (_lru_operations(lru, ops, rng), _db_operations(db, ops, rng)):
        for name, make in operations.items():
            progress(f"growth: {name} at sizes {', '.join(f'{s:,}' for s in sizes)}")
            timed = interleaved({str(size): make(size) for size in sizes}, repeats)
            results[name] = {size: timed[str(size)] for size in sizes}
    return results


def plot(results: dict[str, dict[int, Samples]], path, title: str) -> None:
    """Write the log-log plot of time per operation against size to ``path`` (a PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, panels = plt.subplots(1, 2, figsize=(11, 6), sharey=True)
    for panel, prefix, label in ((panels[0], "LRU", f"LRU cache, stage {LRU_STAGE} reference"),
                                 (panels[1], "DB", f"In-memory database, stage {DB_STAGE} reference")):
        for name, by_size in results.items():
            if not name.startswith(prefix):
                continue
            sizes = sorted(by_size)
            style = dict(color="grey", linestyle="--") if "memory floor" in name else {}
            panel.plot(sizes, [by_size[s].median for s in sizes], marker="o",
                       label=name.removeprefix(prefix).strip(), **style)
        panel.set_xscale("log")
        panel.set_yscale("log")
        panel.set_title(label)
        panel.set_xlabel("size (entries)")
        panel.grid(True, which="both", alpha=0.3)
        panel.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    panels[0].set_ylabel("ns per operation (median CPU time)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
