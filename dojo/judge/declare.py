"""What a kata's judge is written with: calls, random model-driven runs, timings, threads.

A kata declares its judge in ``stages/judges/<kata>.py`` as ``JUDGE =
Judge(...)``: the variable name its calls are shown with, and for each
stage a list of checks. A check is a function ``check(ctx)`` that talks to
the worker through ``ctx`` and raises ``Mismatch`` at the first answer the
contract forbids. The helpers here cover what is observable from outside:

- ``ctx.agree(calls)``: one script of calls, performed by the worker on the
  solution and by the judge on the model (the same ``dispatch`` code);
  every answer must agree.
- ``ctx.random_runs(...)``: seeded random runs drawn from an operation
  table, each call's arguments chosen by looking at the model's state.
- ``ctx.scales(...)``: a workload at two sizes, timed on the judge's clock,
  its answers checked against the model, the ratio bounded.
- ``ctx.threads(...)``: scripts run at once by threads inside the worker.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dojo.judge.dispatch import Env
from dojo.judge.session import Session
from dojo.judge.wire import WireError, decode, encode

IGNORE = "ignore"  # the value is left open by the contract: only an exception's type counts
EXACT = "exact"
KIND = "kind"  # the value's kind only (bytes, a list...): for a snapshot's format-free bytes

DISAGREES = "after {before} call(s) of a run: {call} {got}; expected {expected} ({why})"
SLOWER = ("{what}: {ratio:.1f}x slower at size {large:,} than at size {small:,} on the judge's "
          "clock (expected within {factor:g}x: {expected})")
DEADLOCK = "threads running {what} did not finish within {timeout:g} s (deadlock suspected)"


class Mismatch(Exception):
    """The solution's answer, seen from outside, breaks the contract."""


# -- arguments with a meaning on the worker's side ---------------------------


@dataclass(frozen=True)
class Tag:
    tag: str
    body: object

    def __repr__(self) -> str:
        if self.tag == "clock":
            return "clock"
        if self.tag == "ref":
            return str(self.body)
        if self.tag == "fn":
            return _function_text(self.body)
        return f"<{self.tag} {self.body!r}>"


CLOCK = Tag("clock", 1)


def ref(name: str) -> Tag:
    """A result kept earlier in the same run under ``name``."""
    return Tag("ref", name)


def fn(kind: str, *rest) -> Tag:
    """A function for the solution to call (see ``dispatch.Env.function``)."""
    if kind == "const":
        rest = (encode(rest[0]),)
    elif kind in ("wait", "enter_wait"):
        rest = (*rest[:-2], encode(rest[-2]), rest[-1])
    return Tag("fn", [kind, *rest])


def counted(counter: str, value, pause: float = 0.0) -> Tag:
    """A factory that counts its calls under ``counter`` and returns ``value``."""
    return Tag("fn", ["count", counter, encode(value), pause])


def ix(base: int = 0, step: int = 1, mod: int = 0, prefix: str | None = None) -> Tag:
    """In a loop: ``base + (i * step) % mod`` (``mod`` 0: no modulo), as ``prefix + str()`` if given."""
    return Tag("ix", [base, step, mod, prefix])


def _function_text(body) -> str:
    kind = body[0]
    if kind == "const":
        return f"lambda: {decode(body[1])!r}"
    if kind == "add":
        return f"lambda v: v + {body[1]!r}"
    if kind == "raise":
        return f"a function that raises {body[1]}"
    if kind == "count":
        return f"a factory returning {decode(body[2])!r}"
    return f"a {kind} function"


def _form(value):
    if isinstance(value, Tag):
        return {value.tag: value.body}
    if isinstance(value, list):
        return [_form(v) for v in value]
    return encode(value)


# -- calls -------------------------------------------------------------------


