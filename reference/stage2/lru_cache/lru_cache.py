"""Stage 2 reference: an LRU cache from a plain dict and a hand-made linked list.

Design: the dict maps each key to its node (storage); the RecencyList in
``_recency.py`` orders the nodes (mechanism); this class only decides what
moves and what goes (policy). The public API is stage 1's, unchanged, so
stage 3 can add persistence as a separate module that reads ``items()``
and the capacity, without knowing about nodes.
"""

from ._recency import Node, RecencyList


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

    Complexity: every operation O(1) on average (one dict lookup and a few
    pointer writes), except ``items()`` which is O(n). Memory is O(capacity).
    """

    def __init__(self, capacity):
        """Create an empty cache holding at most ``capacity`` entries.

        Raises TypeError if ``capacity`` is not an int (a bool is not one), and
        ValueError if it is less than 1.
        """
        self._capacity = _validated_capacity(capacity)
        self._nodes = {}  # key -> Node
        self._order = RecencyList()  # the same nodes, least recently used first

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
        node = self._nodes.get(key)  # TypeError for an unhashable key
        if node is None:
            return default
        self._order.move_to_end(node)
        return node.value

    def peek(self, key, default=None):
        """Return the value stored under ``key`` (or ``default``) without changing recency.

        Complexity: O(1).
        """
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

    def delete(self, key):
        """Remove ``key``; return True if it was present, False otherwise.

        Complexity: O(1).
        """
        # Test membership first: on an empty dict, pop(key, None) returns None
        # without hashing the key, and an unhashable key must raise TypeError.
        if key not in self._nodes:
            return False
        self._order.remove(self._nodes.pop(key))
        return True

    def items(self):
        """Return a new list of ``(key, value)`` pairs, least recently used first.

        The first pair is the next to be evicted. Recency does not change.

        Complexity: O(n).
        """
        return [(node.key, node.value) for node in self._order]

    def __len__(self):
        """The number of entries. Complexity: O(1)."""
        return len(self._nodes)

    def __contains__(self, key):
        """Whether ``key`` is present; recency does not change. Complexity: O(1)."""
        return key in self._nodes

    def __repr__(self):
        return f"{type(self).__name__}(capacity={self._capacity}, items={self.items()!r})"

    def _check(self):
        """Assert the invariants; for tests, called after every change. Complexity: O(n)."""
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
