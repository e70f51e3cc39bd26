"""A correct stage 1 cache that prints a lot in every call: chatty is not wrong.

Its prints go to fds 1 and 2, which the judge's worker points at /dev/null
before importing it: they never corrupt the protocol nor fail for a size limit.
"""

import sys

NOISE = "debug: " + "x" * 2000


def _chat():
    print(NOISE)
    print(NOISE, file=sys.stderr)


def _check_capacity(capacity):
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise TypeError("capacity must be an int")
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    return capacity


class LRUCache:
    def __init__(self, capacity):
        self._capacity = _check_capacity(capacity)
        self._values = {}
        self._order = []  # least recently used first

    @property
    def capacity(self):
        return self._capacity

    def _touch(self, key):
        self._order.remove(key)
        self._order.append(key)

    def get(self, key, default=None):
        _chat()
        if key not in self._values:
            return default
        self._touch(key)
        return self._values[key]

    def peek(self, key, default=None):
        return self._values.get(key, default)

    def put(self, key, value):
        _chat()
        if key in self._values:
            self._touch(key)
        else:
            if len(self._values) >= self._capacity:
                del self._values[self._order.pop(0)]
            self._order.append(key)
        self._values[key] = value

    def delete(self, key):
        if key not in self._values:
            return False
        del self._values[key]
        self._order.remove(key)
        return True

    def items(self):
        return [(key, self._values[key]) for key in self._order]

    def __len__(self):
        return len(self._values)

    def __contains__(self, key):
        return key in self._values
