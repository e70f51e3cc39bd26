"""Stage 3 reference: a token budget, with length bucketing.

Design: the stage 2 batcher; only the choice of who joins a call changed,
and it lives in one place (``_choice.py``). Without ``max_tokens`` the call
takes the oldest requests, as before; with it, the oldest request and then
the waiting ones nearest to it in length, while the padded cost (inputs x
longest) stays within budget. Starting every call from the oldest request
means nothing starves behind a stream of short requests. What makes stage 4
cheap: ``_assemble`` already takes "members already in the call", so
continuous batching is "running sequences first, then what the policy picks".

Complexity: choosing a call is O(w log w) for w waiting requests with a
token budget (sorting by length), O(batch) without one.
"""

import threading
import time
from collections import deque

from . import _checks, _choice
from ._requests import Request


class Batcher:
    """Serve ``model`` to many waiting callers, batching their inputs into few calls.

    One worker thread owns the model: calls never overlap, and a caller only
    ever waits on its own request.
    """

    def __init__(self, model, *, max_batch_size=100, max_wait=0.0, max_tokens=None):
        if not callable(model):
            raise TypeError(f"model must be callable, not {type(model).__name__}")
        self._model = model
        self._max_batch_size = _checks.count("max_batch_size", max_batch_size)
        self._max_wait = _checks.seconds("max_wait", max_wait, zero_allowed=True)
        self._max_tokens = _checks.count("max_tokens", max_tokens, optional=True)
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
        _checks.seconds("timeout", timeout, optional=True)
        tokens = 0 if self._max_tokens is None else _checks.length(x, self._max_tokens)
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
        """Take the next call's members out of the queue, as the policy picks them."""
        members = []  # nothing stays in the model between calls (yet: stage 4's sequences will)
        waiting = list(self._waiting)
        if self._max_tokens is None:
            joining = _choice.oldest_first(waiting, members, self._max_batch_size)
        else:
            joining = _choice.bucketed(waiting, members, self._max_batch_size, self._max_tokens)
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
        except Exception as error:  # noqa: BLE001 - any failure of the model is the callers' outcome
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
