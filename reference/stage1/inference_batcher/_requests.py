"""What one caller waits for: its input, and the outcome the worker fills in.

The caller waits on the request's own event, so handing out an outcome
never depends on which thread runs the model.
"""

import threading


class Request:
    """One ``infer`` call: an input and its outcome once known."""

    def __init__(self, payload):
        self.payload = payload
        self._done = threading.Event()
        self._output = None
        self._error = None

    def accept(self, output):
        self._output = output
        self._done.set()

    def fail(self, error):
        self._error = error
        self._done.set()

    def outcome(self):
        """Wait for the outcome: the output, or the model's exception raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._output
