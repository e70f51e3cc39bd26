"""In-memory database, stage 2: keys may expire, read through an injected clock."""

import time

from .expiry import ExpiryHeap
from .record import Record, is_expired
from .validation import check_key, check_ttl, check_value


class InMemoryDB:
    """A key-value store of strings, held in memory, whose keys may expire.

    Each key maps to a record ``(value, deadline)``. Expired records are
    dropped lazily when a call meets them, and in bulk by ``purge_expired``,
    which pops due entries from a heap of deadlines.

    Design note: every read and write of a record still goes through
    ``_lookup``, ``_store`` and ``_remove``, and a record carries its value
    and its deadline together. Stage 3 can then keep a transaction's changes
    as records too, so a rollback restores a value and its expiry as one.
    """

    def __init__(self, clock=time.monotonic):
        """Create an empty database that reads the time (in seconds) from ``clock()``."""
        self._clock = clock
        self._records: dict[str, Record] = {}
        self._expiry = ExpiryHeap()

    # -- public API ---------------------------------------------------------

    def set(self, key, value, ttl=None):
        """Store ``value`` under ``key``; with ``ttl``, the key expires ``ttl`` seconds from now.

        Without ``ttl`` the key never expires, and any earlier expiry is
        cleared. Raises ``TypeError``/``ValueError`` (changing nothing) for
        a bad argument.
        Complexity: O(1) on average; O(log m) with a ttl (m scheduled expiries).
        """
        check_key(key)
        check_value(value)
        deadline = None
        if ttl is not None:
            deadline = self._clock() + check_ttl(ttl)
        self._store(key, (value, deadline))

    def get(self, key):
        """Return the value under ``key``, or ``None`` when it is missing or expired.

        Complexity: O(1) on average.
        """
        check_key(key)
        record = self._lookup(key)
        if record is None:
            return None
        value, _ = record
        return value

    def delete(self, key):
        """Remove ``key``; ``True`` if it was live, ``False`` otherwise.

        Complexity: O(1) on average.
        """
        check_key(key)
        if self._lookup(key) is None:
            return False
        self._remove(key)
        return True

    def expire(self, key, ttl):
        """Make a live ``key`` expire ``ttl`` seconds from now; ``False`` if it is missing.

        Complexity: O(log m) for m scheduled expiries.
        """
        check_key(key)
        seconds = check_ttl(ttl)
        record = self._lookup(key)
        if record is None:
            return False
        value, _ = record
        self._store(key, (value, self._clock() + seconds))
        return True

    def persist(self, key):
        """Remove the expiry of a live ``key``; ``True`` if it had one.

        Complexity: O(1) on average.
        """
        check_key(key)
        record = self._lookup(key)
        if record is None:
            return False
        value, deadline = record
        if deadline is None:
            return False
        self._store(key, (value, None))
        return True

    def ttl(self, key):
        """Return the seconds ``key`` has left, ``None`` if it never expires.

        Raises ``KeyError`` when the key is missing or expired.
        Complexity: O(1) on average.
        """
        check_key(key)
        now = self._clock()
        record = self._lookup(key, now)
        if record is None:
            raise KeyError(key)
        _, deadline = record
        if deadline is None:
            return None
        return deadline - now

    def purge_expired(self):
        """Remove every expired record from memory; return how many were removed.

        Complexity: O(e log m) for e due heap entries out of m, whatever
        the number of keys.
        """
        return self._purge(self._clock())

    def __contains__(self, key):
        """Return ``True`` when ``key`` is live (``TypeError`` for a non-str key).

        Complexity: O(1) on average.
        """
        check_key(key)
        return self._lookup(key) is not None

    def __len__(self):
        """Return the number of live keys.

        Purges first, so that expired records are not counted.
        Complexity: O(1) amortized: each record is purged at most once.
        """
        self._purge(self._clock())
        return len(self._records)

    # -- storage: the only code that knows the layout ---------------------

    def _lookup(self, key, now=None):
        """The live record under ``key``, or ``None``; an expired one is dropped.

        The clock is read only for a record that has a deadline, unless the
        caller passes ``now``.
        """
        record = self._records.get(key)
        if record is None:
            return None
        _, deadline = record
        if deadline is not None:
            if now is None:
                now = self._clock()
            if is_expired(deadline, now):
                self._remove(key)
                return None
        return record

    def _store(self, key, record):
        """Write ``record`` under ``key`` and schedule its expiry."""
        self._records[key] = record
        _, deadline = record
        if deadline is not None:
            self._expiry.push(deadline, key)
            self._compact_expiry()

    def _remove(self, key):
        """Drop ``key`` (its heap entry goes stale and is skipped later)."""
        del self._records[key]

    def _purge(self, now):
        """Drop the records expired at ``now``; return how many."""
        removed = 0
        for deadline, key in self._expiry.pop_due(now):
            record = self._records.get(key)
            # A stale entry: the key is gone, or its deadline changed since.
            if record is not None and record[1] == deadline:
                del self._records[key]
                removed += 1
        return removed

    def _compact_expiry(self):
        """Rebuild the heap when stale entries outnumber the records.

        Re-setting a key with a ttl leaves its old heap entry behind; without
        this, a hot key refreshed forever would grow the heap forever. The
        rebuild is O(n) but happens only after about n pushes: O(1) amortized.
        """
        if len(self._expiry) > 2 * len(self._records) + 64:
            self._expiry.rebuild(
                (deadline, key)
                for key, (_, deadline) in self._records.items()
                if deadline is not None
            )

    def _check(self):
        """Assert the invariants of the data structures (for tests; O(n))."""
        scheduled = set(self._expiry)
        for key, (value, deadline) in self._records.items():
            # Records hold str keys and values, and float-or-None deadlines.
            assert isinstance(key, str) and isinstance(value, str), key
            # Every deadline is in the heap, or purge would miss the key.
            assert deadline is None or (deadline, key) in scheduled, key
