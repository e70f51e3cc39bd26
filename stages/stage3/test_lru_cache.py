"""Stage 3 of the LRU cache: serialization.

``to_bytes``/``from_bytes`` and ``save``/``load``: every supported key and
value comes back exactly (types included), recency comes back, anything
unsupported raises TypeError, anything damaged raises ValueError, and
``save`` is atomic.
"""

from __future__ import annotations

import marshal
import os
import pickle
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from dojo.testing import run_machine
from stages.support.lru_cache import (
    CODE_RUNNING_AT_RUN_TIME,
    CODE_RUNNING_MODULES,
    CODE_RUNNING_NAMES,
    EVICT,
    KEYS,
    VALUES,
    code_it_ran,
    found_at_run_time,
    LRUCacheMachine,
    new,
    require,
    same,
    scan,
    short,
)

TO_BYTES = "cache.to_bytes() is a bytes snapshot of the whole state: capacity, every entry, and recency order"
FROM_BYTES = "LRUCache.from_bytes(data) is a new cache equal to the snapshot: same capacity, same items() in the same order"
LOAD = "LRUCache.load(path) is a new cache from a file written by save"
NO_RECENCY = "to_bytes never changes recency"
EXACT = "types are preserved exactly (1 and '1' are different keys, a tuple key comes back a tuple, True comes back True, 1.0 comes back 1.0)"
UNSUPPORTED = "a key or value outside the supported types makes to_bytes/save raise TypeError"
UNTOUCHED = "when save raises, any existing file at path is left untouched"
ATOMIC = "save is atomic: afterwards path holds either the previous file, untouched, or the complete new snapshot"
NO_TEMP = "no temporary file is left in the folder, whether save succeeded or raised"
DAMAGED = "the loader never silently returns data that differs from what was saved: {what} raises ValueError"
NO_CODE = (
    "loading never runs code from the data: no pickle, marshal, eval, exec, shelve, dill, "
    "jsonpickle, cloudpickle, yaml with a loader that builds arbitrary objects, or the like"
)

SNAPSHOT = "cache.snapshot"


def restore(s, data, solution, shown="cache.to_bytes()"):
    """``LRUCache.from_bytes(data)``, recorded, and the session goes on with the new cache."""
    s.last = f"LRUCache.from_bytes({shown})"
    restored = s.guarded(lambda: solution.from_bytes(data))
    s.replace(restored, f"cache = LRUCache.from_bytes({shown})")
    return restored


def expect_same_cache(s, restored, capacity, items, rule):
    if not isinstance(restored, s.cls):
        s.fail(f"{s.last} returned {short(restored)}; expected an LRUCache: {rule}.")
    s.expect(s.capacity(), capacity, rule)
    s.expect_items(items, rule)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def expect_folder(s, folder: Path, expected: list[str], rule: str) -> None:
    """Fail unless ``folder`` holds exactly the files named ``expected``."""
    found = listing(folder)
    if found != expected:
        s.fail(f"after {s.last}, the folder holds {found}; expected {expected}: {rule}.")


def sample_cache(solution):
    """A small full cache holding each kind of supported key and value."""
    return new(
        solution,
        4,
        ("a", 1),
        (2, [True, None, 1.5, "x"]),
        (("t", (3,)), {"k": {"n": [0, False]}}),
        ("", ""),
    )


def loads_as_value_error(solution, data):
    """``None`` if ``from_bytes(data)`` raised ValueError, else what it did instead."""
    try:
        restored = solution.from_bytes(data)
    except ValueError:
        return None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as the wrong exception
        return f"raised {type(exc).__name__}: {exc}"
    try:
        return (
            f"returned a cache of capacity {short(restored.capacity)} holding "
            f"{short(restored.items(), 160)}"
        )
    except Exception:  # noqa: BLE001
        return f"returned {short(restored, 160)}"


# --------------------------------------------------------------------------- round trips


def test_to_bytes_returns_bytes(solution):
    s = sample_cache(solution)
    data = s.to_bytes()
    if not isinstance(data, bytes):
        s.fail(f"cache.to_bytes() returned a {type(data).__name__}; expected bytes: {TO_BYTES}.")


def test_from_bytes_restores_capacity_entries_and_order(solution):
    s = sample_cache(solution)
    s.get("a")
    expected = s.cache.items()
    restored = restore(s, s.to_bytes(), solution)
    expect_same_cache(s, restored, 4, expected, FROM_BYTES)


