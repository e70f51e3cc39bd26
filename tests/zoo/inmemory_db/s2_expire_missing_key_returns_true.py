"""Bug: expire() records a deadline without checking that the key is live, and returns True for a missing key.
Breaks (stage 2): db.expire(key, ttl) -- 'False (and nothing else happens) if the key is missing'.
"""

import heapq
import math
import sys
import time


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")


def _check_value(value):
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, not {type(value).__name__}")


def _check_ttl(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be an int or a float, not {type(ttl).__name__}")
    if not 0 < ttl < math.inf:
        raise ValueError(f"ttl must be positive and finite, not {ttl!r}")
    return float(min(ttl, sys.float_info.max))


class InMemoryDB:
    """Values in one dict, deadlines of the keys that expire in another,
    and a heap of (deadline, key) for purge_expired()."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._values = {}
        self._deadlines = {}
        self._heap = []

    def set(self, key, value, ttl=None):
        _check_key(key)
        _check_value(value)
        if ttl is not None:
            deadline = self._clock() + _check_ttl(ttl)
            self._values[key] = value
            self._set_deadline(key, deadline)
        else:
            self._values[key] = value
            self._deadlines.pop(key, None)

    def get(self, key):
        _check_key(key)
        if not self._alive(key):
            return None
        return self._values[key]

    def delete(self, key):
        _check_key(key)
        if not self._alive(key):
            return False
        del self._values[key]
        self._deadlines.pop(key, None)
        return True

    def expire(self, key, ttl):
        _check_key(key)
        seconds = _check_ttl(ttl)
        self._set_deadline(key, self._clock() + seconds)
        return True

    def persist(self, key):
        _check_key(key)
        if not self._alive(key) or key not in self._deadlines:
            return False
        del self._deadlines[key]
        return True

    def ttl(self, key):
        _check_key(key)
        now = self._clock()
        if not self._alive(key, now):
            raise KeyError(key)
        if key not in self._deadlines:
            return None
        return self._deadlines[key] - now

    def purge_expired(self):
        return self._purge(self._clock())

    def __contains__(self, key):
        _check_key(key)
        return self._alive(key)

    def __len__(self):
        self._purge(self._clock())
        return len(self._values)

    # -- helpers ----------------------------------------------------------

    def _alive(self, key, now=None):
        """True if ``key`` is present and not expired (an expired key is dropped)."""
        if key not in self._values:
            return False
        deadline = self._deadlines.get(key)
        if deadline is None:
            return True
        if now is None:
            now = self._clock()
        if now >= deadline:
            del self._values[key]
            del self._deadlines[key]
            return False
        return True

    def _set_deadline(self, key, deadline):
        self._deadlines[key] = deadline
        heapq.heappush(self._heap, (deadline, key))
        if len(self._heap) > 2 * len(self._deadlines) + 64:
            self._heap = [(d, k) for k, d in self._deadlines.items()]
            heapq.heapify(self._heap)

    def _purge(self, now):
        removed = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            deadline, key = heapq.heappop(heap)
            if self._deadlines.get(key) == deadline:
                del self._deadlines[key]
                if self._values.pop(key, None) is not None:
                    removed += 1
        return removed
