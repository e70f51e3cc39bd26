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
- ``ctx.call(helper, ...)``: one of the kata's own helpers run inside the
  worker (``Judge.worker``), for what a script of calls cannot drive; its
  answers are plain JSON that the check holds to the contract.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TypeGuard

from dojo.judge.dispatch import Env
from dojo.judge.session import Broken, Session
from dojo.judge.wire import WireError, decode, encode

IGNORE = "ignore"  # the value is left open by the contract: only an exception's type counts
EXACT = "exact"
KIND = "kind"  # the value's kind only (bytes, a list...): for a snapshot's format-free bytes

REPRO_CALLS = 15  # calls of the run shown before the mismatch
DISAGREES = "after {before} call(s) of a run: {call} {got}; expected {expected} ({why})"
SLOWER = (
    "{what}: {ratio:.1f}x slower at size {large:,} than at size {small:,}, as the judge "
    "measured the worker (expected within {factor:g}x: {expected})"
)
BUILD_SLOWER = (
    "{what}: building the object of size {large:,} took over {took:.1f} s, against "
    "{before:.2f} s for size {small:,} (the calls are not O(1))"
)
RETRIES = 4  # repetitions added when the first ones look too slow
WALL_SLACK = 4  # the wall-clock ratio may exceed the factor this many times (a loaded machine)
RUN_SLOWER = (
    "{what}: over {took:.1f} s at size {large:,}, against {before:.3f} s at size {small:,} "
    "on the judge's clock (the calls are not O(1) in the size)"
)
DEADLOCK = "threads running {what} did not finish within {timeout:g} s (deadlock suspected)"


class Mismatch(Exception):
    """The solution's answer, seen from outside, breaks the contract."""


def support_module(declaration: str, name: str) -> ModuleType:
    """``stages/support/<name>.py`` of the suite checkout that holds the judge declaration
    ``declaration`` (its ``__file__``), loaded from there whatever ``sys.path`` says: a kata's
    judge may reuse the simulator or the workloads its suites are built on."""
    path = Path(declaration).resolve().parents[1] / "support" / f"{name}.py"
    module_name = f"_dojo_judge_support_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None  # a .py file always has a spec and loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses in the module look it up
    spec.loader.exec_module(module)
    return module


def worker_module(declaration: str, path: str) -> tuple[str, str]:
    """``(name, source)`` of a module for ``Judge.worker``: ``path`` relative to the suite's
    ``stages`` folder that holds the judge declaration (``judges/p2p_swarm_worker.py``,
    ``support/inference_batcher.py``); the worker imports it as ``judge_<stem>``
    (``judge_inference_batcher``), a name no solution module has."""
    file = Path(declaration).resolve().parents[1] / path
    return f"judge_{file.stem}", file.read_text(encoding="utf-8")


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
        if self.tag == "path":
            return f"pathlib.Path({self.body!r})"
        return f"<{self.tag} {self.body!r}>"


CLOCK = Tag("clock", 1)


def ref(name: str) -> Tag:
    """A result kept earlier in the same run under ``name``."""
    return Tag("ref", name)


def fn(kind: str, *rest) -> Tag:
    """A function for the solution to call (see ``dispatch.Env.function``)."""
    if kind in ("const", "const_of"):
        rest = (encode(rest[0]),)
    elif kind in ("wait", "enter_wait"):
        rest = (*rest[:-2], encode(rest[-2]), rest[-1])
    return Tag("fn", [kind, *rest])


def counted(counter: str, value, pause: float = 0.0) -> Tag:
    """A factory that counts its calls under ``counter`` and returns ``value``."""
    return Tag("fn", ["count", counter, encode(value), pause])


def path(text: str) -> Tag:
    """An ``os.PathLike`` path (a ``pathlib`` path) on the worker's side."""
    return Tag("path", text)


def ix(base: int = 0, step: int = 1, mod: int = 0, prefix: str | None = None) -> Tag:
    """In a loop: ``base + (i * step) % mod`` (``mod`` 0: no modulo), as ``prefix + str()`` if given."""
    return Tag("ix", [base, step, mod, prefix])


def _function_text(body) -> str:
    kind = body[0]
    if kind == "const":
        return f"lambda: {decode(body[1])!r}"
    if kind == "const_of":
        return f"lambda old: {decode(body[1])!r}"
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
        assign = f"{name if self.keep == 'main' else self.keep} = " if self.keep else ""
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


