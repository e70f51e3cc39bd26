"""The ``inference_batcher`` judge's helpers inside the worker: scenarios around a fake model.

Sent as source text by the judge (``Judge.worker``), after the suites'
support module (imported here as ``judge_inference_batcher``), and run
inside the worker beside the solution, so as untrusted as it. Each helper
plays one scenario with the suites' own ``FakeModel``, ``Trial`` and
callers, and answers what happened as plain values: every model call (what
it held, when it started and ended, what it raised), each caller's outcome,
the fake's own notes (overlapping calls, a reused list, a caller not
released). The judge holds those records to the contract in its own
process. A scenario that cannot even be played (``pending`` never counts a
request, a caller that never returns) answers ``{"failed": message}``: a
failure the solution has no reason to forge.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager

from judge_inference_batcher import (
    Client,
    FakeModel,
    NoLen,
    Plug,
    Same,
    Trial,
    _copy,
    next_token,
    poison_prefix,
    poison_when,
)  # type: ignore[import-not-found]

from dojo.judge.dispatch import exception_message, exception_names
from dojo.judge.wire import encode
from dojo.testing import start_daemon

ALWAYS = 5.0  # seconds a scenario waits for a caller, as the suites do


def _tag(x) -> object:
    """An input as the judge reads it: the plug, an int or str as is, a list of ints as
    ``["list", first, len]`` (its identity and its length), anything else as ``{"repr": ...}``."""
    if isinstance(x, Plug):
        return "PLUG"
    if type(x) in (int, str):
        return x
    if type(x) is list and x and all(type(v) is int for v in x):
        return ["list", x[0], len(x)]
    try:
        return {"repr": repr(x)[:80]}
    except Exception:  # noqa: BLE001 - a hostile __repr__
        return {"repr": f"<a {type(x).__name__}>"}


def _outcome(client) -> list:
    if client.outcome is None:
        return ["none"]
    kind, value = client.outcome
    if kind == "returned":
        return ["v", encode(value)]
    return ["x", exception_names(value) or ["Exception"], exception_message(value)]


def _mutated(call) -> bool:
    """Did a list this call was given change after the call (a sequence grown in place)?"""
    now = [list(x) if isinstance(x, (list, tuple)) else x for x in _copy(call.given)]
    return now != call.snapshot


def _threads() -> set:
    """The threads alive now."""
    return {t for t in threading.enumerate() if t.is_alive()}


def _record(t: Trial, clients, **extra) -> dict:
    calls = list(t.model.calls)
    return {
        "calls": [[_tag(x) for x in c.inputs] for c in calls],
        "given": [type(c.given).__name__ for c in calls],
        "times": [[c.started - t.model.t0, (c.ended or c.started) - t.model.t0] for c in calls],
        "raised": [c.raised for c in calls],
        "outcomes": [_outcome(c) for c in clients],
        "asked": [c.started - t.model.t0 for c in clients],
        "ended": [(c.ended or c.started) - t.model.t0 for c in clients],
        "mutated": [c.number for c in calls if _mutated(c)],
        "problems": list(t.model.problems)[:5],
        **extra,
    }


@contextmanager
def _trial(model: FakeModel, options: dict):
    """A ``Trial`` whose batcher is let go at the end: the fake's holds released and
    ``close()`` left to run in the background, so a scenario ends with its callers (how long
    ``close()`` takes is checked where close is the subject)."""
    t = Trial(solution_class, model, "", **options)  # type: ignore[name-defined]  # noqa: F821
    try:
        yield t
    finally:
        t.model.release(everything=True)
        start_daemon(t.batcher.close, name="dojo-cleanup")


def _played(scenario) -> dict:
    """Play ``scenario()``; an AssertionError from the suites' helpers is a failed scenario."""
    try:
        return scenario()
    except AssertionError as exc:
        return {"failed": exception_message(exc).split("\n\n")[0]}
    except Exception as exc:  # noqa: BLE001 - raised by the solution where it should not
        names = exception_names(exc) or ["Exception"]
        return {"failed": f"{names[0]}: {exception_message(exc)}"}


