"""Argument checks shared by the manifest's methods: one clear error each."""


def integer(value, name):
    """``value`` if it is an ``int`` (a ``bool`` is not), else ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def binary(value, name):
    """``value`` if it is ``bytes``/``bytearray``, else ``TypeError``."""
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be bytes or bytearray, not {type(value).__name__}")
    return value


def index_in(index, count):
    """``index`` if it is an int in ``range(count)``: no wrap-around."""
    integer(index, "index")
    if not 0 <= index < count:
        raise IndexError(f"chunk index {index} is outside range({count})")
    return index
