"""Bug: len() counts the keys one by one (a generator over the dict) instead of asking the dict: O(n) per call.
Breaks (stage 1): 'get, set, delete, in and len cost O(1) on average, at every stage ... (a len that counts keys one by one fails)'.
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
        if key in self._data:
            del self._data[key]
            return True
        return False

    def __contains__(self, key):
        _check_key(key)
        return key in self._data

    def __len__(self):
        return sum(1 for _ in self._data)
