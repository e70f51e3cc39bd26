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

from judge_inference_batcher import Client, FakeModel, NoLen, Plug, Same, Trial, next_token, poison_when  # type: ignore[import-not-found]

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


def _record(t: Trial, clients, **extra) -> dict:
    calls = list(t.model.calls)
    return {
        "calls": [[_tag(x) for x in c.inputs] for c in calls],
        "given": [type(c.given).__name__ for c in calls],
        "times": [[c.started - t.model.t0, (c.ended or c.started) - t.model.t0] for c in calls],
        "raised": [c.raised for c in calls],
        "outcomes": [_outcome(c) for c in clients],
        "asked": [c.started - t.model.t0 for c in clients],
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
    """Behind a plug, queue ``inputs`` one at a time, release, wait for every caller, close."""
    with Trial(solution_class, model, "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
        model.release_rule = release_rule
        t.plug()
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.close()
        return _record(t, clients)


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
        with Trial(solution_class, FakeModel(), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            clients = t.queue(range(1, n + 1))
            closer = Client("b.close()", t.batcher.close)
            time.sleep(0.05)  # close() has begun, and waits for the held call
            t.release()
            t.finish([*clients, closer])
            return _record(t, clients)

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


def generated(options: dict, requests: list, stop=None) -> dict:
    """Behind a plug, ``generate(prompt, count)`` for each ``[prompt, count]``, one at a time;
    release, wait (15 s), close."""

    def scenario() -> dict:
        extra = {} if stop is None else {"stop": stop}
        with Trial(solution_class, FakeModel(next_token), "", **options) as t:  # type: ignore[name-defined]  # noqa: F821
            t.plug()
            clients = t.queue_generate([(list(p), c) for p, c in requests], **extra)
            t.release()
            t.finish(clients, timeout=3 * ALWAYS)
            t.close()
            return _record(t, clients)

    return _played(scenario)
