"""The recency order: a doubly linked list of nodes, written by hand.

This module is pure mechanism: it knows nothing of capacity or eviction.
The cache (the policy) decides when a node moves or goes; the list only
makes each of those moves O(1).
"""


class Node:
    """One cache entry: its key, its value, and its neighbours in recency order."""

    # __slots__: no per-node __dict__, so each entry costs a few pointers
    # instead of a small dict.
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key=None, value=None):
        self.key = key
        self.value = value
        self.prev = None
        self.next = None


class RecencyList:
    """Nodes between two sentinels, least recently used first.

    The sentinels ``head`` and ``tail`` are never removed and hold no entry,
    so every real node always has both neighbours: no ``if node is first``
    special cases anywhere.

    Complexity: every method O(1), except iteration which is O(n).
    """

    __slots__ = ("head", "tail")

    def __init__(self):
        self.head = Node()  # before the least recently used node
        self.tail = Node()  # after the most recently used node
        self.head.next = self.tail
        self.tail.prev = self.head

    def append(self, node):
        """Link ``node`` in as the most recently used. Complexity: O(1)."""
        last = self.tail.prev
        node.prev = last
        node.next = self.tail
        last.next = node
        self.tail.prev = node

    def remove(self, node):
        """Unlink ``node`` from the list. Complexity: O(1)."""
        node.prev.next = node.next
        node.next.prev = node.prev
        node.prev = node.next = None

    def move_to_end(self, node):
        """Make ``node``, already in the list, the most recently used. Complexity: O(1)."""
        # Unlink it from its neighbours ...
        node.prev.next = node.next
        node.next.prev = node.prev
        # ... and link it back in before the tail.
        last = self.tail.prev
        node.prev = last
        node.next = self.tail
        last.next = node
        self.tail.prev = node

    def oldest(self):
        """The least recently used node, or None if the list is empty. Complexity: O(1)."""
        first = self.head.next
        return None if first is self.tail else first

    def __iter__(self):
        """Yield the nodes, least recently used first. Complexity: O(n)."""
        node = self.head.next
        while node is not self.tail:
            yield node
            node = node.next
