"""The benchmark of ``dojo compare lru_cache``: one workload, many caches.

``make(cls)`` builds a solution's cache; ``workload(cache)`` runs the same
precomputed mix of gets and puts on anything with the kata's ``get``/``put``;
``peers()`` wraps well-known caches in that API (skipped with a note when
their library is not installed).
"""

from __future__ import annotations

import random

CAPACITY = 1_000
_rng = random.Random(2024)
# A skewed key space (most reads hit a hot set, some miss): 40,000 operations.
OPERATIONS = [
    ("get" if _rng.random() < 0.7 else "put", int(_rng.paretovariate(1.2) * 100) % 5_000)
    for _ in range(40_000)
]


def make(cls):
    """A fresh cache of the learner's (or the reference's) class."""
    return cls(CAPACITY)


def workload(cache) -> int:
    """The same operations, in order; returns how many."""
    get, put = cache.get, cache.put
    for op, key in OPERATIONS:
        if op == "get":
            get(key)
        else:
            put(key, key)
    return len(OPERATIONS)


class _Mapping:
    """A cache with the mapping API (``c[key] = value``, ``c.get``) as the kata's API."""

    def __init__(self, cache):
        self.cache = cache
        self.get = cache.get

    def put(self, key, value):
        self.cache[key] = value


def _cachetools():
    from cachetools import LRUCache

    return _Mapping(LRUCache(maxsize=CAPACITY))


def _lru_dict():
    from lru import LRU

    return _Mapping(LRU(CAPACITY))


def _boltons():
    from boltons.cacheutils import LRU

    return _Mapping(LRU(max_size=CAPACITY))


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def peers():
    """``(name, factory or None, note)`` for each well-known cache."""
    found = []
    for name, module, factory, package in (
        ("cachetools.LRUCache", "cachetools", _cachetools, "cachetools"),
        ("lru.LRU (lru-dict, C)", "lru", _lru_dict, "lru-dict"),
        ("boltons.cacheutils.LRU", "boltons", _boltons, "boltons"),
    ):
        if _available(module):
            found.append((name, factory, ""))
        else:
            found.append((name, None, f"not installed (pip install {package})"))
    return found
