"""In-memory database kata: your solution.

Start with stage 1 (README.md in this folder), then run:

    pytest stages/stage1

The first failure tells you which method to write next. Later stages extend
this same class, so keep storage behind a clean interface of your own.

You may split the solution into sibling modules of this folder and import
them with relative imports, for example ``from .store import Store``.
"""


class InMemoryDB:
    """A key-value store held in memory: keys and values are ``str``.

    ``key in db`` and ``len(db)`` work as for a dict. Every call that takes
    a key or a value raises ``TypeError`` for anything but a ``str``, before
    doing anything else.
    """

    def __init__(self):
        """Create an empty database."""
        # TODO: choose where the data lives. Later rounds extend this design,
        #       so keep storage behind a small interface of your own.
        raise NotImplementedError("inmemory_db: implement __init__()")

    def set(self, key, value):
        """Store ``value`` under ``key``, replacing any earlier value. Return ``None``."""
        # TODO: key and value must both be str (the empty string included);
        #       anything else raises TypeError and changes nothing.
        # TODO: validate both arguments before changing anything.
        raise NotImplementedError("inmemory_db: implement set()")

    def get(self, key):
        """Return the value stored under ``key``, or ``None`` when ``key`` is missing."""
        # TODO: a non-str key raises TypeError, even though it can never be present.
        raise NotImplementedError("inmemory_db: implement get()")

    def delete(self, key):
        """Remove ``key``: ``True`` if it was present, ``False`` otherwise."""
        # TODO: a non-str key raises TypeError; validate before anything else,
        #       even when the key is missing.
        raise NotImplementedError("inmemory_db: implement delete()")

    def __contains__(self, key):
        """``key in db``: ``True`` when ``key`` is present."""
        # TODO: a non-str key raises TypeError (not False).
        raise NotImplementedError("inmemory_db: implement __contains__()")

    def __len__(self):
        """``len(db)``: the number of keys."""
        # TODO: keep this O(1); do not count the keys one by one.
        raise NotImplementedError("inmemory_db: implement __len__()")
