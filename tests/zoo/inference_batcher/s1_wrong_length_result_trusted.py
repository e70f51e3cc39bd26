"""Bug: the model's result is zipped with the requests without checking its length, so a short result leaves callers waiting forever and a long one is silently accepted.
Breaks (stage 1): 'A result whose len() is not the number of inputs (or fails) counts as the call raising RuntimeError'.
"""

from collections import deque
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


def _checked_size(max_batch_size):
    # bool is a subclass of int, but max_batch_size=True is a bug, not a size of 1.
    if isinstance(max_batch_size, bool) or not isinstance(max_batch_size, int):
        raise TypeError(f"max_batch_size must be an int, not {type(max_batch_size).__name__}")
    if max_batch_size < 1:
        raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
    return max_batch_size


class Batcher:
    """Serve ``model`` to many waiting callers, batching their inputs into few calls."""

    def __init__(self, model, *, max_batch_size=100):
        if not callable(model):
            raise TypeError(f"model must be callable, not {type(model).__name__}")
        self._model = model
        self._max_batch_size = _checked_size(max_batch_size)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a request arrived, or close()
        self._waiting = deque()  # requests not yet sent, oldest first
        self._closed = False
        self._worker = threading.Thread(target=self._serve, name="batcher-worker", daemon=True)
        self._worker.start()

    @property
    def pending(self):
        """The number of accepted requests not yet sent to the model."""
        with self._lock:
            return len(self._waiting)

    def infer(self, x):
        """Send ``x`` through the model in some batch; return its output (blocks)."""
        request = Request(x)
        with self._lock:
            if self._closed:
                raise RuntimeError("the batcher is closed")
            self._waiting.append(request)
            self._changed.notify()
        return request.outcome()

    def close(self):
        """Stop accepting calls; return once every accepted request has its outcome."""
        with self._lock:
            self._closed = True
            self._changed.notify_all()
        if threading.current_thread() is not self._worker:
            self._worker.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _serve(self):
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if not self._waiting:
                    return  # closed, and every accepted request is served
                size = min(self._max_batch_size, len(self._waiting))
                batch = [self._waiting.popleft() for _ in range(size)]
            self._run(batch)

    def _run(self, batch):
        """One model call, outside the lock; each output back to its own caller by position."""
        try:
            outputs = list(self._model([r.payload for r in batch]))
        except Exception as error:  # the model's failure is its callers' outcome
            for request in batch:
                request.fail(error)
            return
        for request, output in zip(batch, outputs):
            request.accept(output)


def _checked(outputs, expected):
    """``outputs`` as a list, or RuntimeError if it is not one output per input."""
    try:
        count = len(outputs)
    except Exception as error:
        raise RuntimeError(f"the model returned a {type(outputs).__name__}, with no len()") from error
    if count != expected:
        raise RuntimeError(f"the model returned {count} outputs for {expected} inputs")
    return list(outputs)
