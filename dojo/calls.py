"""Recorded calls: what a test called, as code the learner can paste, and the checks that fail with it.

Every kata's checks say the same four things when they fail: what was
called, what came back, what the contract expected (in its own words), and
the calls that reproduce it. A ``CallLog`` holds those calls as source lines
(``cache.put(1, 'a')``) and its checks build the message:

    log = CallLog("from katas.lru_cache import LRUCache", "cache = LRUCache(2)")
    got = log.attempt("cache.get(1)", lambda: cache.get(1))
    log.expect(got, None, "cache.get(1)", "get of a missing key returns default")

Hypothesis shrinks a failing run to its shortest sequence of steps and
reruns it; the message of that last failure carries the log, so the learner
sees exactly the calls, in their own API, that break their solution.

One formatter writes the arguments of every recorded call: :func:`source`
(``repr``, but code that runs for ``nan`` and paths), :func:`arguments` and
:func:`code`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import Any, NoReturn

from dojo.equality import same
from dojo.mismatch import mismatch, short
from dojo.origin import where

__tracebackhide__ = True

# The first for a test's own calls; the second for a model test's, which Hypothesis has
# shrunk; the third for one in a profile whose shrinking has a budget (dojo.shrinking).
CALLS = "The calls that lead to it (paste them into a Python shell at the repository's root):"
SHORTEST = "Shortest failing sequence of calls (paste it into a Python shell at the repository's root):"
SHORTENED = (
    "A failing sequence of calls, shortened for at most {seconds:g} s (paste it into a Python"
    " shell at the repository's root):"
)


def source(value: Any) -> str:
    """``value`` as code that runs when pasted: its ``repr``, but ``float('nan')`` for a float
    that is not finite and ``Path('...')`` for a path. Never cut: a repro must run."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, PurePath):
        return f"Path({str(value)!r})"
    return repr(value)


def arguments(args: Iterable[Any], kwargs: dict[str, Any] | None = None) -> str:
    """``1, 'a', default=None``: a call's arguments as the learner would type them."""
    parts = [source(a) for a in args]
    parts += [f"{k}={source(v)}" for k, v in (kwargs or {}).items()]
    return ", ".join(parts)


def code(call: str, *args: Any, **kwargs: Any) -> str:
    """``code("db.get", "a")`` -> ``"db.get('a')"``: a call as the learner would type it."""
    return f"{call}({arguments(args, kwargs)})"


def sentence(rule: str) -> str:
    """The contract's ``rule`` as the end of a message: with its full stop."""
    return rule if rule.endswith((".", "!", "?")) else f"{rule}."


