"""A min-heap of ``(deadline, key)``: which keys are due to expire, earliest first."""

import heapq


class ExpiryHeap:
    """Deadlines in a heap, so finding the expired keys never scans the others.

    The heap is only a schedule: an entry may be stale (the key was deleted,
    re-set or given another deadline since). The owner decides, when an entry
    comes due, whether it still matches the key's current deadline.
    """

    def __init__(self):
        """Create an empty schedule."""
        self._heap: list[tuple[float, str]] = []

    def __len__(self):
        """Return the number of entries, stale ones included.

        Complexity: O(1).
        """
        return len(self._heap)

    def __iter__(self):
        """Iterate over the entries, stale ones included, in no particular order."""
        return iter(self._heap)

    def push(self, deadline, key):
        """Schedule ``key`` to come due at ``deadline``.

        Complexity: O(log m) for m entries.
        """
        heapq.heappush(self._heap, (deadline, key))

    def pop_due(self, now):
        """Remove and yield every entry whose deadline is at or before ``now``.

        Complexity: O(log m) per entry yielded.
        """
        heap = self._heap
        while heap and heap[0][0] <= now:
            yield heapq.heappop(heap)

    def rebuild(self, entries):
        """Replace every entry with ``entries`` (an iterable of ``(deadline, key)``).

        Complexity: O(m) for m entries.
        """
        self._heap = list(entries)
        heapq.heapify(self._heap)
