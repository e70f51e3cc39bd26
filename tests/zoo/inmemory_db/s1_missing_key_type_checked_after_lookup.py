"""Bug: get() and `in` look the key up first and validate it only when it is present: get(1) gives None, `1 in db` gives False.
Breaks (stage 1): 'Arguments are validated before anything else: a call with an invalid argument raises, even when the key is missing.'
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
        if key not in self._data:
            return None
        _check_key(key)
        return self._data[key]

    def delete(self, key):
        _check_key(key)
        if key in self._data:
            del self._data[key]
            return True
        return False

    def __contains__(self, key):
        if key not in self._data:
            return False
        _check_key(key)
        return True

    def __len__(self):
        return len(self._data)