def _cut(text: str, limit: int = 300) -> str:
    """A call's text, cut for a one-line note (a judge's file or list may run to kilobytes)."""
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def show(result) -> str:
    """An answer in words: ``returned X``, ``raised T``."""
    try:
        if result[0] == "x":
            return f"raised {result[1][0] if result[1] else 'an exception'}"
        if result[0] == "v":
            return f"returned {decode(result[1])!r:.200}"
        if result[0] == "e":
            return f"could not be made ({result[1]})"
        if result[0] == "w":
            escaped = f"let {result[3][0]} escape" if result[3] else "let nothing escape"
            return f"gave as-target {decode(result[1])!r:.60}, body {[show(r) for r in result[2]]}, {escaped}"
    except (WireError, TypeError, IndexError, KeyError):
        pass
    return f"answered {json.dumps(result)[:200]}"


def _number(x: object) -> TypeGuard[int | float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def same(got, expected) -> bool:
    """Tagged forms equal as values: types kept (True is not 1, a tuple not a list), floats close."""
    if _number(got) and _number(expected) and (isinstance(got, float) or isinstance(expected, float)):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)
    if type(got) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, dict):
        if got.keys() != expected.keys():
            return False
        if "d" in expected and isinstance(got.get("d"), list):  # a dict: order does not matter

            def key(pair) -> str:
                return json.dumps(pair, sort_keys=True)

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
    if not all(agrees(g, e, c) for g, e, c in zip(body, expected[2], call.body, strict=False)):
        return False
    return escaped == expected[3] if expected[3] is None else _raised(escaped, expected[3])


# -- the context a check runs in --------------------------------------------


