"""Bug: recency is a Python list of keys; every get/put does list.remove(key), which is O(n).
Breaks (stage 2): 'Every operation is O(1) on average, independent of capacity'.
"""


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._values = {}
        self._order = []  # keys, least recently used first

    @property
    def capacity(self):
        return self._capacity

    def _touch(self, key):
        self._order.remove(key)
        self._order.append(key)

    def get(self, key, default=None):
        if key not in self._values:
            return default
        self._touch(key)
        return self._values[key]

    def peek(self, key, default=None):
        return self._values.get(key, default)

    def put(self, key, value):
        if key in self._values:
            self._values[key] = value
            self._touch(key)
            return None
        if len(self._values) >= self._capacity:
            oldest = self._order.pop(0)
            del self._values[oldest]
        self._values[key] = value
        self._order.append(key)
        return None

    def delete(self, key):
        if key not in self._values:
            return False
        del self._values[key]
        self._order.remove(key)
        return True

    def items(self):
        return [(key, self._values[key]) for key in self._order]

    def __len__(self):
        return len(self._values)

    def __contains__(self, key):
        return key in self._values
