"""Bug: evicting the only node (capacity 1) leaves head/tail pointing at it, so the evicted entry stays in items().
Breaks (stage 1): items() and the model -- 'the cache holds exactly the keys that a straightforward model holds'.
"""


class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.prev = None
        self.next = None


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._map = {}
        self._head = None  # least recently used
        self._tail = None  # most recently used

    @property
    def capacity(self):
        return self._capacity

    def _unlink(self, node):
        if node.prev is not None:
            node.prev.next = node.next
        else:
            self._head = node.next
        if node.next is not None:
            node.next.prev = node.prev
        else:
            self._tail = node.prev
        node.prev = node.next = None

    def _append(self, node):
        node.prev = self._tail
        node.next = None
        if self._tail is not None:
            self._tail.next = node
        else:
            self._head = node
        self._tail = node

    def _evict_oldest(self):
        oldest = self._head
        del self._map[oldest.key]
        if oldest.next is not None:
            self._head = oldest.next
            self._head.prev = None
        # BUG: when oldest was the only node, head and tail keep pointing at it.

    def get(self, key, default=None):
        node = self._map.get(key)
        if node is None:
            return default
        self._unlink(node)
        self._append(node)
        return node.value

    def peek(self, key, default=None):
        node = self._map.get(key)
        if node is None:
            return default
        return node.value

    def put(self, key, value):
        node = self._map.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
            self._append(node)
            return None
        if len(self._map) >= self._capacity:
            self._evict_oldest()
        node = _Node(key, value)
        self._map[key] = node
        self._append(node)
        return None

    def delete(self, key):
        if key not in self._map:
            return False
        node = self._map.pop(key)
        self._unlink(node)
        return True

    def items(self):
        pairs = []
        node = self._head
        while node is not None:
            pairs.append((node.key, node.value))
            node = node.next
        return pairs

    def __len__(self):
        return len(self._map)

    def __contains__(self, key):
        return key in self._map
