"""Bug: delete() leaves a tombstone in the dict, and len() counts the tombstones as keys.
Breaks (stage 1): 'key in db, len(db) -- membership; number of keys'.
"""

def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")


def _check_value(value):
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, not {type(value).__name__}")


_DELETED = object()  # a deleted key keeps its slot


class InMemoryDB:
    """A dict of str -> str behind a validated interface."""

    def __init__(self):
        self._data = {}

    def set(self, key, value):
        _check_key(key)
        _check_value(value)
        self._data[key] = value

    def get(self, key):
        _check_key(key)
        value = self._data.get(key)
        return None if value is _DELETED else value

    def delete(self, key):
        _check_key(key)
        if self._data.get(key, _DELETED) is _DELETED:
            return False
        self._data[key] = _DELETED
        return True

    def __contains__(self, key):
        _check_key(key)
        return self._data.get(key, _DELETED) is not _DELETED

    def __len__(self):
        return len(self._data)
