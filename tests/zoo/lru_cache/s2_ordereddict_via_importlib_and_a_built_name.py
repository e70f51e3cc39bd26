"""Bug: recency is kept in an OrderedDict reached through importlib with a module name built at run time (importlib.import_module('coll' + 'ections').OrderedDict), which no source scan can read.
Breaks (stage 2): 'No ready-made ordered or caching structure ... however it is reached (... importlib, __import__)'.
"""

import importlib

_LinkedMap = getattr(importlib.import_module("coll" + "ections"), "Ordered" + "Dict")


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._entries = _LinkedMap()

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        hash(key)
        if key not in self._entries:
            return default
        self._entries.move_to_end(key)
        return self._entries[key]

    def peek(self, key, default=None):
        hash(key)
        return self._entries[key] if key in self._entries else default

    def put(self, key, value):
        hash(key)
        if key in self._entries:
            self._entries.move_to_end(key)
        elif len(self._entries) >= self._capacity:
            self._entries.popitem(last=False)
        self._entries[key] = value
        return None

    def delete(self, key):
        hash(key)
        if key not in self._entries:
            return False
        del self._entries[key]
        return True

    def items(self):
        return list(self._entries.items())

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries
