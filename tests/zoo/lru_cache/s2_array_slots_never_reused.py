"""Bug: the linked list lives in arrays indexed by slot; evicted and deleted slots become tombstones that are never reused.
Breaks (stage 2): 'Memory stays proportional to capacity: ... further puts of new keys do not grow the memory that the cache holds'.
"""


HEAD = 0  # slot 0 is the sentinel: next[HEAD] is the least recently used


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._slot = {}  # key -> slot
        self._keys = [None]
        self._values = [None]
        self._prev = [HEAD]
        self._next = [HEAD]

    @property
    def capacity(self):
        return self._capacity

    def _unlink(self, slot):
        before, after = self._prev[slot], self._next[slot]
        self._next[before] = after
        self._prev[after] = before

    def _append(self, slot):
        last = self._prev[HEAD]
        self._next[last] = slot
        self._prev[slot] = last
        self._next[slot] = HEAD
        self._prev[HEAD] = slot

    def get(self, key, default=None):
        slot = self._slot.get(key)
        if slot is None:
            return default
        self._unlink(slot)
        self._append(slot)
        return self._values[slot]

    def peek(self, key, default=None):
        slot = self._slot.get(key)
        if slot is None:
            return default
        return self._values[slot]

    def put(self, key, value):
        slot = self._slot.get(key)
        if slot is not None:
            self._values[slot] = value
            self._unlink(slot)
            self._append(slot)
            return None
        if len(self._slot) >= self._capacity:
            oldest = self._next[HEAD]
            self._unlink(oldest)
            del self._slot[self._keys[oldest]]
            self._keys[oldest] = self._values[oldest] = None  # a tombstone
        slot = len(self._keys)
        self._keys.append(key)
        self._values.append(value)
        self._prev.append(HEAD)
        self._next.append(HEAD)
        self._slot[key] = slot
        self._append(slot)
        return None

    def delete(self, key):
        if key not in self._slot:
            return False
        slot = self._slot.pop(key)
        self._unlink(slot)
        self._keys[slot] = self._values[slot] = None
        return True

    def items(self):
        pairs = []
        slot = self._next[HEAD]
        while slot != HEAD:
            pairs.append((self._keys[slot], self._values[slot]))
            slot = self._next[slot]
        return pairs

    def __len__(self):
        return len(self._slot)

    def __contains__(self, key):
        return key in self._slot
