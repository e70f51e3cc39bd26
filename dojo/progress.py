"""The learner's progress: one small state folder, ``.dojo/``, ignored by git.

Every file is written atomically (a temporary file, then ``os.replace``), and
a missing or corrupt file reads as empty with a one-line warning, so no
command ever crashes on it and no learner code is ever touched.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

STATE_DIR_ENV = "DOJO_STATE_DIR"
LAST_RUN = "last_run.json"
STATE_FORMAT = 1
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
