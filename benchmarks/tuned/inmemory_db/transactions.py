"""Open transactions as a stack of change maps, innermost last."""

from .record import TOMBSTONE


class TransactionStack(list):
    """The open transactions, outermost first: each one a dict of the keys it changed.

    A change is ``key -> record`` (the key's new record) or
    ``key -> TOMBSTONE`` (deleted in that transaction).

    A transaction records only the keys it changed, so opening one costs
    nothing, committing one is a dict merge into its parent and rolling one
    back is dropping its dict. What the changes mean (values, expiries) is
    the database's business: here they are opaque records.

    It is a ``list`` of dicts, so ``len()``, truth tests and ``pop()`` (close
    the innermost transaction, returning its changes) are the list's own,
    as cheap as the database's hot paths need.
    """

    def begin(self):
        """Open a transaction inside the innermost one.

        Complexity: O(1).
        """
        self.append({})

    def write(self, key, record):
        """Record ``record`` (or ``TOMBSTONE``) as the innermost transaction's change to ``key``.

        Complexity: O(1) on average.
        """
        self[-1][key] = record

    def find(self, key):
        """Return ``(True, change)`` from the innermost transaction that changed ``key``.

        ``(False, TOMBSTONE)`` when no open transaction changed it.
        Complexity: O(d) for d open transactions.
        """
        for changes in reversed(self):
            if key in changes:
                return True, changes[key]
        return False, TOMBSTONE

    def absorb(self, changes):
        """Merge ``changes`` (from a closed child) into the innermost transaction.

        Complexity: O(c) for c changed keys.
        """
        self[-1].update(changes)

    def changes(self):
        """Return every open transaction's changes, flattened: the innermost wins.

        Complexity: O(c) for c changes across the open transactions.
        """
        merged = {}
        for changes in self:
            merged.update(changes)
        return merged
