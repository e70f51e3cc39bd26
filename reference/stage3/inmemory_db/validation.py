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