def _inputs(kind: str, n: int) -> list:
    if kind == "same":
        return [Same(i) for i in range(n)] + [[1, 2], [1, 2], {"k": 1}]
    if kind == "lists":
        return [[i] * length for i, length in enumerate(n)]  # type: ignore[arg-type]
    return list(range(1, n + 1))


def _behind_a_plug(model: FakeModel, options: dict, inputs: list, *, release_rule: bool = False) -> dict:
    """Behind a plug, queue ``inputs`` one at a time, release, wait for every caller, close.
    ``pending`` is read while the plug's call holds (that request is in the model: 0)."""
    with _trial(model, options) as t:
        model.release_rule = release_rule
        t.plug()
        held = t.pending()
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        return _record(t, clients, pending_while_plugged=encode(held))


def wrong_length(options: dict) -> dict:
    """Three requests behind a plug; the model answers one output short."""
    model = FakeModel(result=lambda outputs: outputs[:-1])
    return _played(lambda: _behind_a_plug(model, options, ["a", "b", "c"]))


def queued(options: dict, kind: str, n) -> dict:
    """``n`` requests of ``kind`` behind a plug, the release rule watched."""
    return _played(lambda: _behind_a_plug(FakeModel(), options, _inputs(kind, n), release_rule=True))


def all_at_once(options: dict, n: int) -> dict:
    """``n`` requests from ``n`` threads at once, no plug (a full batch must not wait)."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            clients = [t.ask(i) for i in range(1, n + 1)]
            t.finish(clients)
            return _record(t, clients)

    return _played(scenario)


def closed_while_queued(options: dict, n: int) -> dict:
    """Behind a plug, ``n`` requests queued, then ``close()`` from another thread, then the
    plug released: every request still gets its outcome, and ``close()`` returns."""

    def scenario() -> dict:
        before = _threads()
        with _trial(FakeModel(), options) as t:
            t.plug()
            clients = t.queue(range(1, n + 1))
            closer = Client("b.close()", t.batcher.close)
            time.sleep(0.05)  # close() has begun, and waits for the held call
            t.release()
            t.finish([*clients, closer])
            ours = {c.thread for c in [*t.clients, closer]}  # the callers, which may still be ending
            leaked = sorted(thread.name for thread in _threads() - before - ours)
            return _record(t, clients, leaked=leaked)

    return _played(scenario)


def raising(options: dict) -> dict:
    """Every call raises ``ValueError('GPU on fire')`` while three requests are served; a fourth,
    after, is served by a model that works."""

    def scenario() -> dict:
        failing = threading.Event()

        def fails(inputs):
            return ValueError("GPU on fire") if failing.is_set() else None

        with _trial(FakeModel(fails=fails), options) as t:
            t.plug()
            failing.set()
            clients = t.queue(["a", "b", "c"])
            t.release()
            t.finish(clients)
            failing.clear()
            later = t.ask("d")
            t.finish([later])
            return _record(t, [*clients, later])

    return _played(scenario)


def poisoned(options: dict, n: int, bad: list) -> dict:
    """``n`` one-int lists behind a plug, those at ``bad`` poison (the model raises
    ``Poisoned`` for any call holding one)."""
    inputs = [[i] for i in range(n)]
    model = FakeModel(fails=poison_when(*[inputs[i] for i in bad]))
    return _played(lambda: _behind_a_plug(model, options, inputs))


def one_request(options: dict) -> dict:
    """One request, no plug: when the call started, against when ``infer`` was called."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            client = t.ask("alone")
            t.finish([client])
            return _record(t, [client])

    return _played(scenario)


