"""The benchmark of ``dojo compare inference_batcher``: callers at once, one fake GPU.

``make(cls)`` builds a solution's batcher over a model whose call costs a
fixed launch time plus a little per input (so batching pays); ``workload``
has 8 threads send 40 requests each and waits for every answer; ``peers()``
is the server that batching replaces: one model call per request, behind a
lock. No third-party library implements this API, so that is the only peer.
"""

from __future__ import annotations

import threading
import time

THREADS, REQUESTS = 8, 40
LAUNCH, PER_INPUT = 0.0005, 0.00002  # seconds


def model(inputs: list) -> list:
    time.sleep(LAUNCH + PER_INPUT * len(inputs))
    return [x * 2 for x in inputs]


def make(cls):
    """A fresh batcher of the learner's (or the reference's) class, 32 inputs per call."""
    return cls(model, max_batch_size=32)


def workload(batcher) -> int:
    """8 callers at once, 40 requests each; returns how many requests were answered."""

    def caller(k: int) -> None:
        for i in range(REQUESTS):
            batcher.infer(k * 1000 + i)

    threads = [threading.Thread(target=caller, args=(k,), daemon=True) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    batcher.close()
    return THREADS * REQUESTS


class _OnePerCall:
    """No batching: every request is its own model call, one at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def infer(self, x):
        with self.lock:
            return model([x])[0]

    def close(self) -> None:
        pass


def peers():
    return [("one model call per request", _OnePerCall, "")]
