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

from judge_inference_batcher import (
    Client,
    FakeModel,
    NoLen,
    Plug,
    Same,
    Trial,
    next_token,
    poison_prefix,
    poison_when,
)  # type: ignore[import-not-found]

from dojo.judge.dispatch import exception_names
from dojo.judge.wire import encode

ALWAYS = 5.0  # seconds a scenario waits for a caller, as the suites do


def _tag(x) -> object:
    """An input as the judge reads it: the plug, an int or str as is, a list of ints as
    ``["list", first, len]`` (its identity and its length), anything else as its repr."""
    if isinstance(x, Plug):
        return "PLUG"
    if type(x) in (int, str):
        return x
    if type(x) is list and x and all(type(v) is int for v in x):
        return ["list", x[0], len(x)]
    return repr(x)


def _outcome(client) -> list:
    if client.outcome is None:
        return ["none"]
    kind, value = client.outcome
    if kind == "returned":
        return ["v", encode(value)]
    try:
        message = str(value)[:200]
    except Exception:  # noqa: BLE001 - a hostile __str__
        message = ""
    return ["x", exception_names(value) or ["Exception"], message]


def _mutated(call) -> bool:
    """Did a list this call was given change after the call (a sequence grown in place)?"""
    now = [list(x) if isinstance(x, (list, tuple)) else x for x in _copy_of(call.given)]
    return now != call.snapshot


def _copy_of(given) -> list:
    try:
        return list(given)
    except TypeError:
        return [given]


def _threads() -> set:
    """The threads alive now, but the judge's own callers."""
    return {t for t in threading.enumerate() if t.is_alive() and not t.name.startswith("dojo-")}


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


def _played(scenario) -> dict:
    """Play ``scenario()``; an AssertionError from the suites' helpers is a failed scenario."""
    try:
        return scenario()
    except AssertionError as exc:
        return {"failed": str(exc).split("\n\n")[0][:600]}
    except Exception as exc:  # noqa: BLE001 - raised by the solution where it should not
        names = exception_names(exc) or ["Exception"]
        return {"failed": f"{names[0]}: {str(exc)[:300]}"}


def _inputs(kind: str, n: int) -> list:
    if kind == "same":
        return [Same(i) for i in range(n)] + [[1, 2], [1, 2], {"k": 1}]
    if kind == "lists":
        return [[i] * length for i, length in enumerate(n)]  # type: ignore[arg-type]
    return list(range(1, n + 1))


