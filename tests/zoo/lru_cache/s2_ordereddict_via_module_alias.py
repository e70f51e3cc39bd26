"""Bug: recency is kept in an OrderedDict reached through a module alias (import collections as c; c.OrderedDict()).
Breaks (stage 2): 'No ready-made ordered or caching structure anywhere in the solution's folder: no collections.OrderedDict'.
"""

import collections as c


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._data = c.OrderedDict()  # least recently used first

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        if key not in self._data:
            return default
        self._data.move_to_end(key)
        return self._data[key]

    def peek(self, key, default=None):
        if key not in self._data:
            return default
        return self._data[key]

    def put(self, key, value):
        if key in self._data:
            self._data[key] = value
            self._data.move_to_end(key)
            return None
        if len(self._data) >= self._capacity:
            self._data.popitem(last=False)
        self._data[key] = value
        return None

    def delete(self, key):
        if key not in self._data:
            return False
        del self._data[key]
        return True

    def items(self):
        return list(self._data.items())

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        return key in self._data
