"""In-memory database, stage 1: a dict behind a small, validated interface."""

from .validation import check_key, check_value


class InMemoryDB:
    """A key-value store of strings, held in memory.

    Every public method validates its arguments first, then reads or writes
    only through ``_lookup``, ``_store`` and ``_remove``.

    Design note: those three helpers are the only code that touches the
    dict. Stage 2 attaches an expiry to each record by changing them alone;
    the public methods and their signatures stay as they are.
    """

    def __init__(self):
        """Create an empty database."""
        self._data: dict[str, str] = {}

    # -- public API ---------------------------------------------------------

    def set(self, key, value):
        """Store ``value`` under ``key``, replacing any earlier value.

        Raises ``TypeError`` (and changes nothing) unless both are ``str``.
        Complexity: O(1) on average.
        """
        check_key(key)
        check_value(value)
        self._store(key, value)

    def get(self, key):
        """Return the value under ``key``, or ``None`` when it is missing.

        Complexity: O(1) on average.
        """
        check_key(key)
        return self._lookup(key)

    def delete(self, key):
        """Remove ``key``; return ``True`` if it was present, ``False`` otherwise.

        Complexity: O(1) on average.
        """
        check_key(key)
        return self._remove(key)

    def __contains__(self, key):
        """Return ``True`` when ``key`` is present (``TypeError`` for a non-str key).

        Complexity: O(1) on average.
        """
        check_key(key)
        return self._lookup(key) is not None

    def __len__(self):
        """Return the number of keys.

        Complexity: O(1).
        """
        return len(self._data)

    # -- storage: the only code that knows the layout ---------------------

    def _lookup(self, key):
        """The value stored under ``key``, or ``None``."""
        return self._data.get(key)

    def _store(self, key, value):
        """Write ``value`` under ``key``."""
        self._data[key] = value

    def _remove(self, key):
        """Drop ``key``; ``True`` if it was there."""
        return self._data.pop(key, None) is not None
