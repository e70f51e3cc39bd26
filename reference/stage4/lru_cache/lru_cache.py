"""Stage 4 reference: the stage 3 cache, safe to share between threads.

Design: one lock guards all of the cache's state, and every method holds
it for a short, bounded stretch: a dict lookup and a few pointer writes.
A single lock is easy to prove correct, and finer-grained locking would
buy little, since each critical section is already tiny. Slow work never
runs under the lock: ``get_or_set`` calls the factory outside it (with a
per-key record in ``_single_flight.py`` so concurrent callers share one
call), and ``to_bytes``/``save`` take ``items()`` under the lock, then
encode and write outside it. Storage (``_recency.py``), format
(``_format.py``) and files (``_atomic_file.py``) are stage 3's, unchanged.
"""

import os
import threading

from . import _format
from ._atomic_file import write_atomically
from ._recency import Node, RecencyList
from ._single_flight import Flight


def _validated_capacity(capacity):
    """Return ``capacity`` if it is an int >= 1; raise TypeError or ValueError otherwise."""
    # bool is a subclass of int, but LRUCache(True) is a bug, not a capacity of 1.
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    return capacity


class LRUCache:
    """A thread-safe mapping of at most ``capacity`` entries that evicts the least recently used.

    "Used" means stored by ``put``/``update``/``get_or_set`` or read by
    ``get``/``get_or_set``; ``peek``, ``items``, ``len`` and ``in`` look
    without touching the recency order. Every method may be called from
    many threads at once.

    A snapshot (``to_bytes``/``save``) holds the capacity and every entry in
    recency order; ``from_bytes``/``load`` rebuild an equal cache from it.

    Complexity: every operation O(1) on average, except ``items()`` and the
    snapshot methods, which are O(n). Memory is O(capacity).
    """

    def __init__(self, capacity):
        """Create an empty cache holding at most ``capacity`` entries.

        Raises TypeError if ``capacity`` is not an int (a bool is not one), and
        ValueError if it is less than 1.
        """
        self._capacity = _validated_capacity(capacity)
        self._nodes = {}  # key -> Node
        self._order = RecencyList()  # the same nodes, least recently used first
        self._flights = {}  # key -> Flight, for each get_or_set factory running now
        # Guards _nodes, _order and _flights. Not reentrant: the only user code
        # that runs while it is held is update's fn (and keys' __hash__/__eq__),
        # which must not call the cache.
        self._lock = threading.Lock()

    @property
    def capacity(self):
        """The maximum number of entries, as given at construction (never changes: no lock)."""
        return self._capacity

    def get(self, key, default=None):
        """Return the value stored under ``key`` and make ``key`` the most recently used.

        A missing key returns ``default`` and changes nothing. An unhashable
        key raises TypeError.

        Complexity: O(1).
        """
        with self._lock:
            node = self._nodes.get(key)  # TypeError for an unhashable key
            if node is None:
                return default
            self._order.move_to_end(node)
            return node.value

    def peek(self, key, default=None):
        """Return the value stored under ``key`` (or ``default``) without changing recency.

        Complexity: O(1).
        """
        with self._lock:
            node = self._nodes.get(key)
            if node is None:
                return default
            return node.value

    def put(self, key, value):
        """Store ``value`` under ``key`` and make ``key`` the most recently used.

        Inserting a new key into a full cache first evicts the least recently
        used key; updating an existing key never evicts anything.

        Complexity: O(1).
        """
        with self._lock:
            self._store(key, value)

    def update(self, key, fn, default=None):
        """Atomically store ``fn(current)`` under ``key`` and return it.

        ``current`` is the stored value, or ``default`` if ``key`` is missing.
        ``key`` becomes the most recently used. If ``fn`` raises, the
        exception propagates and nothing changes. ``fn`` runs under the
        cache's lock, so it must be quick and must not call the cache.

        Complexity: O(1) plus the cost of ``fn``.
        """
        with self._lock:
            node = self._nodes.get(key)
            value = fn(default if node is None else node.value)  # raises before any change
            self._store(key, value)
            return value

    def get_or_set(self, key, factory):
        """Return the value under ``key``; if it is missing, store and return ``factory()``.

        A present key becomes the most recently used. Single-flight: while
        one caller runs ``factory()`` for a key, other callers for that key
        wait and return its result, so concurrent callers cause one call.
        The factory runs without the cache's lock, so other keys stay
        usable meanwhile and the factory may itself use the cache for other
        keys. If ``factory()`` raises, the exception reaches the caller that
        ran it, nothing is stored, and the waiters carry on as if the key
        were still missing: one of them runs the factory next.

        Complexity: O(1) plus the cost of ``factory``.
        """
        while True:
            with self._lock:
                node = self._nodes.get(key)  # TypeError for an unhashable key
                if node is not None:
                    self._order.move_to_end(node)
                    return node.value
                flight = self._flights.get(key)
                if flight is None:  # nobody is computing it: this thread will
                    flight = self._flights[key] = Flight()
                    break
            flight.wait()  # someone else is computing it: wait, without the lock
            if flight.succeeded:
                return flight.value
            # That factory raised. Try again, as if the key were still missing.

        try:
            value = factory()
        except BaseException:
            with self._lock:
                del self._flights[key]
            flight.fail()
            raise
        with self._lock:
            self._store(key, value)
            del self._flights[key]
        flight.succeed(value)
        return value

    def delete(self, key):
        """Remove ``key``; return True if it was present, False otherwise.

        Complexity: O(1).
        """
        with self._lock:
            # Test membership first: on an empty dict, pop(key, None) returns None
            # without hashing the key, and an unhashable key must raise TypeError.
            if key not in self._nodes:
                return False
            self._order.remove(self._nodes.pop(key))
            return True

    def items(self):
        """Return a new list of ``(key, value)`` pairs, least recently used first.

        The first pair is the next to be evicted. Recency does not change.
        The list is one consistent snapshot, taken under the lock.

        Complexity: O(n).
        """
        with self._lock:
            return [(node.key, node.value) for node in self._order]

    def __len__(self):
        """The number of entries. Complexity: O(1)."""
        with self._lock:
            return len(self._nodes)

    def __contains__(self, key):
        """Whether ``key`` is present; recency does not change. Complexity: O(1)."""
        with self._lock:
            return key in self._nodes

    def to_bytes(self):
        """Return a snapshot of the whole state as bytes: capacity, entries, recency order.

        Keys may be str, int, or (nested) tuples of them; values may be None,
        bool, int, finite float, str, and lists and str-keyed dicts of these,
        nested. Anything else raises TypeError. Never changes recency. The
        entries are taken in one step under the lock; encoding runs outside it.

        Complexity: O(n), plus the size of the keys and values.
        """
        return _format.encode(self._capacity, self.items())

    @classmethod
    def from_bytes(cls, data):
        """Return a new cache equal to the snapshot ``data``: same capacity, same ``items()``.

        Raises ValueError if ``data`` is not an intact snapshot (empty,
        truncated, any byte changed, another format, an unknown version).
        Nothing in ``data`` is ever executed.

        Complexity: O(len(data)).
        """
        capacity, items = _format.decode(data)
        cache = cls(capacity)
        for key, value in items:  # least recently used first, so the order comes back as it was
            cache.put(key, value)
        return cache

    def save(self, path):
        """Write a snapshot to ``path`` (a str or os.PathLike), atomically.

        Afterwards ``path`` holds either the complete new snapshot or, if
        ``save`` raised, the previous file untouched; no temporary file is
        left behind either way. A key or value that cannot be serialized
        raises TypeError before any file is touched. The file is written
        outside the lock.

        Complexity: O(n), plus the size of the keys and values.
        """
        data = self.to_bytes()  # TypeError here, before any file is touched
        write_atomically(os.fspath(path), data)

    @classmethod
    def load(cls, path):
        """Return a new cache from a file written by ``save``.

        Raises ValueError if the file is not an intact snapshot, and OSError
        if it cannot be read.

        Complexity: O(file size).
        """
        with open(path, "rb") as file:
            data = file.read()
        return cls.from_bytes(data)

    def _store(self, key, value):
        """Put ``value`` under ``key`` as the most recent entry; the caller holds the lock."""
        node = self._nodes.get(key)  # TypeError for an unhashable key, before anything changes
        if node is not None:
            node.value = value
            self._order.move_to_end(node)
            return
        if len(self._nodes) >= self._capacity:  # full: evict the least recently used
            oldest = self._order.oldest()
            self._order.remove(oldest)
            del self._nodes[oldest.key]
        node = Node(key, value)
        self._order.append(node)
        self._nodes[key] = node

    def __repr__(self):
        return f"{type(self).__name__}(capacity={self._capacity}, items={self.items()!r})"

    def _check(self):
        """Assert the invariants; for tests, called after every change. Complexity: O(n)."""
        with self._lock:
            head, tail = self._order.head, self._order.tail
            # The sentinels close both ends of the list.
            assert head.prev is None and tail.next is None, "a sentinel has an outer neighbour"
            count = 0
            node = head
            while node.next is not tail:
                nxt = node.next
                # Links agree in both directions.
                assert nxt.prev is node, f"broken back link after key {node.key!r}"
                # Every listed node is the one the dict holds for its key.
                assert self._nodes.get(nxt.key) is nxt, f"list node {nxt.key!r} not in the dict"
                count += 1
                # No cycle: the walk ends within the dict's size.
                assert count <= len(self._nodes), "the list is longer than the dict (cycle?)"
                node = nxt
            assert tail.prev is node, "the tail's back link is stale"
            # The list and the dict hold the same entries.
            assert count == len(self._nodes), "the dict has keys the list lacks"
            # Never more entries than the capacity allows.
            assert len(self._nodes) <= self._capacity, "more entries than capacity"
