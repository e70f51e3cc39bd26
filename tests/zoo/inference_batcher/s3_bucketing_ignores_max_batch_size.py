"""Bug: the bucketing fill loop checks the token budget but forgets max_batch_size, so many short inputs make calls larger than max_batch_size.
Breaks (stage 3): 'Each model call gets ... at most max_batch_size inputs'; with max_tokens the batcher may choose which requests share a call 'within' the stage 1 rules.
"""

from collections import deque
import math
import threading
import time


def _check_count(name, value, *, optional=False):
    """Return ``value`` if it is an ``int`` >= 1 (or ``None`` when optional)."""
    if optional and value is None:
        return None
    # bool is a subclass of int, but max_batch_size=True is a bug, not a size of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _check_seconds(name, value, *, optional=False, zero_allowed=False):
    """Return ``value`` if it is a finite number of seconds (``None`` when optional)."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be an int or a float, not {type(value).__name__}")
    low_ok = value >= 0 if zero_allowed else value > 0
    if not (low_ok and math.isfinite(value)):  # NaN fails both
        bound = ">= 0" if zero_allowed else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return value


def _check_length(x, max_tokens):
    """``len(x)``, checked against ``max_tokens``: the token cost of one input."""
    try:
        size = len(x)
    except TypeError:
        raise TypeError(f"with max_tokens, an input needs a len(); {type(x).__name__} has none") from None
    if size > max_tokens:
        raise ValueError(f"input of length {size} is longer than max_tokens={max_tokens}")
    return size


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

    def reserved(self):
        """The tokens this request puts in a call (for the token budget).

        A method rather than the attribute, so that a request that grows (a
        generated sequence) can count its growth without the policy changing.
        """
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


def oldest_first(waiting, members, max_batch_size):
    """As many of the oldest waiting requests as there is room for."""
    return list(waiting[: max_batch_size - len(members)])


def padded_cost(requests):
    """A call's padded cost: its number of inputs times its longest (as reserved)."""
    return len(requests) * max((r.reserved() for r in requests), default=0)


def bucketed(waiting, members, max_batch_size, max_tokens):
    """The oldest waiting request, then the nearest in length, while the budget holds.

    Always starting from the oldest means no request waits behind newer ones
    (nothing starves), and filling with similar lengths keeps padding low.
    """
    if not waiting or len(members) >= max_batch_size:
        return []
    oldest = waiting[0]
    chosen = [oldest]
    if padded_cost(members + chosen) > max_tokens:
        return []
    by_nearness = sorted(
        range(1, len(waiting)),
        key=lambda i: (abs(waiting[i].reserved() - oldest.reserved()), i),
    )
    for i in by_nearness:
        if padded_cost(members + chosen + [waiting[i]]) <= max_tokens:
            chosen.append(waiting[i])
    return chosen


class Batcher:
    """Serve ``model`` to many waiting callers, batching their inputs into few calls.

    One worker thread owns the model: calls never overlap, and a caller only
    ever waits on its own request.
    """

    def __init__(self, model, *, max_batch_size=100, max_wait=0.0, max_tokens=None):
        if not callable(model):
            raise TypeError(f"model must be callable, not {type(model).__name__}")
        self._model = model
        self._max_batch_size = _check_count("max_batch_size", max_batch_size)
        self._max_wait = _check_seconds("max_wait", max_wait, zero_allowed=True)
        self._max_tokens = _check_count("max_tokens", max_tokens, optional=True)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a request arrived, or close()
        self._waiting = deque()  # requests not yet sent, oldest first
        self._closed = False
        self._worker = threading.Thread(target=self._serve, name="batcher-worker", daemon=True)
        self._worker.start()

    # -- the callers' side

    @property
    def pending(self):
        """The number of accepted requests not yet sent to the model whose callers still wait."""
        with self._lock:
            return len(self._waiting)

    def infer(self, x, timeout=None):
        """Send ``x`` through the model in some batch; return its output (blocks)."""
        _check_seconds("timeout", timeout, optional=True)
        tokens = 0 if self._max_tokens is None else _check_length(x, self._max_tokens)
        return self._submit(Request(x, tokens), timeout)

    def _submit(self, request, timeout):
        """Queue ``request``, then wait for its outcome; on timeout, take it back if unsent."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the batcher is closed")
            self._waiting.append(request)
            self._changed.notify()
        if not request.wait(timeout):
            with self._lock:
                gave_up = not request.wait(0)
                if gave_up:
                    request.abandoned = True  # in no call assembled from now on
                    if request in self._waiting:
                        self._waiting.remove(request)
            if gave_up:
                raise TimeoutError(f"no outcome within {timeout} s")
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

    # -- the worker's side

    def _serve(self):
        while True:
            with self._lock:
                batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)

    def _next_batch(self):
        """Wait (under the lock) until a call should start; return its members, or None to stop."""
        while True:
            if not self._waiting:
                if self._closed:
                    return None
                self._changed.wait()
                continue
            # The window: full, or the oldest has waited max_wait, or closing.
            due = self._waiting[0].arrived + self._max_wait
            now = time.monotonic()
            if self._closed or len(self._waiting) >= self._max_batch_size or now >= due:
                return self._assemble()
            self._changed.wait(due - now)

    def _assemble(self):
        members = []
        waiting = list(self._waiting)
        if self._max_tokens is None:
            joining = oldest_first(waiting, members, self._max_batch_size)
        else:
            joining = bucketed(waiting, members, self._max_batch_size, self._max_tokens)
        for request in joining:
            self._waiting.remove(request)
        return members + joining

    def _run(self, members):
        """One model call; if it raises, the same members in two halves (isolation)."""
        members = [m for m in members if not m.abandoned]
        if not members:
            return
        try:
            outputs = _checked(self._model([m.payload for m in members]), len(members))
        except Exception as error:  # the model's failure is the callers' outcome
            if len(members) == 1:
                members[0].fail(error)
                return
            # Halving finds k bad inputs among n in at most 2k*ceil(log2 n) more calls.
            half = len(members) // 2
            self._run(members[:half])
            self._run(members[half:])
            return
        for member, output in zip(members, outputs):
            member.accept(output)


def _checked(outputs, expected):
    """``outputs`` as a list, or RuntimeError if it is not one output per input."""
    try:
        count = len(outputs)
    except Exception as error:
        raise RuntimeError(f"the model returned a {type(outputs).__name__}, with no len()") from error
    if count != expected:
        raise RuntimeError(f"the model returned {count} outputs for {expected} inputs")
    return list(outputs)
