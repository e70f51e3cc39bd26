"""In-memory database, stage 4, tuned: ``get``/``set``/``delete`` have inline fast paths.

Not for copying (see ``__init__.py``): those three check their arguments
inline and, with no transaction open and no expiry involved, repeat what
``_lookup``/``_store``/``_remove`` do instead of calling them.
"""

import heapq
import time
from contextlib import contextmanager

from .expiry import ExpiryHeap
from .index import SortedIndex
from .record import TOMBSTONE, Record, is_expired
from .transactions import TransactionStack
from .validation import check_key, check_scan, check_ttl, key_type_error, value_type_error


class InMemoryDB:
    """A key-value store of strings, held in memory, with expiry, nested transactions and scans.

    The committed data is a dict of records ``(value, deadline)``. Each open
    transaction holds only the records it changed (a tombstone for a
    deletion), stacked over the committed data: reads look through the stack
    from the innermost transaction down, writes go to the innermost one.

    A sorted index of the committed keys sits beside the dict; a scan walks
    it from the prefix and merges in the keys the open transactions changed.

    Design note: the committed data is written only by ``_put_committed``
    and ``_drop_committed``, so keeping the index in step took one line in
    each, and the transaction stack did not change at all. (``get`` and
    ``set`` were also trimmed for speed: see the comment in ``set``.)
    """

    def __init__(self, clock=time.monotonic):
        """Create an empty database that reads the time (in seconds) from ``clock()``."""
        self._clock = clock
        self._records: dict[str, Record] = {}
        self._expiry = ExpiryHeap()
        self._index = SortedIndex()
        self._transactions = TransactionStack()

    # -- public API: data ---------------------------------------------------

    def set(self, key, value, ttl=None):
        """Store ``value`` under ``key``; with ``ttl``, the key expires ``ttl`` seconds from now.

        Without ``ttl`` the key never expires, and any earlier expiry is
        cleared. Raises ``TypeError``/``ValueError`` (changing nothing) for
        a bad argument.
        Complexity: O(1) on average; O(log m) with a ttl (m scheduled expiries).
        """
        # Fast path. get, set and delete are held to a few times the cost of
        # a plain dict, and each Python call costs about as much as a dict
        # write. So these three check their arguments inline and, in the
        # common case (no transaction open, no expiry involved), do what
        # _store/_lookup/_remove would do without calling them.
        if not isinstance(key, str):
            raise key_type_error(key)
        if not isinstance(value, str):
            raise value_type_error(value)
        if ttl is None and not self._transactions:
            if key not in self._records:
                self._index.add(key)
            self._records[key] = (value, None)
            return
        deadline = None
        if ttl is not None:
            deadline = self._clock() + check_ttl(ttl)
        self._store(key, (value, deadline))

    def get(self, key):
        """Return the value under ``key``, or ``None`` when it is missing or expired.

        Complexity: O(1) on average, O(d) inside d open transactions.
        """
        if not isinstance(key, str):
            raise key_type_error(key)
        record = self._records.get(key)
        if record is not None and record[1] is None and not self._transactions:
            return record[0]  # fast path: see set()
        record = self._lookup(key)
        if record is None:
            return None
        value, _ = record
        return value

    def delete(self, key):
        """Remove ``key``; ``True`` if it was live, ``False`` otherwise.

        Complexity: O(1) on average (O(log n) for a key already sorted into
        the index), O(d) inside d open transactions.
        """
        if not isinstance(key, str):
            raise key_type_error(key)
        if not self._transactions:  # fast path: see set()
            record = self._records.get(key)
            if record is None:
                return False
            if record[1] is None:
                self._drop_committed(key)
                return True
        if self._lookup(key) is None:
            return False
        self._remove(key)
        return True

    def expire(self, key, ttl):
        """Make a live ``key`` expire ``ttl`` seconds from now; ``False`` if it is missing.

        Complexity: O(log m) for m scheduled expiries, O(d) inside d open transactions.
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

        Complexity: O(1) on average, O(d) inside d open transactions.
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
        Complexity: O(1) on average, O(d) inside d open transactions.
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
        """Remove every expired committed record from memory; return how many.

        Inside a transaction this changes no read: an expired committed
        record is invisible in every view, now and after any commit or
        rollback, whatever the transactions hold above it.
        Complexity: O(e log m) for e due heap entries out of m.
        """
        return self._purge(self._clock())

    def __contains__(self, key):
        """Return ``True`` when ``key`` is live (``TypeError`` for a non-str key).

        Complexity: O(1) on average, O(d) inside d open transactions.
        """
        check_key(key)
        return self._lookup(key) is not None

    def __len__(self):
        """Return the number of live keys in the innermost transaction's view.

        Complexity: O(1) amortized outside transactions; O(c) more for c
        keys changed by the open transactions.
        """
        now = self._clock()
        self._purge(now)  # from here on, every committed record is live
        count = len(self._records)
        if self._transactions:
            for key, record in self._transactions.changes().items():
                committed_live = key in self._records
                live = record is not TOMBSTONE and not is_expired(record[1], now)
                count += live - committed_live
        return count

    def scan(self, prefix="", *, start_after=None, limit=None):
        """Return ``(key, value)`` for the live keys starting with ``prefix``, in key order.

        ``prefix`` is literal (no wildcards). With ``start_after``, only keys
        strictly greater than it; with ``limit``, at most that many pairs.
        Paging with ``start_after`` set to the last key of the previous page
        visits every matching key once.
        Complexity: O(log n + k) for k pairs out of n keys, plus the keys
        the open transactions changed and any expired, unpurged keys met.
        """
        check_scan(prefix, start_after, limit)
        if limit == 0:
            return []
        now = self._clock()
        if start_after is None or start_after < prefix:
            keys = self._index.keys_from(prefix, inclusive=True)
        else:
            keys = self._index.keys_from(start_after, inclusive=False)
        changes = {}
        if self._transactions:
            changes = self._transactions.changes()
            changed_keys = sorted(
                key for key in changes
                if key.startswith(prefix) and (start_after is None or key > start_after)
            )
            keys = _merge_unique(_while_prefixed(keys, prefix), changed_keys)
        result = []
        # Stop at the first key without the prefix: the keys that start with
        # it are contiguous in sorted order, so no upper bound is needed.
        for key in keys:
            if not key.startswith(prefix):
                break
            record = changes[key] if key in changes else self._records[key]
            if record is TOMBSTONE or is_expired(record[1], now):
                continue
            result.append((key, record[0]))
            if len(result) == limit:
                break
        return result

    # -- public API: transactions --------------------------------------------

    @property
    def depth(self):
        """The number of open transactions."""
        return len(self._transactions)

    def begin(self):
        """Open a transaction, nested inside any open one.

        Complexity: O(1).
        """
        self._transactions.begin()

    def commit(self):
        """Close the innermost transaction, keeping its changes.

        They join the enclosing transaction, or the committed data when this
        was the outermost. Raises ``RuntimeError`` when none is open.
        Complexity: O(c) for the c keys this transaction changed.
        """
        if not self._transactions:
            raise RuntimeError("commit() with no open transaction")
        changes = self._transactions.pop()
        if self._transactions:
            self._transactions.absorb(changes)
            return
        for key, record in changes.items():
            if record is not TOMBSTONE:
                self._put_committed(key, record)
            elif key in self._records:
                self._drop_committed(key)

    def rollback(self):
        """Close the innermost transaction, discarding its changes.

        Raises ``RuntimeError`` when none is open.
        Complexity: O(c) at most, for the c keys it changed (freeing its dict).
        """
        if not self._transactions:
            raise RuntimeError("rollback() with no open transaction")
        self._transactions.pop()

    @contextmanager
    def transaction(self):
        """``with db.transaction():`` begin; commit on normal exit, roll back if the block raises.

        The ``as`` target is the database; the exception propagates.
        """
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    # -- storage: the only code that knows the layout ---------------------

    def _lookup(self, key, now=None):
        """The live record under ``key`` in the innermost view, or ``None``.

        The clock is read only for a record that has a deadline, unless the
        caller passes ``now``. An expired committed record met here is
        dropped: it is invisible in every view, so no read can tell.
        """
        if self._transactions:
            changed, record = self._transactions.find(key)
            if changed:
                if record is TOMBSTONE:
                    return None
                _, deadline = record
                if deadline is not None:
                    if now is None:
                        now = self._clock()
                    if is_expired(deadline, now):
                        return None
                return record
        record = self._records.get(key)
        if record is None:
            return None
        _, deadline = record
        if deadline is not None:
            if now is None:
                now = self._clock()
            if is_expired(deadline, now):
                self._drop_committed(key)
                return None
        return record

    def _store(self, key, record):
        """Write ``record`` under ``key`` in the innermost transaction, or commit it."""
        if self._transactions:
            self._transactions.write(key, record)
        else:
            self._put_committed(key, record)

    def _remove(self, key):
        """Delete ``key`` in the innermost transaction, or from the committed data."""
        if self._transactions:
            self._transactions.write(key, TOMBSTONE)
        else:
            self._drop_committed(key)

    # -- committed data: the dict of records and its expiry schedule -------

    def _put_committed(self, key, record):
        """Write ``record`` under ``key`` in the committed data, its index and its schedule."""
        if key not in self._records:
            self._index.add(key)
        self._records[key] = record
        _, deadline = record
        if deadline is not None:
            self._expiry.push(deadline, key)
            self._compact_expiry()

    def _drop_committed(self, key):
        """Delete ``key`` from the committed data and its index (its heap entry goes stale)."""
        del self._records[key]
        self._index.discard(key)

    def _purge(self, now):
        """Drop the committed records expired at ``now``; return how many."""
        removed = 0
        for deadline, key in self._expiry.pop_due(now):
            record = self._records.get(key)
            # A stale entry: the key is gone, or its deadline changed since.
            if record is not None and record[1] == deadline:
                self._drop_committed(key)
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
            # Records hold str values and float-or-None deadlines.
            assert isinstance(key, str) and isinstance(value, str), key
            # Every committed deadline is in the heap, or purge would miss it.
            assert deadline is None or (deadline, key) in scheduled, key
        # The index holds exactly the committed keys, in order.
        assert list(self._index) == sorted(self._records)
        for layer in self._transactions:
            for key, record in layer.items():
                # A change is a tombstone or a (str, deadline) record.
                assert record is TOMBSTONE or isinstance(record[0], str), key


def _while_prefixed(keys, prefix):
    """Yield from the ascending ``keys`` until one does not start with ``prefix``."""
    for key in keys:
        if not key.startswith(prefix):
            return
        yield key


def _merge_unique(first, second):
    """Merge two ascending iterables of keys, yielding a key found in both once."""
    previous = None
    for key in heapq.merge(first, second):
        if key != previous:
            yield key
        previous = key
