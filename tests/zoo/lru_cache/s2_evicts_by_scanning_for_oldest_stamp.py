"""Bug: each entry carries a last-use counter and eviction scans every entry for the smallest one, which is O(n).
Breaks (stage 2): 'Every operation is O(1) on average, independent of capacity'.
"""

import itertools


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._clock = itertools.count()
        self._entries = {}  # key -> [last_use, value]

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        entry = self._entries.get(key)
        if entry is None:
            return default
        entry[0] = next(self._clock)
        return entry[1]

    def peek(self, key, default=None):
        entry = self._entries.get(key)
        if entry is None:
            return default
        return entry[1]

    def put(self, key, value):
        entry = self._entries.get(key)
        if entry is not None:
            entry[0] = next(self._clock)
            entry[1] = value
            return None
        if len(self._entries) >= self._capacity:
            oldest = min(self._entries, key=lambda k: self._entries[k][0])
            del self._entries[oldest]
        self._entries[key] = [next(self._clock), value]
        return None

    def delete(self, key):
        if key not in self._entries:
            return False
        del self._entries[key]
        return True

    def items(self):
        ordered = sorted(self._entries.items(), key=lambda pair: pair[1][0])
        return [(key, entry[1]) for key, entry in ordered]

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries
