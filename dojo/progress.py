"""The learner's progress: one small state folder, ``.dojo/``, ignored by git.

``runs.jsonl`` is the log of runs: one JSON line per run of the learner's
code, appended whole by the plugin (one ``write`` on a file opened for
appending), never rewritten; everything else is derived from it. Other files
are written atomically (a temporary file, then ``os.replace``), and a missing
or corrupt file (or log line) reads as empty with a one-line warning, so no
command ever crashes on it and no learner code is ever touched.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATE_DIR_ENV = "DOJO_STATE_DIR"
CLOCK_ENV = "DOJO_NOW"
RUN_LOG = "runs.jsonl"
STATE_FORMAT = 1
BAD_LINES = (
    "kata-dojo: warning: {path}: {count} unreadable line(s) skipped "
    "(line {first}); delete them to silence this"
)
UNREADABLE = "kata-dojo: warning: {path} is unreadable ({why}); starting it afresh"
FOREIGN = "kata-dojo: warning: {path} is not a kata-dojo state file; starting it afresh"


def warn(message: str) -> None:
    """One line on stderr: a state problem is worth knowing, never worth a traceback."""
    print(message, file=sys.stderr)


def state_dir(root: Path) -> Path:
    """``$DOJO_STATE_DIR`` when set, else ``<root>/.dojo``."""
    return Path(os.environ.get(STATE_DIR_ENV) or root / ".dojo")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: all of it or, on any failure, none.

    A temporary file, then ``os.replace``: a file already at ``path`` (a
    symlink planted there included) is replaced, never written through.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path``: all of it or, on any failure, none."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True))


def read_json(path: Path) -> dict[str, Any]:
    """The object stored at ``path``; ``{}`` if missing, and also if corrupt (with
    a one-line warning on stderr, so the caller rebuilds it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        warn(UNREADABLE.format(path=path, why=exc.__class__.__name__))
        return {}
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        warn(FOREIGN.format(path=path))
        return {}
    return data


def clock() -> datetime:
    """The current time; ``$DOJO_NOW`` (ISO 8601) fakes it, for tests and time travel.

    Raises ValueError on a ``$DOJO_NOW`` that is not a date and time.
    """
    faked = os.environ.get(CLOCK_ENV)
    if not faked:
        return datetime.now(UTC)
    when = datetime.fromisoformat(faked)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one JSON line: a single ``write`` in append mode, so
    concurrent writers never interleave and a reader sees whole lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a log, in order; unreadable lines are skipped with one
    warning line (a torn last line included: it is still being written)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        warn(UNREADABLE.format(path=path, why=exc.__class__.__name__))
        return []
    records, bad = [], []
    lines = raw.split(b"\n")
    torn = lines.pop() if lines and not raw.endswith(b"\n") else b""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            bad.append(number)
    if torn.strip():
        bad.append(len(lines) + 1)
    if bad:
        warn(BAD_LINES.format(path=path, count=len(bad), first=bad[0]))
    return records
