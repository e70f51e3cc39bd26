"""Bug: the cache wraps a copy of the pylru library vendored into the folder (pylru.py beside it, in s2_vendored_pylru.files/) and imported with a relative import, from .pylru import lrucache.
Breaks (stage 2): 'No ready-made ordered or caching structure ... nor any other third-party cache ... and no copy of such a library vendored into the folder'.
"""

from .pylru import lrucache


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._cache = lrucache(capacity)

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        return self._cache.get(key, default)

    def peek(self, key, default=None):
        return self._cache.peek(key, default)

    def put(self, key, value):
        self._cache[key] = value
        return None

    def delete(self, key):
        hash(key)
        if key not in self._cache:
            return False
        del self._cache[key]
        return True

    def items(self):
        return list(reversed(list(self._cache.items())))

    def __len__(self):
        return len(self._cache)

    def __contains__(self, key):
        return key in self._cache
