"""Plain values on the wire: one JSON object per line, tagged so types survive.

Shared by both sides, so it imports nothing but the standard library. The
judge decodes strictly: anything that is not one of the forms below is a
``WireError`` (the worker is hostile until proven otherwise).

=========================  =====================================
Python value               on the wire
=========================  =====================================
None, bool, int, str       JSON as is
finite float               JSON number (``{"f": "nan"}`` etc. otherwise)
list                       JSON array
tuple (or a subclass)      ``{"t": [...]}``
dict                       ``{"d": [[key, value], ...]}``
bytes                      ``{"b": "<base64>"}``
an instance of the kata    ``{"i": 1}`` (the worker keeps the object)
anything else              ``{"o": "<type name>"}`` (never equal to a plain value)
=========================  =====================================

A call's result is ``["v", value]`` or ``["x", [exception type names, most
derived first]]``: only built-in exception types are part of the contracts,
and a subclass of the named type is fine.
"""

from __future__ import annotations

import base64
import binascii
import json
import math

MAX_LINE = 8 * 1024 * 1024  # bytes in one reply line; more is an integrity failure
MAX_DEPTH = 40  # nesting of one value


class WireError(Exception):
    """A line or a value that is not the protocol's."""


def encode(value, instance_type: type | None = None, depth: int = 0):
    """``value`` as a JSON-able tagged form (see the module's table)."""
    if depth >= MAX_DEPTH:  # decode refuses anything deeper: an opaque value at the limit instead
        return {"o": "too deeply nested"}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return {"f": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, (bytes, bytearray)):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if instance_type is not None and isinstance(value, instance_type):
        return {"i": 1}
    if isinstance(value, tuple):
        return {"t": [encode(v, instance_type, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, instance_type, depth + 1) for v in value]
    if isinstance(value, dict):
        return {
            "d": [
                [encode(k, instance_type, depth + 1), encode(v, instance_type, depth + 1)]
                for k, v in value.items()
            ]
        }
    return {"o": type(value).__name__}


class Opaque:
    """A value the worker could not send as a plain value: only its type name."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and other.type_name == self.type_name

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<a {self.type_name} object>"


class Instance:
    """An instance of the kata's class (a cache, a database) returned by a call."""

    def __eq__(self, other) -> bool:
        return isinstance(other, Instance)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<an instance of the kata's class>"


def _tag(value: dict) -> tuple[str, object]:
    if len(value) != 1:
        raise WireError(f"a tagged value has {len(value)} keys")
    return next(iter(value.items()))


def decode(form, special=None, depth: int = 0):
    """The Python value of a tagged form; ``special(tag, body)`` decodes extra tags."""
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if form is None or isinstance(form, (bool, int, str)):
        return form
    if isinstance(form, float):
        return form
    if isinstance(form, list):
        return [decode(v, special, depth + 1) for v in form]
    if not isinstance(form, dict):
        raise WireError(f"not a value: {type(form).__name__}")
    tag, body = _tag(form)
    if tag == "t" and isinstance(body, list):
        return tuple(decode(v, special, depth + 1) for v in body)
    if tag == "d" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("a dict entry is not a [key, value] pair")
            key = decode(pair[0], special, depth + 1)
            try:
                out[key] = decode(pair[1], special, depth + 1)
            except TypeError:
                raise WireError("a dict key is unhashable") from None
        return out
    if tag == "b" and isinstance(body, str):
        try:
            return base64.b64decode(body.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise WireError("bytes that are not base64") from None
    if tag == "f" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "i" and body == 1:
        return Instance()
    if tag == "o" and isinstance(body, str):
        return Opaque(body[:80])
    if special is not None:
        return special(tag, body)
    raise WireError(f"unknown tag {tag!r}")


def dump_line(message: dict) -> bytes:
    """One message as one line of UTF-8 JSON."""
    return (json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n").encode()


def load_line(line: bytes) -> dict:
    """One message from one line; a WireError for anything else."""
    if len(line) > MAX_LINE:
        raise WireError(f"a reply of {len(line):,} bytes (the cap is {MAX_LINE:,})")
    try:
        message = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"a reply that is not JSON ({str(exc)[:80]})") from None
    if not isinstance(message, dict):
        raise WireError("a reply that is not a JSON object")
    return message


def _no_constant(name: str):
    raise ValueError(f"{name} is not a plain JSON value")
