"""The snapshot format: a cache's capacity and entries as checksummed bytes.

Layout (version 1), all integers big-endian::

    magic    8 bytes   b"\\x89LRU\\r\\n\\x1a\\n"
    version  2 bytes   1
    length   8 bytes   the body's length in bytes
    digest  32 bytes   SHA-256 of magic + version + length + body
    body               UTF-8 JSON: {"capacity": int, "entries": [[key, value], ...]}

Entries are least recently used first. The magic bytes (borrowed from PNG's
trick) catch files that are not snapshots and text-mode newline mangling;
the version lets a later format read or clearly refuse this one; the
length catches truncation; the digest catches any other changed byte.

JSON keeps the allowed types apart by itself: ``1`` and ``"1"``, ``true``
and ``1``, ``1`` and ``1.0`` all decode to what was encoded. What JSON
would blur is refused while encoding (a tuple value would come back a
list, a dict with int keys would come back with str keys), and a key's
position tells its grammar: in key position an array is a tuple, since a
list can never be a key.

Decoding only parses JSON and checks its shape: nothing in the data is
ever executed.

This module knows nothing of caches: ``encode`` takes a capacity and a
list of pairs, ``decode`` gives them back.
"""

import hashlib
import json
import math
import struct

MAGIC = b"\x89LRU\r\n\x1a\n"
VERSION = 1
_HEADER = struct.Struct(">8sHQ")  # magic, version, body length
_DIGEST_SIZE = hashlib.sha256().digest_size
_PREFIX_SIZE = _HEADER.size + _DIGEST_SIZE


# --- encoding -----------------------------------------------------------------


def encode(capacity, items):
    """Return the snapshot bytes of ``capacity`` and ``items``, a list of (key, value).

    Raises TypeError, naming the culprit, for a key or value of a type that
    cannot round-trip exactly, before producing anything.

    Complexity: O(total size of the keys and values).
    """
    entries = []
    for key, value in items:
        _check_key(key, key)
        _check_value(value, key, set())
        entries.append([key, value])
    body = json.dumps(
        {"capacity": capacity, "entries": entries},
        ensure_ascii=True,  # any str, lone surrogates included, survives as \u escapes
        allow_nan=False,
        separators=(",", ":"),
    ).encode("ascii")
    header = _HEADER.pack(MAGIC, VERSION, len(body))
    return header + hashlib.sha256(header + body).digest() + body


def _check_key(key, where):
    """Raise TypeError unless ``key`` is a str, an int, or a tuple of such keys."""
    kind = type(key)  # exact types: a bool or an int subclass would not come back as itself
    if kind is str or kind is int:
        return
    if kind is tuple:
        for part in key:
            _check_key(part, where)
        return
    raise TypeError(
        f"cannot serialize key {where!r}: a key must be a str, an int or a tuple of them,"
        f" not {kind.__name__}"
    )


def _check_value(value, key, containers):
    """Raise TypeError unless ``value`` is None, bool, int, finite float, str, list or dict."""
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return
    if kind is float:
        if not math.isfinite(value):
            raise TypeError(
                f"cannot serialize the value under key {key!r}: {value} is not a finite float"
            )
        return
    if kind is list or kind is dict:
        if id(value) in containers:
            raise ValueError(f"cannot serialize the value under key {key!r}: it contains itself")
        containers.add(id(value))
        if kind is list:
            for item in value:
                _check_value(item, key, containers)
        else:
            for name, item in value.items():
                if type(name) is not str:
                    raise TypeError(
                        f"cannot serialize the value under key {key!r}: a dict key must be a str,"
                        f" not {type(name).__name__}"
                    )
                _check_value(item, key, containers)
        containers.discard(id(value))
        return
    raise TypeError(
        f"cannot serialize the value under key {key!r}: {kind.__name__} is not one of"
        " None, bool, int, float, str, list, dict"
    )


# --- decoding -----------------------------------------------------------------


def decode(data):
    """Return ``(capacity, items)`` from snapshot bytes; raise ValueError if they are not intact.

    Raises TypeError if ``data`` is not bytes-like at all.

    Complexity: O(len(data)).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"a snapshot is bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < _PREFIX_SIZE:
        raise ValueError(
            f"not an LRU cache snapshot: {len(data)} bytes is shorter than the"
            f" {_PREFIX_SIZE}-byte header"
        )
    magic, version, length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not an LRU cache snapshot: wrong magic bytes")
    decoder = _DECODERS.get(version)
    if decoder is None:
        raise ValueError(
            f"unsupported snapshot version {version}; this code reads versions"
            f" {', '.join(map(str, sorted(_DECODERS)))}"
        )
    return decoder(data, length)


def _decode_v1(data, length):
    body = data[_PREFIX_SIZE:]
    if len(body) != length:
        raise ValueError(
            f"corrupt snapshot: the header announces a {length}-byte body, found {len(body)} bytes"
            " (truncated or padded)"
        )
    digest = data[_HEADER.size:_PREFIX_SIZE]
    if hashlib.sha256(data[:_HEADER.size] + body).digest() != digest:
        raise ValueError("corrupt snapshot: the SHA-256 digest does not match the contents")
    try:
        document = json.loads(
            body.decode("ascii"),
            object_pairs_hook=_dict_without_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
        return _shape_v1(document)
    except RecursionError:
        raise ValueError("corrupt snapshot: nested too deeply") from None
    except UnicodeDecodeError as exc:  # a ValueError already; say where it came from
        raise ValueError(f"corrupt snapshot: the body is not ASCII JSON ({exc})") from None
    # json.JSONDecodeError is a ValueError: it propagates as it is.


def _shape_v1(document):
    """Check the decoded JSON document's shape; return ``(capacity, items)``."""
    if type(document) is not dict or set(document) != {"capacity", "entries"}:
        raise ValueError("corrupt snapshot: the body must hold exactly 'capacity' and 'entries'")
    capacity = document["capacity"]
    entries = document["entries"]
    if type(capacity) is not int or capacity < 1:
        raise ValueError(f"corrupt snapshot: capacity {capacity!r} is not an int >= 1")
    if type(entries) is not list:
        raise ValueError("corrupt snapshot: 'entries' is not a list")
    if len(entries) > capacity:
        raise ValueError(
            f"corrupt snapshot: {len(entries)} entries do not fit in capacity {capacity}"
        )
    items = []
    seen = set()
    for entry in entries:
        if type(entry) is not list or len(entry) != 2:
            raise ValueError(f"corrupt snapshot: entry {entry!r} is not a [key, value] pair")
        key = _key_from_json(entry[0])
        if key in seen:
            raise ValueError(f"corrupt snapshot: key {key!r} appears twice")
        seen.add(key)
        items.append((key, entry[1]))  # JSON can only produce allowed value types
    return capacity, items


def _key_from_json(raw):
    """A key from its JSON form: an array in key position is a tuple."""
    kind = type(raw)
    if kind is str or kind is int:
        return raw
    if kind is list:
        return tuple(_key_from_json(part) for part in raw)
    raise ValueError(f"corrupt snapshot: {raw!r} is not a valid key")


def _dict_without_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("corrupt snapshot: a JSON object repeats a name")
    return result


def _refuse_constant(name):
    raise ValueError(f"corrupt snapshot: {name} is not a finite number")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"corrupt snapshot: {text} is not a finite float")
    return number


# Each known version's decoder; a later format adds an entry and keeps this one.
_DECODERS = {1: _decode_v1}
