"""A log of the calls a property test made, printed as code the learner can paste.

Hypothesis shrinks a failing run to its shortest sequence of steps and
reruns it; the message of that last failure carries this log, so the learner
sees exactly the calls, in their own API, that break their solution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REPRODUCE = "Shortest failing sequence of calls (paste it into a Python shell to reproduce):"


class CallLog:
    """Record calls as source lines: ``cache.put(1, 'a')``."""

    def __init__(self, *setup: str) -> None:
        self.lines = list(setup)

    def note(self, line: str) -> None:
        """Record a line that is not a call on the object (a clock advance, say)."""
        self.lines.append(line)

    def call(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Record ``name.method(args)``, then make the call and return its result."""
        self.lines.append(f"{name}.{method.__name__}({_arguments(args, kwargs)})")
        return method(*args, **kwargs)

    def program(self) -> str:
        return "\n".join(f"    {line}" for line in self.lines)

    def explain(self, message: str) -> str:
        """``message`` followed by the calls that led to it."""
        return f"{message}\n\n{REPRODUCE}\n\n{self.program()}\n"


def _arguments(args: tuple, kwargs: dict) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return ", ".join(parts)
