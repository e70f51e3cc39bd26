"""Bug: commit() of an inner transaction throws its undo log away instead of handing it to the enclosing transaction, so a later rollback of the enclosing one cannot undo the inner changes.
Breaks (stage 3): db.commit() -- 'its changes ... become part of the enclosing transaction'; db.rollback() -- 'discarding its changes'.
"""

import heapq
import math
import sys
import time
from contextlib import contextmanager

_MISSING = object()  # in an undo log: "the key did not exist before"


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
    """Records (value, deadline) in a dict, changed in place; each open
    transaction keeps an undo log: the record each key had before the
    transaction first changed it, which a rollback puts back."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._records = {}
        self._heap = []
        self._undo = []

    # -- data -------------------------------------------------------------

    def set(self, key, value, ttl=None):
        _check_key(key)
        _check_value(value)
        deadline = None
        if ttl is not None:
            deadline = self._clock() + _check_ttl(ttl)
        self._write(key, (value, deadline))

    def get(self, key):
        _check_key(key)
        record = self._lookup(key)
        return None if record is None else record[0]

    def delete(self, key):
        _check_key(key)
        if self._lookup(key) is None:
            return False
        self._remember(key)
        del self._records[key]
        return True

    def expire(self, key, ttl):
        _check_key(key)
        seconds = _check_ttl(ttl)
        record = self._lookup(key)
        if record is None:
            return False
        self._write(key, (record[0], self._clock() + seconds))
        return True

    def persist(self, key):
        _check_key(key)
        record = self._lookup(key)
        if record is None or record[1] is None:
            return False
        self._write(key, (record[0], None))
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
        self._purge(self._clock())
        return len(self._records)

    # -- transactions -----------------------------------------------------

    @property
    def depth(self):
        return len(self._undo)

    def begin(self):
        self._undo.append({})

    def commit(self):
        if not self._undo:
            raise RuntimeError("commit() with no open transaction")
        self._undo.pop()  # the changes are in place already: nothing else to do (or so it seems)

    def rollback(self):
        if not self._undo:
            raise RuntimeError("rollback() with no open transaction")
        log = self._undo.pop()
        for key, before in log.items():
            if before is _MISSING:
                self._records.pop(key, None)
            else:
                self._put(key, before)

    @contextmanager
    def transaction(self):
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

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
                del self._records[key]
                return None
        return record

    def _remember(self, key):
        """Log the record ``key`` has now, if this transaction has not changed it yet."""
        if self._undo:
            log = self._undo[-1]
            if key not in log:
                record = self._records.get(key)
                log[key] = _MISSING if record is None else record

    def _write(self, key, record):
        self._remember(key)
        self._put(key, record)

    def _put(self, key, record):
        self._records[key] = record
        if record[1] is not None:
            heapq.heappush(self._heap, (record[1], key))
            if len(self._heap) > 2 * len(self._records) + 64:
                self._heap = [(r[1], k) for k, r in self._records.items() if r[1] is not None]
                heapq.heapify(self._heap)

    def _purge(self, now):
        removed = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            deadline, key = heapq.heappop(heap)
            record = self._records.get(key)
            if record is not None and record[1] == deadline:
                del self._records[key]
                removed += 1
        return removed
