"""Bug: the classic interview shortcut -- LRUCache subclasses OrderedDict and lets it keep the order.
Breaks (stage 2): 'No ready-made ordered or caching structure anywhere in the solution's folder: no collections.OrderedDict'.
"""

import collections


class LRUCache(collections.OrderedDict):
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        super().__init__()
        self._capacity = capacity

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        if not super().__contains__(key):
            return default
        self.move_to_end(key)
        return self[key]

    def peek(self, key, default=None):
        if not super().__contains__(key):
            return default
        return self[key]

    def put(self, key, value):
        if super().__contains__(key):
            self[key] = value
            self.move_to_end(key)
            return None
        if len(self) >= self._capacity:
            self.popitem(last=False)
        self[key] = value
        return None

    def delete(self, key):
        if not super().__contains__(key):
            return False
        del self[key]
        return True

    def items(self):
        return list(super().items())
