"""Correct: a complete solution that logs a warning on every eviction (logging.warning).

Must pass every stage: what logging and pytest's capture keep is not the cache's memory.
"""


import hashlib
import logging
import json
import os
import tempfile
import threading

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


class _Flight:
    """One running factory() call that other callers of the same key wait for."""

    __slots__ = ("done", "ok", "value")

    def __init__(self):
        self.done = threading.Event()
        self.ok = False
        self.value = None


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
        self._lock = threading.RLock()
        self._flights = {}  # key -> _Flight of the factory running for it

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
        with self._lock:
            node = self._map.get(key)
            if node is None:
                return default
            self._unlink(node)
            self._append(node)
            return node.value

    def peek(self, key, default=None):
        with self._lock:
            node = self._map.get(key)
            if node is None:
                return default
            return node.value

    def put(self, key, value):
        with self._lock:
            self._store(key, value)
        return None

    def _store(self, key, value):
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
            logging.warning("lru_cache: evicted %r to make room for %r", oldest.key, key)
        node = _Node(key, value)
        self._map[key] = node
        self._append(node)
        return None

    def get_or_set(self, key, factory):
        while True:
            with self._lock:
                node = self._map.get(key)
                if node is not None:
                    self._unlink(node)
                    self._append(node)
                    return node.value
                flight = self._flights.get(key)
                running = flight is None
                if running:
                    flight = self._flights[key] = _Flight()
            if running:
                break
            flight.done.wait()
            if flight.ok:
                return flight.value
            # The factory failed: carry on as if the key were still missing.
        try:
            value = factory()
        except BaseException:
            with self._lock:
                del self._flights[key]
            flight.done.set()
            raise
        with self._lock:
            self._store(key, value)
            del self._flights[key]
        flight.value = value
        flight.ok = True
        flight.done.set()
        return value

    def update(self, key, fn, default=None):
        with self._lock:
            node = self._map.get(key)
            current = default if node is None else node.value
            value = fn(current)
            self._store(key, value)
            return value

    def delete(self, key):
        with self._lock:
            if key not in self._map:
                return False
            node = self._map.pop(key)
            self._unlink(node)
            return True

    def items(self):
        with self._lock:
            pairs = []
            node = self._head.next
            while node is not self._tail:
                pairs.append((node.key, node.value))
                node = node.next
            return pairs

    def __len__(self):
        with self._lock:
            return len(self._map)

    def __contains__(self, key):
        with self._lock:
            return key in self._map

    def to_bytes(self):
        with self._lock:
            entries = self.items()
        pairs = [[_encode_key(key), _check_value(value)] for key, value in entries]
        payload = json.dumps(
            {"capacity": self._capacity, "items": pairs}, separators=(",", ":")
        ).encode("utf-8")
        return MAGIC + bytes([VERSION]) + hashlib.sha256(payload).digest() + payload

    @classmethod
    def from_bytes(cls, data):
        data = bytes(data)
        if len(data) < HEADER or not data.startswith(MAGIC):
            raise ValueError("not an LRUCache snapshot")
        version = data[len(MAGIC)]
        if version != VERSION:
            raise ValueError(f"unsupported snapshot version {version}")
        digest, payload = data[len(MAGIC) + 1:HEADER], data[HEADER:]
        if hashlib.sha256(payload).digest() != digest:
            raise ValueError("snapshot checksum mismatch: the data is corrupt")
        try:
            state = json.loads(payload.decode("utf-8"))
            pairs = state["items"]
            cache = cls(state["capacity"])
            for key_data, value in pairs:
                cache.put(_decode_key(key_data), value)
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            raise ValueError(f"malformed snapshot: {exc}") from None
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
