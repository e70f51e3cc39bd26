"""Bug: delete() removes the key but returns nothing.
Breaks (stage 1): db.delete(key) -- 'removes key; True if it was present, False otherwise'.
"""

def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")


def _check_value(value):
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, not {type(value).__name__}")


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
        return self._data.get(key)

    def delete(self, key):
        _check_key(key)
        self._data.pop(key, None)

    def __contains__(self, key):
        _check_key(key)
        return key in self._data

    def __len__(self):
        return len(self._data)
