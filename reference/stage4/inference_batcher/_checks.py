"""Argument checks, kept apart so every public method validates the same way."""

import math


def count(name, value, *, optional=False):
    """Return ``value`` if it is an ``int`` >= 1 (or ``None`` when optional)."""
    if optional and value is None:
        return None
    # bool is a subclass of int, but max_batch_size=True is a bug, not a size of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def seconds(name, value, *, optional=False, zero_allowed=False):
    """Return ``value`` if it is a finite number of seconds (``None`` when optional)."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be an int or a float, not {type(value).__name__}")
    low_ok = value >= 0 if zero_allowed else value > 0
    if not (low_ok and math.isfinite(value)):  # NaN fails both
        bound = ">= 0" if zero_allowed else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return value


def length(x, max_tokens):
    """``len(x)``, checked against ``max_tokens``: the token cost of one input."""
    try:
        size = len(x)
    except TypeError:
        raise TypeError(f"with max_tokens, an input needs a len(); {type(x).__name__} has none") from None
    if size > max_tokens:
        raise ValueError(f"input of length {size} is longer than max_tokens={max_tokens}")
    return size


def prompt(value):
    """Return ``value`` if it is a non-empty list or tuple."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"prompt must be a list or a tuple, not {type(value).__name__}")
    if not value:
        raise ValueError("prompt must not be empty")
    return value