def timed_out_before_sent(options: dict) -> dict:
    """Behind a plug, ``infer('late', timeout=0.2)`` times out; then the plug is released."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            t.plug()
            late = t.ask("late", timeout=0.2)
            late.done.wait(ALWAYS)
            t.release()
            after = t.ask("after")
            t.finish([late, after])
            return _record(t, [late, after])

    return _played(scenario)


def one_after_another(options: dict, n: int) -> dict:
    """``n`` requests from one thread, each after the last returned (the judge times it;
    ``close()`` runs after, in the background)."""

    def scenario() -> dict:
        model = FakeModel()
        batcher = solution_class(model, **options)  # type: ignore[name-defined]  # noqa: F821
        try:
            answers = [batcher.infer(i) for i in range(n)]
        finally:
            start_daemon(batcher.close, name="dojo-cleanup")
        return {
            "answers": [encode(a) for a in answers],
            "calls": len(model.calls),
            "model": model.model_time(),
        }

    return _played(scenario)


def raises_now(options: dict, method: str, args: list, kwargs: dict) -> list:
    """One call made now, ``ALWAYS`` s at most: ``Batcher(*args, **kwargs)`` (``method``
    ``"new"``; the fake model when ``args`` is empty), or ``Batcher(model, **options)`` then
    ``b.<method>(*args, **kwargs)`` (``"after_close"``: ``close()`` first, then ``infer``).
    ``["v", value, calls]``, ``["x", names, message, calls]`` or ``["hung", calls]``."""
    model = FakeModel()
    kwargs = {k: _argument(v) for k, v in kwargs.items()}

    def call():
        if method == "new":
            start_daemon(solution_class(*(args or [model]), **kwargs).close, name="dojo-cleanup")  # type: ignore[name-defined]  # noqa: F821
            return None
        batcher = solution_class(model, **options)  # type: ignore[name-defined]  # noqa: F821
        try:
            if method == "after_close":
                batcher.close()
            return getattr(batcher, "infer" if method == "after_close" else method)(
                *[_argument(a) for a in args], **kwargs
            )
        finally:
            start_daemon(batcher.close, name="dojo-cleanup")

    client = Client(method, call)
    client.thread.name = "dojo-client"
    if not client.done.wait(ALWAYS):
        return ["hung", len(model.calls)]
    kind, value = client.outcome or ("returned", None)
    if kind == "returned":
        return ["v", encode(value), len(model.calls)]
    return ["x", exception_names(value) or ["Exception"], exception_message(value), len(model.calls)]


def _argument(form):
    """A plain JSON argument, or a value JSON cannot carry: ``"NOLEN"``, ``"NAN"``, ``"INF"``."""
    special = {"NOLEN": NoLen, "NAN": lambda: math.nan, "INF": lambda: math.inf}
    return special[form]() if isinstance(form, str) and form in special else form


def generated(
    options: dict, requests: list, stop=None, poison: int | None = None, close_first: bool = False
) -> dict:
    """Behind a plug, ``generate(prompt, count)`` for each ``[prompt, count]``, one at a time;
    release, wait (15 s), close. ``poison``: the model raises for any sequence starting with
    it; ``close_first``: ``close()`` is called, from another thread, before the release."""

    def scenario() -> dict:
        extra = {} if stop is None else {"stop": stop}
        fails = poison_prefix(poison) if poison is not None else None
        with _trial(FakeModel(next_token, fails=fails), options) as t:
            t.plug()
            clients = t.queue_generate([(list(p), c) for p, c in requests], **extra)
            closer = Client("b.close()", t.batcher.close) if close_first else None
            t.release()
            t.finish([*clients, *([closer] if closer else [])], timeout=3 * ALWAYS)
            return _record(t, clients)

    return _played(scenario)


def closed_in_window(options: dict, n: int) -> dict:
    """``n`` requests waiting in a long window, then ``close()``: they go at once."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            clients = t.queue(range(1, n + 1))
            t.close()
            t.finish(clients)
            return _record(t, clients)

    return _played(scenario)


