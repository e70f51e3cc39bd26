"""What one call on the wire means, performed on a class: the solution's or the model's.

The worker performs each call on the learner's class; the judge performs
the very same call, through this same code, on the kata's model. So the two
answers differ only where the two classes behave differently.

A call is a dict: ``m`` the method, ``o`` the object it is made on (a name
the script chose; ``"cls"`` is the class itself), ``a``/``k`` the arguments
(tagged values, see ``wire``), ``keep`` a name to keep the result under.
Pseudo-methods: ``new`` (construct), ``len()``, ``in``, ``.name`` (read an
attribute), ``with`` (a ``with`` block around the calls in ``body``,
raising the built-in exception named by ``raise`` inside it), ``clock.set``
(the fake clock's time), ``event.set``, ``event.wait`` and ``counter`` (for the functions
that scripts hand to the solution).

Extra argument tags: ``{"clock": 1}`` (the fake clock, a callable),
``{"path": "p"}`` (an ``os.PathLike`` path),
``{"ref": name}`` (a kept result), ``{"fn": [kind, ...]}`` (a function, see
``Env.function``) and, in loops only, ``{"ix": [base, step, mod, prefix]}``
(``base + (i * step) % mod``, as ``prefix + str(...)`` when ``prefix`` is a
str, for the loop's ``i``).
"""

from __future__ import annotations

import builtins
import gc
import operator
import pathlib
import threading
import time

from dojo.judge.wire import WireError, decode, encode

START_TIME = 1_000_000.0  # far from 0 and from time.monotonic(): a solution reading its own clock shows
IDENTIFIER_ERROR = "method {name!r} is not a public method name"


class Clock:
    """Time that moves only when the judge says so (``clock.set``)."""

    def __init__(self) -> None:
        self.now = START_TIME

    def __call__(self) -> float:
        return self.now


def builtin_exception(name) -> type[BaseException]:
    found = getattr(builtins, name, None) if isinstance(name, str) else None
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise WireError(f"{name!r} is not a built-in exception")
    return found


def exception_message(exc: BaseException, limit: int = 300) -> str:
    """``str(exc)``, cut; a hostile ``__str__`` that raises gives a placeholder, never an error."""
    try:
        return str(exc)[:limit]
    except Exception:  # noqa: BLE001 - a hostile __str__ must not end the worker
        return "(a message that cannot be shown)"


def exception_names(exc: BaseException) -> list[str]:
    """The built-in classes of ``exc``, most derived first (a solution's own names do not count)."""
    return [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]