def test_a_restored_cache_evicts_in_the_saved_order(solution):
    s = new(solution, 3, ("a", 1), ("b", 2), ("c", 3))
    s.get("a")
    restore(s, s.to_bytes(), solution)
    s.put("d", 4)
    s.expect_items([("c", 3), ("a", 1), ("d", 4)], f"{FROM_BYTES}; so {EVICT}: 'b'")
    s.put("e", 5)
    s.expect_items([("a", 1), ("d", 4), ("e", 5)], f"{FROM_BYTES}; so {EVICT}: 'c'")


def test_a_restored_cache_keeps_its_capacity_and_free_room(solution):
    s = new(solution, 5, ("a", 1), ("b", 2))
    restored = restore(s, s.to_bytes(), solution)
    expect_same_cache(s, restored, 5, [("a", 1), ("b", 2)], FROM_BYTES)
    for key in "cde":
        s.put(key, 0)
    s.expect_items([("a", 1), ("b", 2), ("c", 0), ("d", 0), ("e", 0)], f"{FROM_BYTES}: capacity 5")


def test_an_empty_cache_round_trips(solution):
    for capacity in (1, 7):
        s = new(solution, capacity)
        restored = restore(s, s.to_bytes(), solution)
        expect_same_cache(s, restored, capacity, [], FROM_BYTES)


def test_to_bytes_never_changes_recency(solution):
    s = new(solution, 2, ("a", 1), ("b", 2))
    s.to_bytes()
    s.put("c", 3)
    s.expect_items([("b", 2), ("c", 3)], f"{NO_RECENCY}; {EVICT}, still 'a'")


def test_types_are_preserved_exactly(solution):
    pairs = [
        (1, "int key"),
        ("1", "str key"),
        ((1, "1"), "tuple key"),
        ((1, ("1", (2,))), "nested tuple key"),
        ((), "empty tuple key"),
        ("true", True),
        ("one", 1),
        ("float", 1.0),
        ("negative zero", -0.0),
        ("none", None),
        ("list", [1, "1", 1.0, True, None, []]),
        ("dict", {"1": 1, "true": True, "nested": {"list": [{"x": 0.5}]}}),
    ]
    s = new(solution, len(pairs), *pairs)
    restored = restore(s, s.to_bytes(), solution)
    expect_same_cache(s, restored, len(pairs), pairs, f"{FROM_BYTES}; {EXACT}")


def test_big_ints_and_unusual_strings_round_trip(solution):
    pairs = [
        (2**100, -(2**70)),
        (-(2**64), 2**64),
        ("quote \" backslash \\ newline \n tab \t nul \x00", "é ☃ 𝄞 \u2028"),
        (("{", "}", "[", "]", ",", ":"), '{"not": "json"}'),
        ("", ""),
        ("big float", 1.7976931348623157e308),
        ("tiny float", 5e-324),
        ("third", 1 / 3),
    ]
    s = new(solution, len(pairs), *pairs)
    restored = restore(s, s.to_bytes(), solution)
    expect_same_cache(s, restored, len(pairs), pairs, f"{FROM_BYTES}; {EXACT}")


def test_every_supported_key_and_value_round_trips(solution):
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(capacity=st.integers(1, 6), pairs=st.lists(st.tuples(KEYS, VALUES), max_size=6))
    def round_trip(capacity, pairs):
        s = new(solution, capacity, *pairs)
        before = s.cache.items()
        data = s.to_bytes()
        after = s.cache.items()
        if not same(after, before):
            s.fail(f"cache.items() changed from {short(before)} to {short(after)}: {NO_RECENCY}.")
        restored = restore(s, data, solution)
        expect_same_cache(s, restored, capacity, before, f"{FROM_BYTES}; {EXACT}")

    round_trip()


# --------------------------------------------------------------------------- save and load


class FsPath:
    """An ``os.PathLike`` that is not a ``pathlib.Path``: only ``os.fspath()`` knows its path."""

    def __init__(self, path):
        self.path = str(path)

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return f"FsPath({self.path!r})  # an os.PathLike"


PATHS = {"str": str, "pathlib.Path": Path, "another os.PathLike": FsPath}


