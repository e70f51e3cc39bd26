"""Bug: recency is a lazy log: every put and get hit appends (key, stamp) to a deque, and stale records are dropped only when an eviction reaches them, so get hits on a cache that never evicts grow the log forever.
Breaks (stage 2): 'Memory stays proportional to capacity after any sequence of calls: ... of gets that hit ...'.
"""

from collections import deque


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._values = {}  # key -> value
        self._stamps = {}  # key -> stamp of its last use
        self._log = deque()  # (stamp, key) of every use, oldest first; stale ones skipped
        self._clock = 0

    @property
    def capacity(self):
        return self._capacity

    def _touch(self, key):
        self._clock += 1
        self._stamps[key] = self._clock
        self._log.append((self._clock, key))

    def _fresh(self, record):
        stamp, key = record
        return self._stamps.get(key) == stamp

    def get(self, key, default=None):
        if key not in self._values:
            return default
        self._touch(key)
        return self._values[key]

    def peek(self, key, default=None):
        return self._values.get(key, default) if key in self._values else default

    def put(self, key, value):
        if key not in self._values and len(self._values) >= self._capacity:
            while True:  # amortised O(1): every record is dropped once
                record = self._log.popleft()
                if self._fresh(record):
                    oldest = record[1]
                    del self._values[oldest]
                    del self._stamps[oldest]
                    break
        self._values[key] = value
        self._touch(key)
        return None

    def delete(self, key):
        if key not in self._values:
            return False
        del self._values[key]
        del self._stamps[key]
        return True

    def items(self):
        return [(key, self._values[key]) for stamp, key in self._log if self._fresh((stamp, key))]

    def __len__(self):
        return len(self._values)

    def __contains__(self, key):
        return key in self._values
