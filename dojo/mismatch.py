"""How a wrong value is told: short reprs, and where ``got`` first differs from ``expected``.

A wrong answer deep in a nested value (``items()`` of a hundred pairs, one of
them holding ``1`` where ``True`` was due) is hard to spot in two long reprs;
:func:`mismatch` names the place, and both values, types too when their
reprs look alike. Differences are judged by :func:`dojo.equality.same`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from dojo.equality import same

__tracebackhide__ = True


def short(value: Any, limit: int = 300) -> str:
    """``repr(value)``, cut to ``limit`` characters; long bytes show their length."""
    if isinstance(value, (bytes, bytearray)) and len(value) > 40:
        return f"{len(value)} bytes ({value[:24]!r}...)"
    if isinstance(value, PurePath):  # as code that runs once `from pathlib import Path` is there
        return f"Path({str(value)!r})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def mismatch(call: str, got: Any, expected: Any) -> str:
    """``<call> returned X; expected Y``, saying where they first differ when that helps."""
    path, g, e = first_difference(got, expected)
    if path is None:
        return f"{call} returned {short(got)}; expected {short(expected)}"
    where = f" (at {path})" if path else ""
    if type(g) is not type(e) and g == e:
        detail = f"{short(g, 80)} ({type(g).__name__}) where {short(e, 80)} ({type(e).__name__}) was expected"
    elif path:
        detail = f"{short(g, 80)} where {short(e, 80)} was expected"
    else:
        return f"{call} returned {short(got)}; expected {short(expected)}"
    return f"{call} returned {detail}{where}; it returned {short(got, 150)}; expected {short(expected, 150)}"


def first_difference(got: Any, expected: Any, path: str = "") -> tuple[str | None, Any, Any]:
    """Where ``got`` first differs from ``expected`` (``"[2][0]"``, ``"['k']"``; ``""`` for the
    values themselves) and the two values there; ``(None, None, None)`` if they are the same.
    """
    if same(got, expected):
        return None, None, None
    if isinstance(expected, (list, tuple)) and type(got) is type(expected):
        for i, (g, e) in enumerate(zip(got, expected, strict=False)):
            found = first_difference(g, e, f"{path}[{i}]")
            if found[0] is not None:
                return found
        return path, got, expected
    if isinstance(expected, dict) and type(got) is type(expected) and got.keys() == expected.keys():
        for k in expected:
            found = first_difference(got[k], expected[k], f"{path}[{k!r}]")
            if found[0] is not None:
                return found
    return path, got, expected
