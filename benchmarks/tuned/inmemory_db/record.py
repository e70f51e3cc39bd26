"""What the database stores under each key: the value and its expiry, together."""

# A record is a plain tuple ``(value, deadline)``: ``deadline`` is the absolute
# clock time at which the key expires, or ``None`` when it never does. A tuple
# is the cheapest record Python can build, which keeps ``set`` close to the
# cost of a dict assignment.
Record = tuple[str, float | None]

# In a transaction's changes, TOMBSTONE under a key means "deleted here".
TOMBSTONE = None


def is_expired(deadline, now):
    """``True`` when a record with this ``deadline`` is expired at time ``now``."""
    return deadline is not None and now >= deadline