@dataclass
class Call:
    """One call as the script sends it, with how its answer is compared."""

    method: str
    args: Sequence = ()
    kwargs: dict = field(default_factory=dict)
    on: str = "main"
    keep: str | None = None
    compare: str = EXACT
    body: Sequence[Call] = ()  # for method "with"
    cm: str | None = None  # for method "with": the method that returns the context manager
    raises: str | None = None  # for method "with": raised inside the block

    def wire(self) -> dict:
        form: dict = {"m": self.method, "o": self.on}
        if self.args:
            form["a"] = [_form(a) for a in self.args]
        if self.kwargs:
            form["k"] = {k: _form(v) for k, v in self.kwargs.items()}
        if self.keep:
            form["keep"] = self.keep
        if self.method == "with":
            form.update(cm=self.cm, body=[c.wire() for c in self.body], **{"raise": self.raises})
        return form

    def text(self, name: str, cls_name: str = "") -> str:
        """The call as a learner would type it."""
        obj = cls_name if self.on == "cls" else (name if self.on == "main" else self.on)
        args = ", ".join([repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        assign = f"{self.keep} = " if self.keep else ""
        if self.method == "new":
            return f"{name} = {cls_name}({args})"
        if self.method == "clock.set":
            return f"clock.now = {self.args[0]!r}"
        if self.method == "len()":
            return f"len({obj})"
        if self.method == "in":
            return f"{self.args[0]!r} in {obj}"
        if self.method.startswith("."):
            return f"{obj}{self.method}"
        if self.method == "with":
            inner = "; ".join(c.text(name, cls_name) for c in self.body)
            tail = f"; raise {self.raises}" if self.raises else ""
            return f"with {obj}.{self.cm}({args}): {inner or 'pass'}{tail}"
        return f"{assign}{obj}.{self.method}({args})"


def show(result) -> str:
    """An answer in words: ``returned X``, ``raised T``."""
    try:
        if result[0] == "x":
            return f"raised {result[1][0] if result[1] else 'an exception'}"
        if result[0] == "v":
            return f"returned {decode(result[1])!r:.200}"
        if result[0] == "w":
            escaped = f"let {result[3][0]} escape" if result[3] else "let nothing escape"
            return f"gave as-target {decode(result[1])!r:.60}, body {[show(r) for r in result[2]]}, {escaped}"
    except (WireError, TypeError, IndexError, KeyError):
        pass
    return f"answered {json.dumps(result)[:200]}"


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def same(got, expected) -> bool:
    """Tagged forms equal as values: types kept (True is not 1, a tuple not a list), floats close."""
    if _number(got) and _number(expected) and (isinstance(got, float) or isinstance(expected, float)):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)
    if type(got) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        if got.keys() != expected.keys():
            return False
        if "d" in expected and isinstance(got.get("d"), list):  # a dict: order does not matter
            key = lambda pair: json.dumps(pair, sort_keys=True)  # noqa: E731
            try:
                return same(sorted(got["d"], key=key), sorted(expected["d"], key=key))
            except TypeError:
                return False
        return all(same(got[k], expected[k]) for k in expected)
    return got == expected


def _kind(form) -> str:
    if isinstance(form, dict):
        return "tag:" + ",".join(sorted(form))
    return type(form).__name__


def _raised(got, expected_names) -> bool:
    return isinstance(got, list) and bool(expected_names) and expected_names[0] in got


def agrees(got, expected, call: Call) -> bool:
    """The worker's answer ``got`` is what the contract allows, given the model's ``expected``."""
    if not (isinstance(got, list) and got and got[0] == expected[0] and len(got) == len(expected)):
        return False
    if expected[0] == "x":
        return _raised(got[1], expected[1])
    if expected[0] == "v":
        if call.compare == KIND:
            return _kind(got[1]) == _kind(expected[1])
        return call.compare == IGNORE or same(got[1], expected[1])
    # a with block: as-target, each inner answer, and what escaped
    _, target, body, escaped = got
    if not same(target, expected[1]) or not isinstance(body, list) or len(body) != len(expected[2]):
        return False
    if not all(agrees(g, e, c) for g, e, c in zip(body, expected[2], call.body)):
        return False
    return escaped == expected[3] if expected[3] is None else _raised(escaped, expected[3])


# -- the context a check runs in --------------------------------------------


@dataclass
class Judge:
    """A kata's judge: its model, how calls are shown, and the checks of each stage."""

    model: type
    name: str  # the variable the calls are shown with: "cache", "db"
    stages: dict[int, list[Callable[[Context], None]]]


class Context:
    """What a check works with: the worker, the model, a seeded random source."""

    def __init__(self, judge: Judge, session: Session, rng: random.Random, cls_name: str) -> None:
        self.judge = judge
        self.session = session
        self.rng = rng
        self.cls_name = cls_name

    def text(self, call: Call) -> str:
        return call.text(self.judge.name, self.cls_name)

    # -- scripts ---------------------------------------------------------------

    def agree(self, calls: Sequence[Call], why: str, *, env: Env | None = None,
              expected: list | None = None, timeout: float = 15.0) -> list:
        """Run ``calls`` on the solution and the model; every answer must agree. The answers."""
        if expected is None:
            env = env or Env(self.judge.model)
            expected = [env.perform(c.wire()) for c in calls]
        reply = self.session.request({"op": "script", "calls": [c.wire() for c in calls]},
                                     timeout=timeout, what=why)
        got = reply.get("results")
        if not isinstance(got, list) or len(got) != len(calls):
            raise Mismatch(f"the worker answered {why} with {type(got).__name__} instead of "
                           f"{len(calls)} results")
        self.compare(calls, got, expected, why)
        return got

    def compare(self, calls: Sequence[Call], got: list, expected: list, why: str) -> None:
        before = 0
        for call, g, e in zip(calls, got, expected):
            if call.method == "new":
                before = 0
            if not agrees(g, e, call):
                raise Mismatch(DISAGREES.format(before=before, call=self.text(call), got=show(g),
                                                expected=show(e), why=why))
            before += 1

    def random_runs(self, ops: Sequence[Op], *, new: Callable[[random.Random], Call],
                    runs: int, steps: int, why: str) -> None:
        """``runs`` random runs of ``steps`` calls from ``ops``, checked call by call."""
        env = Env(self.judge.model)
        calls, expected = [], []
        for _ in range(runs):
            start = new(self.rng)
            calls.append(start)
            expected.append(env.perform(start.wire()))
            if expected[-1][0] != "v":
                continue
            choices = [op for op in ops for _ in range(op.weight)]
            for _ in range(steps):
                made = self.rng.choice(choices).make(self.rng, env)
                for call in made if isinstance(made, list) else [made]:
                    calls.append(call)
                    expected.append(env.perform(call.wire()))
        self.agree(calls, why, expected=expected)

    # -- timings -------------------------------------------------------------

    def scales(self, *, setup: Callable[[str, int], list[dict]],
               workload: Callable[[str, int, int], dict], small: int, large: int,
               factor: float, what: str, expected: str, repeat: int = 3) -> float:
        """Time ``workload`` on objects of two sizes; the ratio must stay within ``factor``.

        ``setup(name, size)`` is the untimed requests that build object ``name``;
        ``workload(name, size, rep)`` one loop request (its answers are
        collected and checked against the model, each repetition).
        """
        env = Env(self.judge.model)
        for name, size in (("small", small), ("large", large)):
            for request in setup(name, size):
                self._untimed(env, request, what)
        times = {"small": math.inf, "large": math.inf}
        for rep in range(repeat):
            for name, size in (("small", small), ("large", large)):
                request = workload(name, size, rep)
                bound = env.prepare_loop(request)
                want = env.run_loop(bound, collect=True)["results"]
                self.session.request({**request, "op": "loop", "prepare": "timed"},
                                     timeout=20, what=f"preparing {what}")
                took, reply = self.session.timed({"op": "run", "name": "timed", "collect": True},
                                                 timeout=30, what=what)
                got = reply.get("results")
                if not isinstance(got, list) or len(got) != len(want):
                    raise Mismatch(f"{what}: the worker sent {type(got).__name__} for {len(want)} results")
                if got == want and json.dumps(got) == json.dumps(want):  # the usual case, fast
                    times[name] = min(times[name], took)
                    continue
                for index, (g, e) in enumerate(zip(got, want)):
                    if not agrees(g, e, Call("loop")):
                        method = request["calls"][index % len(request["calls"])][0]
                        raise Mismatch(f"{what}: a {method}() call in the timed loop {show(g)}; "
                                       f"expected {show(e)}")
                times[name] = min(times[name], took)
        ratio = times["large"] / max(times["small"], 1e-9)
        if ratio > factor:
            raise Mismatch(SLOWER.format(what=what, ratio=ratio, large=large, small=small,
                                         factor=factor, expected=expected))
        return ratio

    def _untimed(self, env: Env, request: dict, what: str) -> None:
        if request["op"] == "loop":
            env.run_loop(env.prepare_loop(request), collect=False)
            reply = self.session.request(request, timeout=30, what=f"building {what}")
            if reply.get("errors") != 0:
                raise Mismatch(f"building {what}: {reply.get('errors')!r:.20} call(s) raised")
        else:
            calls = request["calls"]
            self.agree(calls, f"building {what}", env=env)

    # -- threads -------------------------------------------------------------

    def threads(self, scripts: Sequence[Sequence[Call]], *, what: str, switch: float = 0.05,
                timeout: float = 10.0) -> list[list]:
        """Run each script in its own thread inside the worker, all at once; their answers."""
        reply = self.session.request(
            {"op": "threads", "scripts": [[c.wire() for c in s] for s in scripts],
             "switch": switch, "timeout": timeout},
            timeout=timeout + 10, what=what,
        )
        if "deadlock" in reply:
            raise Mismatch(DEADLOCK.format(what=what, timeout=timeout))
        results = reply.get("results")
        if not (isinstance(results, list) and len(results) == len(scripts)
                and all(isinstance(r, list) for r in results)):
            raise Mismatch(f"the worker's answer to {what} is not one list per thread")
        return results

    def counter(self, name: str) -> int:
        reply = self.session.request({"op": "counters"}, what="reading the factory counters")
        counters = reply.get("counters")
        value = counters.get(name, 0) if isinstance(counters, dict) else None
        if not _number(value):
            raise Mismatch("the worker's counters are not numbers")
        return int(value)


@dataclass
class Op:
    """One row of an operation table: how to draw a call, given the model's state."""

    make: Callable[[random.Random, Env], Call | list[Call]]
    weight: int = 1


def value_of(result):
    """The plain value of an answer ``["v", form]`` (``Mismatch`` for anything else)."""
    try:
        if result[0] == "v":
            return decode(result[1])
    except (WireError, TypeError, IndexError, KeyError, RecursionError):
        pass
    raise Mismatch(f"expected a value, the solution {show(result)}")
