"""The grader protects itself from the code it grades.

- ``harden``: the grader is non-dumpable (no other process of its user can
  read its ``/proc/<pid>/environ`` or memory, nor ptrace it), and SIGTERM or
  SIGHUP stop the grade instead of ending the grader: the running katas are
  killed, the rest are not run, and the report is still written.
- ``Outputs``: the files GitHub Actions reads after the step
  (``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``) are remembered as they were
  before any graded code ran, and put back that way before the grader
  writes to them: whatever a graded process added (a forged ``result=``, a
  fake table, an unclosed ``<!--``) is cut off.
"""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

from dojo.grading import files, isolation

GITHUB_FILES = ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
REMEMBERED = 16 * files.MB  # more than a step summary may hold (1 MB per step)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def harden(on_stop) -> None:
    """Make the grader non-dumpable, and turn SIGTERM/SIGHUP into ``on_stop(name)``."""
    isolation.prctl(isolation.PR_SET_DUMPABLE, 0)

    def handler(signum, _frame) -> None:
        on_stop(signal.Signals(signum).name)

    for signum in STOP_SIGNALS:
        try:
            signal.signal(signum, handler)
        except (ValueError, OSError):  # not the main thread: nothing to install
            pass


class Outputs:
    """``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` as they were before grading."""

    def __init__(self, environ=os.environ) -> None:
        self.saved: dict[Path, bytes | None] = {}
        for name in GITHUB_FILES:
            if environ.get(name):
                path = Path(environ[name])
                try:
                    self.saved[path] = files.read_regular(path, limit=REMEMBERED)
                except FileNotFoundError:
                    self.saved[path] = b""
                except OSError:
                    self.saved[path] = None  # not a file we can guard: leave it alone

    def restore(self) -> list[str]:
        """Put every guarded file back as it was; the paths that had been changed."""
        changed = []
        for path, before in self.saved.items():
            if before is None:
                continue
            try:
                now = files.read_regular(path, limit=REMEMBERED + 1)
            except FileNotFoundError:
                now = None
            except OSError:  # replaced by a symlink, a FIFO, a device, or grown huge
                now = None
                try:
                    if not stat.S_ISDIR(os.lstat(path).st_mode):
                        os.unlink(path)
                except OSError:
                    pass
            if now == before:
                continue
            changed.append(str(path))
            flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_TRUNC
            try:
                fd = os.open(path, flags, 0o644)
                try:
                    data = memoryview(before)
                    while data:
                        data = data[os.write(fd, data) :]
                finally:
                    os.close(fd)
            except OSError:
                pass
        return changed
