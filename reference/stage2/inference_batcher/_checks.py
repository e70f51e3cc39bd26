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