@pytest.mark.parametrize("kind", PATHS)
def test_save_then_load_round_trips(solution, tmp_path, kind):
    s = sample_cache(solution)
    s.get(2)
    expected = s.cache.items()
    path = PATHS[kind](tmp_path / SNAPSHOT)
    s.expect(s.save(path), None, "cache.save(path) writes the snapshot to path (str or os.PathLike)")
    if kind == "another os.PathLike":
        path = os.fspath(path)
    s.last = f"LRUCache.load({path!r})"
    loaded = s.guarded(lambda: solution.load(path))
    s.replace(loaded, f"cache = LRUCache.load({path!r})")
    expect_same_cache(s, loaded, 4, expected, LOAD)
    expect_folder(s, tmp_path, [SNAPSHOT], NO_TEMP)


def test_the_file_written_by_save_holds_the_snapshot(solution, tmp_path):
    s = sample_cache(solution)
    expected = s.cache.items()
    path = tmp_path / SNAPSHOT
    s.save(path)
    restored = restore(s, path.read_bytes(), solution, shown=f"open({str(path)!r}, 'rb').read()")
    expect_same_cache(s, restored, 4, expected, f"save writes the snapshot; {FROM_BYTES}")


def test_save_replaces_the_previous_file_and_leaves_no_temporary_file(solution, tmp_path):
    s = new(solution, 2, ("a", 1))
    path = tmp_path / SNAPSHOT
    s.save(path)
    s.put("b", [2])
    s.put("c", {"3": 3})
    s.save(path)
    expect_folder(s, tmp_path, [SNAPSHOT], NO_TEMP)
    s.last = f"LRUCache.load({str(path)!r})"
    loaded = s.guarded(lambda: solution.load(path))
    s.replace(loaded, f"cache = LRUCache.load({str(path)!r})")
    expect_same_cache(s, loaded, 2, [("b", [2]), ("c", {"3": 3})], f"{ATOMIC}; {LOAD}")


def test_save_replaces_the_file_instead_of_rewriting_it_in_place(solution, tmp_path):
    s = new(solution, 2, ("a", 1))
    path = tmp_path / SNAPSHOT
    s.save(path)
    previous = path.read_bytes()
    with open(path, "rb") as reader:
        s.note(f"reader = open({str(path)!r}, 'rb')  # someone reads the previous snapshot")
        s.put("b", 2)
        s.save(path)
        seen = reader.read()
    if seen != previous:
        s.fail(
            "a reader that opened the previous snapshot before save() read "
            f"{len(seen)} bytes that differ from the {len(previous)} bytes it opened: save() "
            f"rewrote the existing file in place, so a crash mid-write leaves half a file. {ATOMIC}: "
            "write a temporary file in the same folder, then os.replace() it over path."
        )


def test_save_that_fails_leaves_no_temporary_file(solution, tmp_path):
    s = new(solution, 2, ("a", 1))
    target = tmp_path / "a folder"
    target.mkdir()
    s.note(f"import os; os.mkdir({str(target)!r})")
    s.raw = True
    try:
        s.save(target)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - any error will do: a folder is no file
        pass
    else:
        s.fail(f"{s.last} returned, but path is a folder; expected it to raise (it cannot be written).")
    finally:
        s.raw = False
    expect_folder(s, tmp_path, ["a folder"], f"{NO_TEMP} (save raised: path is a folder)")
    expect_folder(s, target, [], f"{UNTOUCHED}; here it is a folder")


FAILS = "def fails(*args, **kwargs):\n        raise OSError(5, 'Input/output error (made to fail by the test)')"


def _fails(*args, **kwargs):
    raise OSError(5, "Input/output error (made to fail by the test)")


def big_cache(solution, tmp_path):
    """A saved small snapshot at path, and a cache whose snapshot is hundreds of KB."""
    s = new(solution, 2, ("a", 1))
    path = tmp_path / SNAPSHOT
    s.save(path)
    previous = path.read_bytes()
    rng = random.Random(7)
    s.note("import random; rng = random.Random(7)")
    for key in ("b", "c"):
        s.put(key, rng.randbytes(150_000).hex())  # noise: no compression makes it small
    s.log.lines[-2:] = [f"cache.put({k!r}, rng.randbytes(150_000).hex())" for k in ("b", "c")]
    return s, path, previous