@dataclass
class Judge:
    """A kata's judge: its model, how calls are shown, and the checks of each stage."""

    model: type
    name: str  # the variable the calls are shown with: "cache", "db"
    stages: dict[int, list[Callable[[Context], None]]]
    # Modules (name, source) run inside the worker in order, for what plain calls cannot
    # say (a scheduler driven tick by tick, threads around a fake model); ``ctx.call``
    # calls their public functions.
    worker: Sequence[tuple[str, str]] = ()


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

    def agree(
        self,
        calls: Sequence[Call],
        why: str,
        *,
        env: Env | None = None,
        expected: list | None = None,
        timeout: float = 8.0,
    ) -> list:
        """Run ``calls`` on the solution and the model; every answer must agree. The answers."""
        if expected is None:
            env = env or Env(self.judge.model)
            expected = [env.perform(c.wire()) for c in calls]
        reply = self.session.request(
            {"op": "script", "calls": [c.wire() for c in calls]}, timeout=timeout, what=why
        )
        got = reply.get("results")
        if not isinstance(got, list) or len(got) != len(calls):
            raise Mismatch(
                f"the worker answered {why} with {type(got).__name__} instead of {len(calls)} results"
            )
        self.compare(calls, got, expected, why)
        return got

    def compare(self, calls: Sequence[Call], got: list, expected: list, why: str) -> None:
        start = 0
        for index, (call, g, e) in enumerate(zip(calls, got, expected, strict=False)):
            if call.method == "new":
                start = index
            if not agrees(g, e, call):
                run = [_cut(self.text(c)) for c in calls[max(start, index - REPRO_CALLS) : index + 1]]
                if index - start > REPRO_CALLS:
                    run.insert(0, "...")
                raise Mismatch(
                    DISAGREES.format(
                        before=index - start,
                        call=_cut(self.text(call)),
                        got=show(g),
                        expected=show(e),
                        why=why,
                    )
                    + " | the run: "
                    + "; ".join(run)
                )

    def random_runs(
        self, ops: Sequence[Op], *, new: Callable[[random.Random], Call], runs: int, steps: int, why: str
    ) -> None:
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

    def scales(
        self,
        *,
        setup: Callable[[str, int], list[dict]],
        workload: Callable[[str, int, int], dict],
        small: int,
        large: int,
        factor: float,
        what: str,
        expected: str,
        repeat: int = 3,
        expect: Callable[[str, int, int], list] | None = None,
    ) -> float:
        """Time ``workload`` on objects of two sizes; the ratio must stay within ``factor``.

        ``setup(name, size)`` is the untimed requests that build object ``name``;
        ``workload(name, size, rep)`` one loop request (its answers are
        collected and checked, each repetition: against the model replaying
        the same calls or, when the model would be too slow, against
        ``expect(name, size, rep)``, the answers in closed form, ``None``
        for a value the contract leaves open).
        """
        env = Env(self.judge.model)
        built: dict[str, float] = {}  # seconds to build each object
        for name, size in (("small", small), ("large", large)):
            begin = time.perf_counter()
            # Building the large object may take its share of time, generously, and no more:
            # an O(n) solution would otherwise spend minutes on it.
            allowed = 60.0 if not built else 2.0 + 10 * factor * built["small"] * large / small
            try:
                for request in setup(name, size):
                    self._untimed(env, request, what, timeout=allowed, replay=expect is None)
            except Broken:
                if not built:
                    raise
                raise Mismatch(
                    BUILD_SLOWER.format(
                        what=what, large=large, small=small, took=allowed, before=built["small"]
                    )
                ) from None
            built[name] = time.perf_counter() - begin
        times = {"small": math.inf, "large": math.inf}
        walls = dict(times)
        # On a loaded machine one slow repetition is noise: more of them, before a verdict.
        for rep in range(repeat + RETRIES):
            ratio = times["large"] / max(times["small"], 1e-9)
            if (rep >= 1 and ratio > 6 * factor) or (rep >= repeat and not factor < ratio <= 2.5 * factor):
                break  # clearly too slow, or settled
            for name, size in (("small", small), ("large", large)):
                request = workload(name, size, rep)
                if expect is None:
                    want = env.run_loop(env.prepare_loop(request), collect=True)["results"]
                else:
                    want = expect(name, size, rep)
                self.session.request(
                    {**request, "op": "loop", "prepare": "timed"}, timeout=20, what=f"preparing {what}"
                )
                # The large size may take its share of time, generously, and no more.
                allowed = 30.0 if name == "small" else 2.0 + 4 * factor * walls["small"]
                try:
                    wall, cpu, reply = self.session.timed(
                        {"op": "run", "name": "timed", "collect": True}, timeout=allowed, what=what
                    )
                except Broken:
                    if name == "small":
                        raise
                    raise Mismatch(
                        RUN_SLOWER.format(
                            what=what, large=large, small=small, took=allowed, before=walls["small"]
                        )
                    ) from None
                got = reply.get("results")
                if not isinstance(got, list) or len(got) != len(want):
                    raise Mismatch(f"{what}: the worker sent {type(got).__name__} for {len(want)} results")
                # The worker's CPU time: a loaded machine's other processes do not count.
                took = cpu if cpu is not None else wall
                walls[name] = min(walls[name], wall)
                if got == want and json.dumps(got) == json.dumps(want):  # the usual case, fast
                    times[name] = min(times[name], took)
                    continue
                for index, (g, e) in enumerate(zip(got, want, strict=True)):
                    if not agrees(
                        g,
                        ["v", None] if e is None else e,
                        Call("loop", compare=IGNORE if e is None else EXACT),
                    ):
                        method = request["calls"][index % len(request["calls"])][0]
                        raise Mismatch(
                            f"{what}: a {method}() call in the timed loop {show(g)}; expected {show(e)}"
                        )
                times[name] = min(times[name], took)
        ratio = times["large"] / max(times["small"], 1e-9)
        # The wall clock too, loosely: work handed to another process costs this one no CPU.
        wall_ratio = walls["large"] / max(walls["small"], 1e-9)
        if ratio > factor or wall_ratio > WALL_SLACK * factor:
            raise Mismatch(
                SLOWER.format(
                    what=what,
                    ratio=max(ratio, wall_ratio / WALL_SLACK),
                    large=large,
                    small=small,
                    factor=factor,
                    expected=expected,
                )
            )
        return ratio

    def _untimed(self, env: Env, request: dict, what: str, timeout: float = 30, replay: bool = True) -> None:
        if request["op"] == "loop":
            if replay:
                env.run_loop(env.prepare_loop(request), collect=False)
            reply = self.session.request(request, timeout=timeout, what=f"building {what}")
            if reply.get("errors") != 0:
                raise Mismatch(f"building {what}: {reply.get('errors')!r:.20} call(s) raised")
        else:
            calls = request["calls"]
            self.agree(calls, f"building {what}", env=env)

    # -- threads -------------------------------------------------------------

    def threads(
        self, scripts: Sequence[Sequence[Call]], *, what: str, switch: float = 0.05, timeout: float = 10.0
    ) -> list[list]:
        """Run each script in its own thread inside the worker, all at once; their answers."""
        reply = self.session.request(
            {
                "op": "threads",
                "scripts": [[c.wire() for c in s] for s in scripts],
                "switch": switch,
                "timeout": timeout,
            },
            timeout=timeout + 10,
            what=what,
        )
        if "deadlock" in reply:
            raise Mismatch(DEADLOCK.format(what=what, timeout=timeout))
        results = reply.get("results")
        if not (
            isinstance(results, list)
            and len(results) == len(scripts)
            and all(isinstance(r, list) for r in results)
        ):
            raise Mismatch(f"the worker's answer to {what} is not one list per thread")
        return results

    def call(self, helper: str, *args, timeout: float = 10.0, what: str = "") -> object:
        """The plain JSON answer of one of the judge's helpers in the worker (``Judge.worker``)."""
        reply = self.session.request(
            {"op": "call", "name": helper, "args": list(args)}, timeout=timeout, what=what or f"{helper}()"
        )
        return reply.get("value")

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


def returns(value) -> list:
    """The answer ``value`` in wire form, for checks that know it in closed form."""
    return ["v", encode(value)]


def raises(name: str) -> list:
    """The answer "raised ``name``" in wire form (a subclass is fine)."""
    return ["x", [name]]
