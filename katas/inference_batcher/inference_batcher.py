"""Inference batcher kata: your solution.

Start with stage 1 (README.md in this folder), then run:

    pytest stages/stage1 --kata inference_batcher

The first failure tells you which method to write next. Later stages add a
batch window, timeouts, a token budget and token-by-token generation to
this same class, so keep "who waits" (one record per caller) apart from
"who goes in the next model call" (the scheduling policy).

You may split the solution into sibling modules of this folder and import
them with relative imports, for example ``from .requests import Request``.
"""


class Batcher:
    """Serve a model to many callers that wait synchronously, batching their inputs.

    The model is a callable taking a ``list`` of inputs and returning one
    output per input, in order: the "GPU". Each caller of ``infer`` blocks
    until its own input has been through the model, and gets its own output.
    """

    def __init__(self, model, *, max_batch_size=100):
        """Create a batcher for ``model`` that sends at most ``max_batch_size`` inputs per call.

        ``model`` not callable: ``TypeError``. ``max_batch_size`` is an ``int``
        >= 1 (a ``bool`` or non-int: ``TypeError``; < 1: ``ValueError``).
        """
        # TODO: validate the arguments. bool is a subclass of int, yet max_batch_size=True raises TypeError.
        # TODO: model calls never overlap: decide which thread calls the model (one worker is simplest).
        # TODO: a worker thread must not keep the interpreter alive, nor spin: wait on a Condition or Event.
        raise NotImplementedError("inference_batcher: implement __init__()")

    @property
    def pending(self):
        """The number of requests accepted, not yet sent to the model, whose callers still wait."""
        # TODO: count waiting requests only: not the ones inside a model call right now.
        raise NotImplementedError("inference_batcher: implement pending()")

    def infer(self, x):
        """Block until ``x`` has been through the model; return the model's output for ``x``.

        Any object is an input, equal or unhashable ones too. If the model
        call holding ``x`` raises, this raises that exception. After
        ``close()``: ``RuntimeError``.
        """
        # TODO: no idling: when the model is free and requests wait, a call starts at once with the oldest.
        # TODO: each model call gets a new, non-empty list of at most max_batch_size inputs, oldest first.
        # TODO: give each caller the output at its own input's position: equal or unhashable inputs must not mix.
        # TODO: a result whose len() is not the number of inputs counts as the call raising RuntimeError.
        raise NotImplementedError("inference_batcher: implement infer()")

    def close(self):
        """Stop accepting calls; return once every accepted request has its outcome.

        The batcher's own threads have ended when it returns, and the model is
        never called again. May be called again.
        """
        # TODO: requests accepted before close() are still served, not dropped.
        # TODO: wake the worker so that it can finish, then wait for it (join).
        raise NotImplementedError("inference_batcher: implement close()")

    def __enter__(self):
        """``with Batcher(model) as b:``: ``b`` is the batcher."""
        # TODO: return the batcher itself.
        raise NotImplementedError("inference_batcher: implement __enter__()")

    def __exit__(self, *exc_info):
        """Close the batcher on leaving the ``with`` block."""
        # TODO: close(), whether or not the block raised; do not swallow its exception.
        raise NotImplementedError("inference_batcher: implement __exit__()")
