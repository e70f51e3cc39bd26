"""Bug: get() indexes the dict, so a missing key raises KeyError instead of returning None.
Breaks (stage 1): db.get(key) -- 'the value, or None when key is missing'.
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
        return self._data[key]

    def delete(self, key):
        _check_key(key)
        if key in self._data:
            del self._data[key]
            return True
        return False

    def __contains__(self, key):
        _check_key(key)
        return key in self._data

    def __len__(self):
        return len(self._data)
