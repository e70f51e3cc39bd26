"""Bug: the constructor has no type check, only capacity >= 1, so LRUCache(2.5), LRUCache(3.0) and LRUCache(True) are accepted.
Breaks (stage 1): LRUCache(capacity) -- 'capacity is an int >= 1. A bool or any non-int raises TypeError'.
"""


class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key=None, value=None):
        self.key = key
        self.value = value
        self.prev = None
        self.next = None


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._map = {}
        # Sentinels: head.next is the least recently used, tail.prev the most.
        self._head = _Node()
        self._tail = _Node()
        self._head.next = self._tail
        self._tail.prev = self._head

    @property
    def capacity(self):
        return self._capacity

    def _unlink(self, node):
        node.prev.next = node.next
        node.next.prev = node.prev

    def _append(self, node):
        last = self._tail.prev
        last.next = node
        node.prev = last
        node.next = self._tail
        self._tail.prev = node

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
            oldest = self._head.next
            self._unlink(oldest)
            del self._map[oldest.key]
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
        node = self._head.next
        while node is not self._tail:
            pairs.append((node.key, node.value))
            node = node.next
        return pairs

    def __len__(self):
        return len(self._map)

    def __contains__(self, key):
        return key in self._map
