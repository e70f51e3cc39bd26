"""Stage 1 reference: an LRU cache on top of ``collections.OrderedDict``.

Design: storage and recency order live in one OrderedDict behind a small
API (``get``/``peek``/``put``/``delete``/``items``), and callers never see
it, so stage 2 can swap it for a hand-made list without touching callers.
The OrderedDict's order *is* the recency order: the first entry is the
least recently used, the last entry the most recently used.
"""

from collections import OrderedDict

_MISSING = object()  # a default no caller can pass, so None can be a stored value


def _validated_capacity(capacity):
    """Return ``capacity`` if it is an int >= 1; raise TypeError or ValueError otherwise."""
    # bool is a subclass of int, but LRUCache(True) is a bug, not a capacity of 1.
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    return capacity


class LRUCache:
    """A mapping of at most ``capacity`` entries that evicts the least recently used.

    "Used" means stored by ``put`` or read by ``get``; ``peek``, ``items``,
    ``len`` and ``in`` look without touching the recency order.

    Complexity: every operation O(1), except ``items()`` which is O(n).
    """

    def __init__(self, capacity):
        """Create an empty cache holding at most ``capacity`` entries.

        Raises TypeError if ``capacity`` is not an int (a bool is not one), and
        ValueError if it is less than 1.
        """
        self._capacity = _validated_capacity(capacity)
        self._entries = OrderedDict()  # key -> value, least recently used first

    @property
    def capacity(self):
        """The maximum number of entries, as given at construction."""
        return self._capacity

    def get(self, key, default=None):
        """Return the value stored under ``key`` and make ``key`` the most recently used.

        A missing key returns ``default`` and changes nothing. An unhashable
        key raises TypeError.

        Complexity: O(1).
        """
        value = self._entries.get(key, _MISSING)  # TypeError for an unhashable key
        if value is _MISSING:
            return default
        self._entries.move_to_end(key)
        return value

    def peek(self, key, default=None):
        """Return the value stored under ``key`` (or ``default``) without changing recency.

        Complexity: O(1).
        """
        return self._entries.get(key, default)

    def put(self, key, value):
        """Store ``value`` under ``key`` and make ``key`` the most recently used.

        Inserting a new key into a full cache first evicts the least recently
        used key; updating an existing key never evicts anything.

        Complexity: O(1).
        """
        if key in self._entries:  # TypeError for an unhashable key, before anything changes
            self._entries[key] = value
            self._entries.move_to_end(key)
            return
        if len(self._entries) >= self._capacity:
            self._entries.popitem(last=False)  # evict the least recently used
        self._entries[key] = value

    def delete(self, key):
        """Remove ``key``; return True if it was present, False otherwise.

        Complexity: O(1).
        """
        return self._entries.pop(key, _MISSING) is not _MISSING

    def items(self):
        """Return a new list of ``(key, value)`` pairs, least recently used first.

        The first pair is the next to be evicted. Recency does not change.

        Complexity: O(n).
        """
        return list(self._entries.items())

    def __len__(self):
        """The number of entries. Complexity: O(1)."""
        return len(self._entries)

    def __contains__(self, key):
        """Whether ``key`` is present; recency does not change. Complexity: O(1)."""
        return key in self._entries

    def __repr__(self):
        return f"{type(self).__name__}(capacity={self._capacity}, items={self.items()!r})"

    def _check(self):
        """Assert the invariants; for tests, called after every change."""
        # Never more entries than the capacity allows.
        assert len(self._entries) <= self._capacity, "more entries than capacity"
        # The capacity is still a valid one.
        assert type(self._capacity) is int and self._capacity >= 1, "capacity corrupted"
