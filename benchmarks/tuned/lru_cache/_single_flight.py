"""The record of one factory call in progress, for single-flight ``get_or_set``."""

import threading


class Flight:
    """One running ``factory()`` for one key: later callers wait on it instead of calling again.

    The thread that created the flight runs the factory, then calls
    ``succeed(value)`` or ``fail()``; every other caller for that key calls
    ``wait()`` and then reads ``succeeded`` and ``value``. ``Event.set``
    happens before ``Event.wait`` returns, so waiters see the value.
    """

    __slots__ = ("_done", "_owner", "succeeded", "value")

    def __init__(self):
        self._done = threading.Event()
        self._owner = threading.get_ident()  # the thread running the factory
        self.succeeded = False
        self.value = None

    def succeed(self, value):
        """Publish the factory's result and wake every waiter."""
        self.value = value
        self.succeeded = True
        self._done.set()

    def fail(self):
        """Wake every waiter without a result: the factory raised."""
        self._done.set()

    def wait(self):
        """Block until the factory has finished, one way or the other.

        Raises RuntimeError instead of waiting forever if the factory itself
        asks for its own key.
        """
        if self._owner == threading.get_ident():
            raise RuntimeError(
                "get_or_set: the factory for this key asked for the same key; it would wait forever"
            )
        self._done.wait()