class Env:
    """The objects, clock, counters and events that the calls of one run share."""

    def __init__(self, cls: type, lenient: bool = False) -> None:
        self.cls = cls
        self.lenient = lenient  # the worker: a call it cannot make is ["e", why], not the end
        self.objects: dict[str, object] = {}
        self.clock = Clock()
        self.counters: dict[str, int] = {}
        self.events: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    # -- arguments -----------------------------------------------------------

    def arg(self, form, i: int | None = None):
        def special(tag, body):
            if tag == "clock":
                return self.clock
            if tag == "path" and isinstance(body, str):
                return pathlib.PurePosixPath(body)
            if tag == "ref" and isinstance(body, str):
                if body not in self.objects:
                    raise WireError(f"no kept value {body!r}")
                return self.objects[body]
            if tag == "fn" and isinstance(body, list) and body:
                return self.function(body)
            if tag == "ix" and i is not None and isinstance(body, list) and len(body) == 4:
                base, step, mod, prefix = body
                value = base + ((i * step) % mod if mod else i * step)
                return value if prefix is None else f"{prefix}{value}"
            raise WireError(f"unknown argument tag {tag!r}")

        return decode(form, special)

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1

    def event(self, name: str) -> threading.Event:
        with self.lock:
            return self.events.setdefault(name, threading.Event())

    def function(self, spec: list):
        """A function to hand to the solution (a factory, an update's ``fn``).

        ``["const", v]`` returns v; ``["add", n]`` returns its argument + n;
        ``["raise", name]`` raises that built-in exception; ``["count", c, v,
        pause]`` counts a call under ``c``, sleeps ``pause`` s, returns v;
        ``["count_raise", c, name, pause]`` counts, sleeps, raises;
        ``["enter_raise", entered, name, pause]`` sets event ``entered``,
        sleeps, raises; ``["wait", e, v, timeout]`` waits for event ``e`` (counting
        ``"timeout:" + e`` if it never comes), returns v; ``["enter_wait",
        entered, e, v, timeout]`` first sets event ``entered``.
        """
        kind, rest = spec[0], spec[1:]
        if kind == "const" and len(rest) == 1:
            value = decode(rest[0])
            return lambda: value  # a factory is called with no arguments
        if kind == "const_of" and len(rest) == 1:
            value = decode(rest[0])
            return lambda current: value  # an update's fn: one argument
        if kind == "add" and len(rest) == 1:
            n = decode(rest[0])
            return lambda current: current + n
        if kind == "raise" and len(rest) == 1:
            exc = builtin_exception(rest[0])

            def raises(*args):
                raise exc("raised by the judge's function")

            return raises
        if kind in ("count", "count_raise") and len(rest) == 3:
            counter, outcome, pause = rest
            failure = builtin_exception(outcome) if kind == "count_raise" else None
            value = None if failure else decode(outcome)

            def counted(*args):
                self.count(str(counter))
                if pause:
                    time.sleep(float(pause))
                if failure is not None:
                    raise failure("raised by the judge's factory")
                return value

            return counted
        if kind == "enter_raise" and len(rest) == 3:
            entered, name, pause = rest
            exc = builtin_exception(name)

            def enters_and_raises(*args):
                self.event(str(entered)).set()
                time.sleep(float(pause))
                raise exc("raised by the judge's factory")

            return enters_and_raises
        if kind == "enter_wait" and len(rest) == 4:
            entered, rest = rest[0], rest[1:]
            waits = self.function(["wait", *rest])

            def enters(*args):
                self.event(str(entered)).set()
                return waits()

            return enters
        if kind == "wait" and len(rest) == 3:
            name, outcome, timeout = rest
            value = decode(outcome)

            def waits(*args):
                if not self.event(str(name)).wait(float(timeout)):
                    self.count(f"timeout:{name}")
                return value

            return waits
        raise WireError(f"unknown function {spec!r:.80}")

    # -- calls ---------------------------------------------------------------

    def target(self, name):
        if name == "cls":
            return self.cls
        if name not in self.objects:
            raise WireError(f"no object {name!r}")
        return self.objects[name]

    def bound(self, call: dict, i: int | None = None):
        """``call`` as a function of no arguments (arguments decoded now)."""
        method = call.get("m")
        if not isinstance(method, str):
            raise WireError("a call without a method name")
        args = [self.arg(a, i) for a in call.get("a", [])]
        kwargs = {str(k): self.arg(v, i) for k, v in dict(call.get("k", {})).items()}
        if method == "new":
            return lambda: self.cls(*args, **kwargs)
        if method == "clock.set":
            return lambda: setattr(self.clock, "now", float(args[0]))
        if method == "event.set":
            return lambda: self.event(str(args[0])).set()
        if method == "event.wait":
            return lambda: self.event(str(args[0])).wait(float(args[1]))
        if method == "counter":
            return lambda: self.counters.get(str(args[0]), 0)
        obj = self.target(call.get("o", "main"))
        if method == "len()":
            return lambda: len(obj)
        if method == "in":
            return lambda: args[0] in obj
        if method.startswith("."):
            name = method[1:]
            if not name.isidentifier() or name.startswith("_"):
                raise WireError(IDENTIFIER_ERROR.format(name=method))
            return lambda: getattr(obj, name)
        if not method.isidentifier() or method.startswith("_"):
            raise WireError(IDENTIFIER_ERROR.format(name=method))
        return lambda: getattr(obj, method)(*args, **kwargs)

    def perform(self, call: dict) -> list:
        """Make one call; ``["v", value]``, ``["x", names]`` or, for a with block, ``["w", ...]``."""
        try:
            if call.get("m") == "with":
                return self._with(call)
            run = self.bound(call)
        except WireError as exc:
            if not self.lenient:
                raise
            return ["e", str(exc)[:200]]
        try:
            value = run()
        except BaseException as exc:  # noqa: BLE001 - any exception is an answer
            return ["x", exception_names(exc)]
        keep = call.get("keep")
        if keep is None and call.get("m") == "new":
            keep = "main"
        if isinstance(keep, str):
            self.objects[keep] = value
        return ["v", encode(value, self.cls)]

    def _with(self, call: dict) -> list:
        """``["w", as_target, body results, names of the exception that escaped or None]``."""
        opener = self.bound({**call, "m": call.get("cm")})
        raised = builtin_exception(call["raise"]) if call.get("raise") else None
        body = call.get("body", [])
        target = None
        results: list = []
        try:
            with opener() as entered:
                target = encode(entered, self.cls)
                for inner in body:
                    results.append(self.perform(inner))
                if raised is not None:
                    raise raised("raised by the judge inside the with block")
        except BaseException as exc:  # noqa: BLE001 - what escapes is the answer
            return ["w", target, results, exception_names(exc)]
        return ["w", target, results, None]

    def script(self, calls: list) -> list:
        return [self.perform(call) for call in calls]

    def prepare_loop(self, request: dict) -> list:
        """A loop's calls as ``(function, args)`` for every ``i`` (built here, untimed)."""
        obj = self.target(request.get("o", "main"))
        compiled = [self._compile(obj, *call) for call in request.get("calls", [])]
        start, n = int(request.get("start", 0)), int(request.get("n", 0))
        return [
            (run, tuple(make(i) for make in makers))
            for i in range(start, start + n)
            for run, makers in compiled
        ]

    def _compile(self, obj, method, args, kwargs=None) -> tuple:
        if kwargs:  # keyword arguments of a loop call are constants
            fixed = {str(k): self.arg(v) for k, v in dict(kwargs).items()}
            run, makers = self._compile(obj, method, args)
            return (lambda *a: run(*a, **fixed)), makers
        if method == "clock.set":

            def set_clock(now) -> None:
                self.clock.now = float(now)

            run = set_clock
        elif method == "len()":
            run = len
        elif method == "in":
            run = operator.contains
        elif isinstance(method, str) and method.isidentifier() and not method.startswith("_"):
            run = getattr(obj, method)
        else:
            raise WireError(IDENTIFIER_ERROR.format(name=method))
        makers = [(lambda i, o=obj: o)] if method in ("len()", "in") else []  # len(obj), obj in ...
        for form in args:
            if isinstance(form, dict) and "ix" in form:
                base, step, mod, prefix = form["ix"]
                if prefix is None:
                    makers.append(lambda i, b=base, s=step, m=mod: b + ((i * s) % m if m else i * s))
                else:
                    makers.append(
                        lambda i, b=base, s=step, m=mod, p=prefix: f"{p}{b + ((i * s) % m if m else i * s)}"
                    )
            else:
                value = self.arg(form)
                makers.append(lambda i, v=value: v)
        return run, makers

    def run_loop(self, bound: list, collect: bool) -> dict:
        """Run bound calls with the collector off: their results, or how many raised."""
        results, errors = [], 0
        gc.disable()
        try:
            for run, args in bound:
                try:
                    value = run(*args)
                except Exception as exc:  # noqa: BLE001 - counted, or sent when collected
                    errors += 1
                    if collect:
                        results.append(exc)
                    continue
                if collect:
                    results.append(value)
        finally:
            gc.enable()
        if not collect:
            return {"errors": errors}
        return {
            "results": [
                ["x", exception_names(r)] if isinstance(r, Exception) else ["v", encode(r, self.cls)]
                for r in results
            ]
        }
