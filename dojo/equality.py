"""Typed equality: ``got == expected``, and of the same types all the way down.

A contract that says "returns ``True``" is not met by ``1``, nor "a list" by a
tuple, though Python's ``==`` says both are equal. Suites compare with
:func:`same` so that a wrong type fails the test it breaks.

Floats are the one place where two contracts want different things, so the
caller says which it means:

- by default a float is the *same float*: compared by ``repr``, so ``-0.0``
  is not ``0.0`` and ``nan`` is ``nan``. That is what a value that must
  round-trip (stored, saved and loaded back) promises.
- with ``tolerance``, a float the solution *computes* (a remaining time,
  ``deadline - now`` in one solution and ``ttl - elapsed`` in another) is
  the same when within ``tolerance``, absolutely or relatively; any
  ``float`` (a subclass too) is the contract's "a float".
"""

from __future__ import annotations

import math
from typing import Any

__tracebackhide__ = True


def same(got: Any, expected: Any, *, tolerance: float = 0.0) -> bool:
    """``got == expected``, and of the same types all the way down.

    ``True`` is not ``1``, ``1.0`` is not ``1``, a list is not a tuple, and a
    dict's keys have the types of ``expected``'s. Floats: see the module.
    """
    if isinstance(expected, (list, tuple)):
        return (
            type(got) is type(expected)
            and len(got) == len(expected)
            and all(same(g, e, tolerance=tolerance) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            type(got) is type(expected)
            and got.keys() == expected.keys()
            and all(same(got[k], expected[k], tolerance=tolerance) for k in expected)
            and _same_key_types(got, expected)
        )
    if isinstance(expected, float) and tolerance:
        return isinstance(got, float) and (
            repr(got) == repr(expected) or math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)
        )
    if type(got) is not type(expected):
        return False
    if isinstance(expected, float):
        return repr(got) == repr(expected)
    return bool(got == expected)


def _same_key_types(got: dict, expected: dict) -> bool:
    """Each key of ``got`` has the type of ``expected``'s equal key (``1`` and ``1.0`` are equal keys)."""
    own = {k: k for k in expected}  # looked up by an equal key, gives expected's own
    return all(type(k) is type(own[k]) for k in got)
