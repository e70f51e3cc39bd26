"""Argument checks, kept apart so every public method validates the same way."""

import math
import sys


def check_key(key):
    """Raise ``TypeError`` unless ``key`` is a ``str``."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")


def check_value(value):
    """Raise ``TypeError`` unless ``value`` is a ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, not {type(value).__name__}")


def check_ttl(ttl):
    """Return ``ttl`` as float seconds; ``TypeError`` or ``ValueError`` if it is not a valid TTL.

    A TTL is an ``int`` or ``float`` (``bool`` excluded), greater than zero
    and finite.
    """
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be an int or a float, not {type(ttl).__name__}")
    if not 0 < ttl < math.inf:  # also False for NaN
        raise ValueError(f"ttl must be greater than zero and finite, not {ttl!r}")
    # An int too large for a float is still a valid TTL: cap it at the
    # largest float, which the clock will never reach.
    return float(min(ttl, sys.float_info.max))


def check_scan(prefix, start_after, limit):
    """Raise ``TypeError`` or ``ValueError`` unless these are valid ``scan`` arguments.

    ``prefix`` is a ``str``; ``start_after`` a ``str`` or ``None``; ``limit``
    an ``int`` (``bool`` excluded) of at least zero, or ``None``.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
    if start_after is not None and not isinstance(start_after, str):
        raise TypeError(f"start_after must be a str or None, not {type(start_after).__name__}")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit must be an int or None, not {type(limit).__name__}")
        if limit < 0:
            raise ValueError(f"limit must be at least zero, not {limit}")
