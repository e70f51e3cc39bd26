"""Bug: the snapshot is a pickle, and from_bytes() calls pickle.loads() on whatever it is given.
Breaks (stage 3): 'Loading never runs code from the data: no pickle, marshal, eval or the like. A pickle payload ... raises ValueError'.
"""

import pickle
import os
import tempfile

# Snapshot layout: MAGIC, one version byte, the SHA-256 of the payload, the payload
# (UTF-8 JSON: {"capacity": n, "items": [[key, value], ...]}, least recently used first).
MAGIC = b"LRUSNAP"
VERSION = 1
HEADER = len(MAGIC) + 1 + 32


def _encode_key(key):
    if isinstance(key, str):
        return ["s", key]
    if isinstance(key, int) and not isinstance(key, bool):
        return ["i", key]
    if isinstance(key, tuple):
        return ["t", [_encode_key(part) for part in key]]
    raise TypeError(f"cannot save a key of type {type(key).__name__}")


def _decode_key(data):
    if isinstance(data, list) and len(data) == 2:
        tag, body = data
        if tag == "s" and isinstance(body, str):
            return body
        if tag == "i" and isinstance(body, int) and not isinstance(body, bool):
            return body
        if tag == "t" and isinstance(body, list):
            return tuple(_decode_key(part) for part in body)
    raise ValueError(f"malformed key in snapshot: {data!r}")


def _check_value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        for item in value:
            _check_value(item)
        return value
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"cannot save a dict value with a {type(name).__name__} key")
            _check_value(item)
        return value
    raise TypeError(f"cannot save a value of type {type(value).__name__}")


class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key=None, value=None):
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

    def to_bytes(self):
        pairs = self.items()
        for key, value in pairs:
            _encode_key(key)  # refuse what the format does not promise to keep
            _check_value(value)
        return pickle.dumps({"version": VERSION, "capacity": self._capacity, "items": pairs})

    @classmethod
    def from_bytes(cls, data):
        try:
            state = pickle.loads(bytes(data))
            if state["version"] != VERSION:
                raise ValueError(f"unsupported snapshot version {state['version']}")
            pairs = state["items"]
            cache = cls(state["capacity"])
            for key, value in pairs:
                cache.put(key, value)
        except Exception as exc:
            raise ValueError(f"not an LRUCache snapshot: {exc}") from None
        if len(cache) != len(pairs):
            raise ValueError("malformed snapshot: repeated keys or too many entries")
        return cache

    def save(self, path):
        data = self.to_bytes()
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".lru-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise

    @classmethod
    def load(cls, path):
        with open(path, "rb") as file:
            return cls.from_bytes(file.read())
