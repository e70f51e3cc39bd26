"""What one caller waits for: its input, its arrival time, and the outcome the worker fills in.

The caller waits on its own event, with its own timeout, so handing out an
outcome never depends on which thread runs the model.
"""

import threading
import time


class Request:
    """One ``infer`` call: an input, its arrival time, and its outcome once known."""

    def __init__(self, payload):
        self.payload = payload
        self.arrived = time.monotonic()
        self.abandoned = False  # the caller gave up (timeout): never send it again
        self._done = threading.Event()
        self._output = None
        self._error = None

    def accept(self, output):
        self._output = output
        self._done.set()

    def fail(self, error):
        self._error = error
        self._done.set()

    def wait(self, timeout):
        return self._done.wait(timeout)

    def outcome(self):
        if self._error is not None:
            raise self._error
        return self._output