def expect_old_file_or_new_snapshot(s, solution, tmp_path, path, previous, raised, why):
    """After a save that met a failure: the old file and nothing else, or the new snapshot."""
    if raised:
        expect_folder(s, tmp_path, [SNAPSHOT], f"{NO_TEMP} (save raised: {why})")
        if path.read_bytes() != previous:
            s.fail(f"after {s.last} raised ({why}), the file at path changed: {UNTOUCHED}; {ATOMIC}.")
        return
    expect_folder(s, tmp_path, [SNAPSHOT], NO_TEMP)
    expected = s.cache.items()
    s.last = f"LRUCache.load({str(path)!r})"
    loaded = s.guarded(lambda: solution.load(path))
    if not same(loaded.items(), expected):
        s.fail(f"{s.last} returned a cache holding {short(loaded.items())}: save returned, so {ATOMIC}.")


def test_save_whose_write_fails_half_way_leaves_the_old_file_and_no_temporary_file(solution, tmp_path):
    resource = pytest.importorskip("resource", reason="a file-size limit needs POSIX (resource)")
    import signal

    s, path, previous = big_cache(solution, tmp_path)
    limit = len(previous) + 16_384  # the old file fits; the new snapshot does not
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    s.note("import resource, signal")
    s.note("signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit raises OSError")
    s.note(f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {hard}))  # files stop at {limit:,} bytes")
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    s.raw = True
    try:
        s.save(path)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - any error will do: the disk refused the bytes
        raised = True
    else:
        raised = False
    finally:
        s.raw = False
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    if not raised:
        s.fail(
            f"{s.last} returned, although no file over {limit:,} bytes could be written and the "
            f"snapshot is {len(s.cache.to_bytes()):,} bytes: a failed write must raise."
        )
    expect_old_file_or_new_snapshot(s, solution, tmp_path, path, previous, raised, "the write failed half-way")


@pytest.mark.parametrize("step", ["os.fsync", "os.replace and os.rename"])
def test_save_that_fails_at_any_later_step_leaves_the_old_file_and_no_temporary_file(solution, tmp_path, monkeypatch, step):
    s, path, previous = big_cache(solution, tmp_path)
    s.note("import os")
    s.note(FAILS)
    names = ["fsync"] if step == "os.fsync" else ["replace", "rename"]
    for name in names:
        monkeypatch.setattr(os, name, _fails)
        s.note(f"os.{name} = fails")
    s.raw = True
    try:
        s.save(path)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the failure the test made
        raised = True
    else:
        raised = False
    finally:
        s.raw = False
        monkeypatch.undo()
    expect_old_file_or_new_snapshot(s, solution, tmp_path, path, previous, raised, f"{step} failed")


# --------------------------------------------------------------------------- unsupported types


class Opaque:
    """An object of the learner's own kind: outside the supported types."""

    def __repr__(self):
        return "Opaque()"


BAD_KEYS = {
    "object": Opaque(),
    "float": 1.5,
    "None": None,
    "frozenset": frozenset({1}),
    "bytes": b"key",
    "tuple holding a float": (1, 2.5),
    "tuple holding None": ("a", None),
    "tuple holding bytes": (("a", b"x"),),
}
BAD_VALUES = {
    "set": {1, 2},
    "object": Opaque(),
    "bytes": b"value",
    "bytearray": bytearray(b"value"),
    "complex": 1j,
    "frozenset": frozenset(),
    "dict with an int key": {1: "a"},
    "dict with a tuple key": {("a",): 1},
    "list holding a set": [1, {2}],
    "dict holding an object": {"a": [Opaque()]},
}


def check_unsupported(solution, tmp_path, key, value, what):
    s = new(solution, 3, ("ok", [1]))
    path = tmp_path / SNAPSHOT
    s.save(path)
    previous = path.read_bytes()
    s.put(key, value)
    rule = f"{UNSUPPORTED} (here {what})"
    s.expect_raises(TypeError, rule, s.to_bytes)
    s.expect_raises(TypeError, rule, lambda: s.save(path))
    if path.read_bytes() != previous:
        s.fail(f"the file at path changed although save raised: {UNTOUCHED}.")
    expect_folder(s, tmp_path, [SNAPSHOT], NO_TEMP)
    fresh = tmp_path / "never written.snapshot"
    s.expect_raises(TypeError, rule, lambda: s.save(fresh))
    expect_folder(s, tmp_path, [SNAPSHOT], f"{UNTOUCHED}: a save that raised creates no file; {NO_TEMP}")