class CallLog:
    """The calls a test made, as source lines, and checks whose failures show them.

    ``tolerance`` is passed to :func:`dojo.equality.same` by :meth:`expect`:
    0 for values that must come back exactly, small for floats the solution
    computes. ``header`` introduces the calls in a message.
    """

    def __init__(self, *setup: str, tolerance: float = 0.0, header: str = CALLS) -> None:
        self.lines = list(setup)
        self.tolerance = tolerance
        self.header = header

    # -- recording

    def note(self, line: str) -> str:
        """Record a line (a call, a clock advance, a comment); returns it."""
        self.lines.append(line)
        return line

    def call(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Record ``name.method(args)``, then make the call and return its result."""
        self.note(code(f"{name}.{method.__name__}", *args, **kwargs))
        return method(*args, **kwargs)

    def program(self) -> str:
        return "\n".join(f"    {line}" for line in self.lines)

    def explain(self, message: str) -> str:
        """``message`` followed by the calls that led to it."""
        return f"{message}\n\n{self.header}\n\n{self.program()}\n"

    # -- checking

    def fail(self, message: str) -> NoReturn:
        """Fail the test with ``message`` and the calls so far (no chained traceback)."""
        raise AssertionError(self.explain(message)) from None

    def attempt(self, text: str, run: Callable[[], Any]) -> Any:
        """Record ``text`` and make the call (``run``), which must not raise.

        An exception becomes one line saying what raised it and where in the
        solution; the stub's ``NotImplementedError`` passes through, for the
        plugin to turn into "implement ...".
        """
        self.note(text)
        try:
            return run()
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported with the call that raised it
            message = f"{text} raised {type(exc).__name__}: {exc}; expected no exception{where(exc)}"
        self.fail(message)  # outside the except block: one message, not a chain of tracebacks

    def expect(self, got: Any, expected: Any, text: str, rule: str) -> None:
        """``text`` returned ``got``: fail unless it is ``expected``, of the same types."""
        if not same(got, expected, tolerance=self.tolerance):
            self.fail(f"{mismatch(text, got, expected)}: {sentence(rule)}")

    def returned(self, text: str, run: Callable[[], Any], expected: Any, rule: str) -> Any:
        """Record and make the call; fail unless it returns ``expected``. Returns what it returned."""
        self.note(text)
        got, message = _returned(text, run, expected, rule, self.tolerance)
        if message:
            self.fail(message)
        return got

    def raises(
        self,
        kind: type[BaseException] | tuple[type[BaseException], ...],
        text: str,
        run: Callable[[], Any],
        rule: str,
    ) -> BaseException:
        """Record and make the call; fail unless it raises ``kind`` (or a subclass)."""
        self.note(text)
        raised, message = _raised(kind, text, run, rule)
        if raised is None:
            self.fail(message)
        return raised


def returns(text: str, run: Callable[[], Any], expected: Any, rule: str, *, tolerance: float = 0.0) -> Any:
    """Make the call (``run``, written ``text``); fail unless it returns ``expected``: for a
    test that shows no calls beyond this one. Returns what it returned.

    Make the solution's call here, not in the test's line: an exception from it
    is then one line naming the call, what was expected, the contract's rule and
    the solution's line, not two tracebacks.
    """
    got, message = _returned(text, run, expected, rule, tolerance)
    if message:
        raise AssertionError(message)
    return got


def _returned(
    text: str, run: Callable[[], Any], expected: Any, rule: str, tolerance: float
) -> tuple[Any, str]:
    """What ``run()`` returned, and what is wrong with it ("" when it is ``expected``)."""
    try:
        got = run()
    except NotImplementedError:
        raise  # the stub's: the plugin turns it into "implement ..."
    except Exception as exc:  # noqa: BLE001 - reported with the call that raised it
        what = f"{text} raised {type(exc).__name__}: {exc}"
        return None, f"{what}; expected {short(expected)}: {sentence(rule)}{where(exc)}"
    if same(got, expected, tolerance=tolerance):
        return got, ""
    return got, f"{mismatch(text, got, expected)}: {sentence(rule)}"


def raises(
    kind: type[BaseException] | tuple[type[BaseException], ...], text: str, run: Callable[[], Any], rule: str
) -> BaseException:
    """Make the call (``run``, written ``text``); fail unless it raises ``kind``: for a test
    that shows no calls beyond this one."""
    raised, message = _raised(kind, text, run, rule)
    if raised is None:
        raise AssertionError(message)
    return raised


def _raised(
    kind: type[BaseException] | tuple[type[BaseException], ...], text: str, run: Callable[[], Any], rule: str
) -> tuple[BaseException | None, str]:
    """What ``run()`` raised if it is a ``kind``, else None and what went wrong instead."""
    name = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
    try:
        got = run()
    except NotImplementedError:
        raise  # the stub's, even where a RuntimeError (its base) is expected
    except kind as exc:
        return exc, ""
    except Exception as exc:  # noqa: BLE001 - reported as the wrong exception
        return (
            None,
            f"{text} raised {type(exc).__name__}: {exc}; expected {name}: {sentence(rule)}{where(exc)}",
        )
    return None, f"{text} returned {short(got, 200)}; expected it to raise {name}: {sentence(rule)}"
