"""The benchmark of ``dojo compare inmemory_db``: one workload, several stores.

``make(cls)`` builds a solution's database; ``workload(db)`` runs the same
precomputed mix of ``set``/``get``/``delete`` on anything with the kata's
stage 1 API; ``peers()`` gives a plain ``dict`` (the floor: no features at
all) and SQLite in memory (a real database) in that API.
"""

from __future__ import annotations

import random
import sqlite3

_rng = random.Random(2024)
_KEYS = [f"user:{i}" for i in range(2_000)]
OPERATIONS = [
    (_rng.choices(("get", "set", "delete"), weights=(6, 3, 1))[0], _rng.choice(_KEYS))
    for _ in range(30_000)
]


def make(cls):
    """A fresh database of the learner's (or the reference's) class."""
    return cls()


def workload(db) -> int:
    """The same operations, in order; returns how many."""
    get, set_, delete = db.get, db.set, db.delete
    for op, key in OPERATIONS:
        if op == "get":
            get(key)
        elif op == "set":
            set_(key, key)
        else:
            delete(key)
    return len(OPERATIONS)


class DictDB:
    """A plain dict in the kata's API: no validation, no expiry, no transactions."""

    def __init__(self):
        self.data = {}
        self.get = self.data.get

    def set(self, key, value):
        self.data[key] = value

    def delete(self, key):
        return self.data.pop(key, None) is not None


class SQLiteDB:
    """SQLite in memory, one key-value table, autocommit."""

    def __init__(self):
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def set(self, key, value):
        self.db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, value))

    def get(self, key):
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def delete(self, key):
        return self.db.execute("DELETE FROM kv WHERE key = ?", (key,)).rowcount > 0


def peers():
    """``(name, factory or None, note)`` for each peer."""
    return [("dict (no features)", DictDB, ""), ("sqlite3 :memory:", SQLiteDB, "")]