@pytest.mark.parametrize("what", BAD_KEYS)
def test_an_unsupported_key_makes_to_bytes_and_save_raise_type_error(solution, tmp_path, what):
    key = BAD_KEYS[what]
    check_unsupported(solution, tmp_path, key, "value", f"the key {key!r}, a {what}")


@pytest.mark.parametrize("what", BAD_VALUES)
def test_an_unsupported_value_makes_to_bytes_and_save_raise_type_error(solution, tmp_path, what):
    value = BAD_VALUES[what]
    check_unsupported(solution, tmp_path, "key", value, f"the value {value!r}, a {what}")


# --------------------------------------------------------------------------- damaged input


def expect_all_refused(s, solution, cases, what):
    """``cases``: (description, data[, code]). Fail listing every one that did not raise ValueError.

    ``code`` is the expression that makes the data from the session's
    ``data``; the repro of the first case that loaded ends with it, so it runs.
    """
    wrong = []
    for description, data, *code in cases:
        outcome = loads_as_value_error(solution, data)
        if outcome is not None:
            if not wrong:
                s.note(f"data = {code[0] if code else short(data, 10_000)}  # {description}")
                s.note("LRUCache.from_bytes(data)  # expected: ValueError")
            wrong.append(f"{description}: {outcome}")
    if wrong:
        examples = "\n".join(f"  {line}" for line in wrong[:8])
        more = f"\n  ... and {len(wrong) - 8} more" if len(wrong) > 8 else ""
        s.fail(
            f"LRUCache.from_bytes(data) did not raise ValueError for {len(wrong)} of {len(cases)} "
            f"{what}; {DAMAGED.format(what=what)}. For example, {wrong[0]}\n\n{examples}{more}"
        )


def test_every_single_changed_byte_raises_value_error(solution):
    s = sample_cache(solution)
    data = s.to_bytes()
    s.note("data = cache.to_bytes()")
    cases = []
    for i, byte in enumerate(data):
        for flip in (0x01, 0x80, 0xFF):
            changed = data[:i] + bytes([byte ^ flip]) + data[i + 1:]
            code = f"data[:{i}] + bytes([{byte ^ flip:#04x}]) + data[{i + 1}:]"
            cases.append((f"byte {i} changed from {byte:#04x} to {byte ^ flip:#04x}", changed, code))
    expect_all_refused(s, solution, cases, f"snapshots of {len(data)} bytes with one byte changed")


def test_every_truncation_raises_value_error(solution):
    s = sample_cache(solution)
    data = s.to_bytes()
    s.note("data = cache.to_bytes()")
    cases = [(f"data[:{n}]", data[:n], f"data[:{n}]") for n in range(len(data))]
    expect_all_refused(s, solution, cases, "truncated snapshots (every shorter length)")


def test_empty_input_raises_value_error(solution):
    s = new(solution, 2, ("a", 1))
    expect_all_refused(s, solution, [("b''", b"", "b''")], "empty inputs")


