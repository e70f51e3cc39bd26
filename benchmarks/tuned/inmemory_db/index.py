"""The committed keys in sorted order, for range scans."""

from sortedcontainers import SortedList


class SortedIndex:
    """A sorted set of keys whose inserts cost O(1) until the next range read.

    New keys wait in a plain set and join the ``SortedList`` when a scan
    needs order. A run of inserts then costs one sort instead of one
    ``SortedList.add`` each (about ten times dearer than a dict write), so
    ``set`` stays close to a dict; a scan after a single insert pays one
    ``add``, as an eager index would. Either way each key is sorted in once.
    """

    def __init__(self):
        """Create an empty index."""
        self._sorted = SortedList()
        self._pending: set[str] = set()

    def __len__(self):
        """Return the number of keys.

        Complexity: O(1).
        """
        return len(self._sorted) + len(self._pending)

    def __iter__(self):
        """Iterate over every key in ascending order."""
        self._catch_up()
        return iter(self._sorted)

    def add(self, key):
        """Add ``key``, which must not be in the index yet.

        Complexity: O(1) on average (sorting is deferred to the next read).
        """
        self._pending.add(key)

    def discard(self, key):
        """Remove ``key`` if it is in the index.

        Complexity: O(log n).
        """
        if key in self._pending:
            self._pending.remove(key)
        else:
            self._sorted.discard(key)

    def keys_from(self, start, inclusive):
        """Iterate in ascending order over the keys >= ``start`` (> ``start`` unless ``inclusive``).

        Complexity: O(log n) to start, O(1) per key, after sorting in any
        pending keys: O(p log n) for p of them.
        """
        self._catch_up()
        return self._sorted.irange(minimum=start, inclusive=(inclusive, True))

    def _catch_up(self):
        """Sort the pending keys into the ``SortedList``."""
        if self._pending:
            self._sorted.update(self._pending)
            self._pending.clear()
