"""What one caller waits for: a request (one call) or a sequence (one call per token).

The batcher's worker fills in the outcome; the caller waits on its own
event, so delivering an outcome never depends on which thread runs the model.
"""

import threading
import time


class Request:
    """One ``infer`` call: an input, its arrival time, and its outcome once known."""

    def __init__(self, payload, tokens=0):
        self.payload = payload
        self.tokens = tokens  # its padded length: len(payload) when there is a token budget
        self.arrived = time.monotonic()
        self.abandoned = False  # the caller gave up (timeout): never send it again
        self._done = threading.Event()
        self._output = None
        self._error = None

    @property
    def finished(self):
        return self._done.is_set() or self.abandoned

    def model_input(self):
        """What goes into the model's list for this request: the caller's own object."""
        return self.payload

    def reserved(self):
        """The longest input this request can put in a call (for the token budget)."""
        return self.tokens

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


class Sequence(Request):
    """One ``generate`` call: it stays in the running batch, one token per model call."""

    def __init__(self, prompt, max_new_tokens, stop):
        super().__init__(list(prompt), tokens=len(prompt))
        self.max_new_tokens = max_new_tokens
        self.stop = stop
        self.generated = []

    def model_input(self):
        # A new list every call: the model may keep or change it without harm.
        return self.payload + self.generated

    def reserved(self):
        # Orca-style reservation: room for the prompt and every token it may produce.
        return len(self.payload) + self.max_new_tokens

    def accept(self, token):
        self.generated.append(token)
        stopped = self.stop is not None and token == self.stop
        if stopped or len(self.generated) == self.max_new_tokens:
            super().accept(list(self.generated))
