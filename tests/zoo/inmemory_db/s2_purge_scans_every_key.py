"""Bug: purge_expired() (and len(), once any key has a ttl) walk the whole dict looking for expired keys: linear in the database size.
Breaks (stage 2): 'purge_expired() costs time proportional to the number of expired entries ..., not to the size of the database'.
"""

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
    """Records (value, deadline) in a dict."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._records = {}
        self._timed = 0  # records with a deadline: len() needs no walk while there are none

    def set(self, key, value, ttl=None):
        _check_key(key)
        _check_value(value)
        deadline = None
        if ttl is not None:
            deadline = self._clock() + _check_ttl(ttl)
        self._store(key, (value, deadline))

    def get(self, key):
        _check_key(key)
        record = self._lookup(key)
        return None if record is None else record[0]

    def delete(self, key):
        _check_key(key)
        if self._lookup(key) is None:
            return False
        self._drop(key)
        return True

    def expire(self, key, ttl):
        _check_key(key)
        seconds = _check_ttl(ttl)
        record = self._lookup(key)
        if record is None:
            return False
        self._store(key, (record[0], self._clock() + seconds))
        return True

    def persist(self, key):
        _check_key(key)
        record = self._lookup(key)
        if record is None or record[1] is None:
            return False
        self._store(key, (record[0], None))
        return True

    def ttl(self, key):
        _check_key(key)
        now = self._clock()
        record = self._lookup(key, now)
        if record is None:
            raise KeyError(key)
        if record[1] is None:
            return None
        return record[1] - now

    def purge_expired(self):
        return self._purge(self._clock())

    def __contains__(self, key):
        _check_key(key)
        return self._lookup(key) is not None

    def __len__(self):
        if self._timed:
            self._purge(self._clock())
        return len(self._records)

    # -- storage ----------------------------------------------------------

    def _lookup(self, key, now=None):
        """The live record of ``key``, or None (an expired one is dropped)."""
        record = self._records.get(key)
        if record is None:
            return None
        if record[1] is not None:
            if now is None:
                now = self._clock()
            if now >= record[1]:
                self._drop(key)
                return None
        return record

    def _store(self, key, record):
        if key in self._records:
            self._drop(key)
        self._records[key] = record
        self._timed += record[1] is not None

    def _drop(self, key):
        self._timed -= self._records.pop(key)[1] is not None

    def _purge(self, now):
        expired = [
            key for key, (_, deadline) in self._records.items()
            if deadline is not None and now >= deadline
        ]
        for key in expired:
            self._drop(key)
        return len(expired)