def test_random_bytes_raise_value_error(solution):
    s = sample_cache(solution)
    data = s.to_bytes()
    s.note("data = cache.to_bytes()")
    rng = random.Random(3)
    cases = []
    for _ in range(150):
        size = rng.choice([1, 2, 8, 16, 64, 256, len(data)])
        cases.append((f"{size} random bytes", rng.randbytes(size)))
    for keep in (4, 8, 16, 32, len(data) // 2):  # a real snapshot's first bytes, then noise
        for _ in range(10):
            noise = rng.randbytes(max(1, len(data) - keep))
            cases.append((
                f"data[:{keep}] then {len(noise)} random bytes", data[:keep] + noise,
                f"data[:{keep}] + {noise!r}",
            ))
    expect_all_refused(s, solution, cases, "inputs of random bytes")


class RunsCode:
    """Unpickling this runs ``os.mkdir(marker)``: proof that loading ran code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


class Reduces:
    """Unpickling this calls ``reduced[0](*reduced[1])``."""

    def __init__(self, reduced):
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


def test_a_pickle_payload_raises_value_error_and_never_runs(solution, tmp_path, monkeypatch):
    s = new(solution, 2, ("a", 1), ("b", [2]))
    marker = tmp_path / "the data ran code"
    monkeypatch.delenv("DOJO_PICKLE_RAN", raising=False)
    setenv = (exec, ("import os; os.environ['DOJO_PICKLE_RAN'] = '1'",))
    plausible = [
        (2, [("a", 1), ("b", [2])]),
        {"capacity": 2, "items": [("a", 1), ("b", [2])]},
        {"capacity": 2, "entries": [["a", 1], ["b", [2]]]},
    ]
    cases = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        cases.append((f"a pickle (protocol {protocol}) that creates a folder", pickle.dumps(RunsCode(str(marker)), protocol)))
        cases.append((f"a pickle (protocol {protocol}) that sets an environment variable", pickle.dumps(Reduces(setenv), protocol)))
    for data in plausible:
        cases.append((f"pickle.dumps({short(data, 80)})", pickle.dumps(data)))
        cases.append((f"marshal.dumps({short(data, 80)})", marshal.dumps(data)))
    try:
        cases.append(("pickle.dumps(cache)", pickle.dumps(s.cache)))
    except Exception:  # noqa: BLE001 - a cache holding a lock cannot be pickled; fine
        pass
    for tag in ("!!python/object/apply:os.mkdir", "!!python/object/new:os.mkdir"):
        yaml = f"{tag} [{str(marker)!r}]\n".encode()
        cases.append((f"a YAML document that creates a folder ({tag})", yaml))
    ran = []
    for description, data in cases:
        seen = code_it_ran(lambda data=data: loads_as_value_error(solution, data))
        if seen or marker.exists() or os.environ.get("DOJO_PICKLE_RAN"):
            ran.append(f"{description} ({seen[0] if seen else 'it ran'})")
            if marker.exists():
                marker.rmdir()
            os.environ.pop("DOJO_PICKLE_RAN", None)
    if ran:
        s.fail(
            f"LRUCache.from_bytes(data) ran code from the data for {ran[0]} (and {len(ran) - 1} more): "
            f"{NO_CODE}. A pickle can run any code when loaded; use a format of plain data "
            "(JSON, or your own) and check it."
        )
    expect_all_refused(s, solution, cases, "pickle, marshal and YAML payloads")


def test_load_of_a_damaged_file_raises_value_error(solution, tmp_path):
    s = sample_cache(solution)
    path = tmp_path / SNAPSHOT
    s.save(path)
    data = path.read_bytes()
    for description, damaged in [
        ("the file cut in half", data[: len(data) // 2]),
        ("an empty file", b""),
        ("the file with its last byte changed", data[:-1] + bytes([data[-1] ^ 0x01])),
        ("a pickle", pickle.dumps((4, s.cache.items()))),
    ]:
        path.write_bytes(damaged)
        s.note(f"# {path} now holds {description}")
        s.last = f"LRUCache.load({str(path)!r})"
        s.expect_raises(ValueError, DAMAGED.format(what=description), lambda: solution.load(path))


def test_loading_uses_no_pickle_marshal_or_eval(solution_dir):
    findings, unreadable = scan(solution_dir, CODE_RUNNING_MODULES, CODE_RUNNING_NAMES)
    require(not unreadable, lambda: f"could not read {unreadable[0] if unreadable else ''}")
    if findings:
        found = "\n".join(f"  {finding}" for finding in findings[:10])
        raise AssertionError(
            f"{findings[0]}: {NO_CODE}; such a loader runs whatever code the data holds. Use a "
            f"format of plain data (JSON, or your own) and check it.\n\nFound:\n{found}"
        )


def test_loading_reaches_no_pickle_marshal_or_eval_at_run_time_either(solution, solution_dir):
    # However the loader was reached (a name built at run time, a vendored copy):
    # what the solution's modules, a cache and a restored cache hold.
    s = sample_cache(solution)
    restored = solution.from_bytes(s.to_bytes())
    found = found_at_run_time(
        solution_dir, [s.cache, restored], CODE_RUNNING_MODULES, CODE_RUNNING_AT_RUN_TIME
    )
    if found:
        listing = "\n".join(f"  {what}" for what in found[:10])
        raise AssertionError(
            f"the solution's modules or its cache hold {found[0]}: {NO_CODE}; such a loader runs "
            f"whatever code the data holds. Use a format of plain data (JSON, or your own) and "
            f"check it.\n\nFound:\n{listing}"
        )


# --------------------------------------------------------------------------- the model


KEY_DOMAIN = [1, "1", 2, (1,), ("1", (2,)), ()]
VALUE_DOMAIN = [None, True, False, 0, 1, 1.0, -0.0, "1", "", [1, "1", None], {"1": [True]}, [], {}]


def test_snapshots_taken_at_any_point_restore_the_same_cache(solution, tmp_path):
    path = tmp_path / SNAPSHOT

    ENTRIES = st.lists(st.tuples(st.sampled_from(KEY_DOMAIN), st.sampled_from(VALUE_DOMAIN)), max_size=3)

    class SnapshotMachine(LRUCacheMachine):
        keys = st.sampled_from(KEY_DOMAIN)
        values = st.sampled_from(VALUE_DOMAIN)

        def expect_only_the_snapshot(self, why):
            found = [p.name for p in tmp_path.iterdir() if p != path]
            if found:
                self.fail(f"after {self.session.last}, the folder also holds {found}: {NO_TEMP} ({why}).")

        # The snapshot rules first put a few entries of their own: a snapshot of
        # an empty or one-entry cache cannot show a lost order or a changed type,
        # and without them most snapshots were of such caches.
        def put_all(self, entries):
            for key, value in entries:
                self.put(key, value)

        @rule(entries=ENTRIES)
        def from_bytes_of_to_bytes(self, entries):
            self.put_all(entries)
            data = self.session.to_bytes()
            restored = restore(self.session, data, solution)
            self.expect(restored.capacity, self.model.capacity, f"{FROM_BYTES} (cache.capacity)")

        @rule(entries=ENTRIES)
        def save_then_load(self, entries):
            self.put_all(entries)
            self.session.save(path)
            self.expect_only_the_snapshot("save returned")
            self.session.last = f"LRUCache.load({str(path)!r})"
            loaded = self.session.guarded(lambda: solution.load(path))
            self.session.replace(loaded, f"cache = LRUCache.load({str(path)!r})")
            self.expect(loaded.capacity, self.model.capacity, f"{LOAD} (cache.capacity)")

        @rule()
        def every_damaged_snapshot_is_refused(self):
            s = self.session
            data = s.to_bytes()
            s.note("data = cache.to_bytes()")
            cases = [("b''", b"", "b''"), (f"data[:{len(data) // 2}]", data[: len(data) // 2], f"data[:{len(data) // 2}]")]
            for i, byte in enumerate(data):
                code = f"data[:{i}] + bytes([{byte ^ 1:#04x}]) + data[{i + 1}:]"
                cases.append((f"byte {i} changed from {byte:#04x} to {byte ^ 1:#04x}", data[:i] + bytes([byte ^ 1]) + data[i + 1:], code))
            expect_all_refused(s, solution, cases, f"damaged snapshots of {len(data)} bytes")

        @rule(key=st.sampled_from(KEY_DOMAIN), bad=st.sampled_from(["set", "object", "bytes"]))
        def an_unsupported_value_is_refused(self, key, bad):
            s = self.session
            value = {"set": {1, 2}, "object": Opaque(), "bytes": b"x"}[bad]
            s.save(path)
            previous = path.read_bytes()
            s.put(key, value)
            self.model.put(key, value)
            why = f"{UNSUPPORTED} (here {value!r}, a {bad})"
            s.expect_raises(TypeError, why, s.to_bytes)
            s.expect_raises(TypeError, why, lambda: s.save(path))
            if path.read_bytes() != previous:
                self.fail(f"the file at path changed although {s.last} raised: {UNTOUCHED}.")
            self.expect_only_the_snapshot("save raised")
            s.delete(key)
            self.model.delete(key)

        @rule()
        def save_whose_fsync_fails(self):
            s = self.session
            s.save(path)
            previous = path.read_bytes()
            s.note("import os")
            s.note(FAILS)
            s.note("real_fsync, os.fsync = os.fsync, fails")
            real = os.fsync
            os.fsync = _fails
            s.raw = True
            try:
                s.save(path)
            except NotImplementedError:
                raise
            except Exception:  # noqa: BLE001 - the failure the test made
                if path.read_bytes() != previous:
                    self.fail(f"the file at path changed although {s.last} raised: {UNTOUCHED}.")
            finally:
                s.raw = False
                os.fsync = real
            s.note("os.fsync = real_fsync")
            self.expect_only_the_snapshot("a save met a failing os.fsync")

    run_machine(SnapshotMachine, solution, steps=12)