def _behind_a_plug(model: FakeModel, options: dict, inputs: list, *, release_rule: bool = False) -> dict:
    """Behind a plug, queue ``inputs`` one at a time, release, wait for every caller, close.
    ``pending`` is read while the plug's call holds (that request is in the model: 0)."""
    with Trial(solution_class, model, "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
        model.release_rule = release_rule
        t.plug()
        held = t.pending()
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.close()
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
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            clients = [t.ask(i) for i in range(1, n + 1)]
            t.finish(clients)
            t.close()
            return _record(t, clients)

    return _played(scenario)


def closed_while_queued(options: dict, n: int) -> dict:
    """Behind a plug, ``n`` requests queued, then ``close()`` from another thread, then the
    plug released: every request still gets its outcome, and ``close()`` returns."""

    def scenario() -> dict:
        before = _threads()
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            clients = t.queue(range(1, n + 1))
            closer = Client("b.close()", t.batcher.close)
            time.sleep(0.05)  # close() has begun, and waits for the held call
            t.release()
            t.finish([*clients, closer])
            leaked = sorted(t.name for t in _threads() - before)
            return _record(t, clients, leaked=leaked)

    return _played(scenario)


def raising(options: dict) -> dict:
    """Every call raises ``ValueError('GPU on fire')`` while three requests are served; a fourth,
    after, is served by a model that works."""

    def scenario() -> dict:
        failing = threading.Event()

        def fails(inputs):
            return ValueError("GPU on fire") if failing.is_set() else None

        with Trial(solution_class, FakeModel(fails=fails), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            failing.set()
            clients = t.queue(["a", "b", "c"])
            t.release()
            t.finish(clients)
            failing.clear()
            later = t.ask("d")
            t.finish([later])
            t.close()
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
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            client = t.ask("alone")
            t.finish([client])
            t.close()
            return _record(t, [client])

    return _played(scenario)


def timed_out_before_sent(options: dict) -> dict:
    """Behind a plug, ``infer('late', timeout=0.2)`` times out; then the plug is released."""

    def scenario() -> dict:
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            late = t.ask("late", timeout=0.2)
            late.done.wait(ALWAYS)
            t.release()
            after = t.ask("after")
            t.finish([late, after])
            t.close()
            return _record(t, [late, after])

    return _played(scenario)


def one_after_another(options: dict, n: int) -> dict:
    """``n`` requests from one thread, each after the last returned (the judge times it)."""

    def scenario() -> dict:
        model = FakeModel()
        batcher = solution_class(model, **options)  # type: ignore[name-defined]  # noqa: F821
        begin = time.monotonic()
        answers = [batcher.infer(i) for i in range(n)]
        took = time.monotonic() - begin
        batcher.close()
        return {
            "answers": [encode(a) for a in answers],
            "calls": len(model.calls),
            "took": took,
            "model": model.model_time(),
        }

    return _played(scenario)


def raises_now(options: dict, method: str, args: list, kwargs: dict) -> list:
    """``Batcher(model, **options)`` then one call made now, from this thread: its outcome
    (``method`` None: the constructor itself, with ``args[0]`` as the model if given)."""
    model = FakeModel()
    kwargs = {k: _argument(v) for k, v in kwargs.items()}
    try:
        if method == "new":
            made = solution_class(*(args or [model]), **kwargs)  # type: ignore[name-defined]  # noqa: F821
            made.close()
            return ["v", None]
        batcher = solution_class(model, **options)  # type: ignore[name-defined]  # noqa: F821
        try:
            if method == "after_close":
                batcher.close()
                method = "infer"
            value = getattr(batcher, method)(*[_argument(a) for a in args], **kwargs)
            return ["v", encode(value), len(model.calls)]
        finally:
            batcher.close()
    except Exception as exc:  # noqa: BLE001 - the answer
        return ["x", exception_names(exc) or ["Exception"], str(exc)[:200], len(model.calls)]


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
        with Trial(solution_class, FakeModel(next_token, fails=fails), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            clients = t.queue_generate([(list(p), c) for p, c in requests], **extra)
            closer = Client("b.close()", t.batcher.close) if close_first else None
            t.release()
            t.finish([*clients, *([closer] if closer else [])], timeout=3 * ALWAYS)
            t.close()
            return _record(t, clients)

    return _played(scenario)


def closed_in_window(options: dict, n: int) -> dict:
    """``n`` requests waiting in a long window, then ``close()``: they go at once."""

    def scenario() -> dict:
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
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
        with Trial(solution_class, model, "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            clients = [t.ask(x) for x in inputs]
            t.finish(clients)
            t.close()
            return _record(t, clients)

    return _played(scenario)


def timed_out_while_sent(options: dict, timeout: float) -> dict:
    """``infer('x', timeout=...)`` is sent in a call that holds; the plug goes after 3 s at most."""

    def scenario() -> dict:
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.model.hold_next()
            client = t.ask("x", timeout=timeout)
            t.model.wait_calls(1)
            client.done.wait(3.0)
            t.release()
            t.finish([client])
            t.close()
            return _record(t, [client])

    return _played(scenario)


def trickle(options: dict, count: int, every: float) -> dict:
    """A request every ``every`` s, ``count`` of them, until the first call starts; then close."""

    def scenario() -> dict:
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            start = time.monotonic()
            clients = []
            for i in range(count):
                clients.append(t.ask(i))
                if t.model.calls:
                    break
                time.sleep(max(0.0, start + (i + 1) * every - time.monotonic()))
            t.close()
            t.finish(clients)
            return _record(t, clients)

    return _played(scenario)


def busy(options: dict, wait: float) -> dict:
    """A full call holds while ``'late'`` waits past ``max_wait``; then the model is freed."""

    def scenario() -> dict:
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.model.hold_next()
            opening = [t.ask("plug"), t.ask(1)]
            t.model.wait_calls(1)
            late = t.queue(["late"])
            time.sleep(wait + 0.05)
            released = time.monotonic() - t.model.t0
            t.release()
            t.finish(opening + late)
            t.close()
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

        with Trial(solution_class, FakeModel(next_token, during=hold_until_timed_out), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            state["trial"] = t
            doomed = t.generate([101], 200, timeout=0.2)
            other = t.generate([102], 12)
            t.finish([doomed, other], timeout=2 * ALWAYS)
            t.close()
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

        with Trial(solution_class, FakeModel(during=keep_adding), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            state["trial"] = t
            t.plug()
            t.queue([[i] * 2 for i in range(8)] + [[99] * 60] + [[100 + i] * 2 for i in range(8)])
            t.release()
            t.finish(list(t.clients))
            t.finish(list(t.clients))
            t.close()
            return _record(t, list(t.clients))

    return _played(scenario)