def poisoned_at_once(options: dict, n: int, bad: list) -> dict:
    """``n`` one-int lists from ``n`` threads at once (a full batch), those at ``bad`` poison."""

    def scenario() -> dict:
        inputs = [[i] for i in range(n)]
        model = FakeModel(fails=poison_when(*[inputs[i] for i in bad]))
        with _trial(model, options) as t:
            clients = [t.ask(x) for x in inputs]
            t.finish(clients)
            return _record(t, clients)

    return _played(scenario)


def timed_out_while_sent(options: dict, timeout: float) -> dict:
    """``infer('x', timeout=...)`` is sent in a call that holds; the plug goes after 3 s at most."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            t.model.hold_next()
            client = t.ask("x", timeout=timeout)
            t.model.wait_calls(1)
            client.done.wait(3.0)
            t.release()
            t.finish([client])
            return _record(t, [client])

    return _played(scenario)


def trickle(options: dict, count: int, every: float) -> dict:
    """A request every ``every`` s, ``count`` of them, until the first call starts."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            start = time.monotonic()
            clients = []
            for i in range(count):
                clients.append(t.ask(i))
                if t.model.calls:
                    break
                time.sleep(max(0.0, start + (i + 1) * every - time.monotonic()))
            t.finish(clients)
            return _record(t, clients)

    return _played(scenario)


def busy(options: dict, wait: float) -> dict:
    """A full call holds while ``'late'`` waits past ``max_wait``; then the model is freed."""

    def scenario() -> dict:
        with _trial(FakeModel(), options) as t:
            t.model.hold_next()
            opening = [t.ask("plug"), t.ask(1)]
            t.model.wait_calls(1)
            late = t.queue(["late"])
            time.sleep(wait + 0.05)
            released = time.monotonic() - t.model.t0
            t.release()
            t.finish(opening + late)
            return _record(t, opening + late, released=released)

    return _played(scenario)


def abandoned(options: dict) -> dict:
    """``generate([101], 200, timeout=0.2)`` beside ``generate([102], 12)``: the model holds its
    third call of [101] until that caller has its TimeoutError."""

    def scenario() -> dict:
        state: dict = {}

        def hold_until_timed_out(call) -> None:
            if "after" not in state and any(
                len(x) == 3 and x[:1] == [101] for x in call.snapshot if isinstance(x, list)
            ):
                doomed, _ = state["trial"].sequences[101]  # registered before its thread starts
                doomed.done.wait(5.0)
                state["after"] = call.number

        with _trial(FakeModel(next_token, during=hold_until_timed_out), options) as t:
            state["trial"] = t
            doomed = t.generate([101], 200, timeout=0.2)
            other = t.generate([102], 12)
            t.finish([doomed, other], timeout=2 * ALWAYS)
            return _record(t, [doomed, other], after=state.get("after"))

    return _played(scenario)


def starving(options: dict, extra_calls: int, per_call: int) -> dict:
    """Behind a plug: 8 short requests, a long one, 8 short; while the long one waits, each
    call adds ``per_call`` more short ones (``extra_calls`` times at most)."""

    def scenario() -> dict:
        added: list = []
        long_sent: list = []
        state: dict = {}

        def keep_adding(call) -> None:
            long_sent.extend(x for x in call.inputs if len(x) >= 60)
            if len(added) < extra_calls and not long_sent:
                added.append(call.number)
                state["trial"].add_during_call([[1000 + 10 * call.number + i] * 2 for i in range(per_call)])

        with _trial(FakeModel(during=keep_adding), options) as t:
            state["trial"] = t
            t.plug()
            t.queue([[i] * 2 for i in range(8)] + [[99] * 60] + [[100 + i] * 2 for i in range(8)])
            t.release()
            t.finish(list(t.clients))
            t.finish(list(t.clients))
            return _record(t, list(t.clients))

    return _played(scenario)
