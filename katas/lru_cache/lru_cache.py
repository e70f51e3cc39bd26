"""LRU cache kata: your solution.

Start with stage 1 (README.md in this folder), then run:

    pytest stages/stage1

The first failure tells you which method to write next. Later stages add
constraints to this same class, so keep storage separate from the eviction
policy.

You may split the solution into sibling modules of this folder and import
them with relative imports, for example ``from .node import Node``.
"""


class LRUCache:
    """A mapping of at most ``capacity`` entries that evicts the least recently used.

    "Used" means stored by ``put`` or read by ``get``. ``peek``, ``items``,
    ``len(cache)`` and ``key in cache`` never change the recency order.
    """

    def __init__(self, capacity):
        """Create an empty cache holding at most ``capacity`` entries.

        ``capacity`` is an ``int`` >= 1. A ``bool`` or any non-int raises
        ``TypeError``; an int < 1 raises ``ValueError``.
        """
        # TODO: validate capacity. bool is a subclass of int, yet LRUCache(True) raises TypeError.
        # TODO: decide where entries and their recency order live, behind this class's methods.
        raise NotImplementedError("lru_cache: implement __init__()")

    @property
    def capacity(self):
        """The capacity given at construction."""
        # TODO: return the capacity exactly as given.
        raise NotImplementedError("lru_cache: implement capacity()")

    def get(self, key, default=None):
        """Return the value stored under ``key``, and make ``key`` the most recently used.

        A missing key returns ``default`` and changes nothing.
        """
        # TODO: an unhashable key (a list, a dict) raises TypeError.
        # TODO: a stored value may be None: tell "missing" apart from "stored None".
        raise NotImplementedError("lru_cache: implement get()")

    def peek(self, key, default=None):
        """Like ``get``, but never changes recency."""
        # TODO: an unhashable key raises TypeError.
        raise NotImplementedError("lru_cache: implement peek()")

    def put(self, key, value):
        """Store ``value`` under ``key`` and make ``key`` the most recently used.

        Inserting a new key into a full cache first evicts the least recently
        used key. Updating an existing key never evicts anything. Returns
        ``None``.
        """
        # TODO: an unhashable key raises TypeError, and nothing changes (no eviction either).
        # TODO: afterwards len(self) <= self.capacity, always.
        raise NotImplementedError("lru_cache: implement put()")

    def delete(self, key):
        """Remove ``key``; return ``True`` if it was present, ``False`` otherwise."""
        # TODO: an unhashable key raises TypeError.
        raise NotImplementedError("lru_cache: implement delete()")

    def items(self):
        """Return a new ``list`` of ``(key, value)`` tuples, least recently used first.

        The first pair is the next to be evicted. Never changes recency. A
        ``tuple`` subclass (a named tuple) is fine for the pairs.
        """
        # TODO: return a fresh list each call: changing it must not change the cache.
        raise NotImplementedError("lru_cache: implement items()")

    def __len__(self):
        """The number of entries. Never changes recency."""
        # TODO: never more than the capacity.
        raise NotImplementedError("lru_cache: implement __len__()")

    def __contains__(self, key):
        """Whether ``key`` is present (``key in cache``). Never changes recency."""
        # TODO: an unhashable key raises TypeError.
        raise NotImplementedError("lru_cache: implement __contains__()")
