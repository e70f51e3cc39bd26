"""Argument checks, kept apart so every public method validates the same way."""


def check_key(key):
    """Raise ``TypeError`` unless ``key`` is a ``str``."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")


def check_value(value):
    """Raise ``TypeError`` unless ``value`` is a ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, not {type(value).__name__}")
