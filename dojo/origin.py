"""Where in the solution an exception came from, as one short clause.

A learner reading "cache.get(1) raised KeyError: 1" wants the line of their
own code that raised it, not the test's frames nor the standard library's.
"""

from __future__ import annotations

import sys
import sysconfig
import traceback
from pathlib import Path

from dojo.loader import display


def _harness_folders() -> list[Path]:
    """The folders whose frames are the harness's or the suites', never the learner's."""
    folders = [Path(__file__).resolve().parent]
    suites = sys.modules.get("stages")
    suites_file = getattr(suites, "__file__", None) if suites is not None else None
    if suites_file:
        folders.append(Path(suites_file).resolve().parent)
    return folders


def where(exc: BaseException) -> str:
    """`` (at <file>, line N: <code>)`` for the innermost frame of the solution's code.

    Frames of the suites and the harness are never the answer; library frames
    only when no frame of the learner's own code is on the traceback. Empty
    when nothing is left.
    """
    harness = _harness_folders()
    library = [Path(p).resolve() for p in {sysconfig.get_path("stdlib"), sysconfig.get_path("purelib")}]

    def inside(frame: traceback.FrameSummary, folders: list[Path]) -> bool:
        path = Path(frame.filename).resolve()
        return any(path.is_relative_to(folder) for folder in folders)

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not inside(f, harness)]
    own = [f for f in frames if not inside(f, library)]
    if not (own or frames):
        return ""
    frame = (own or frames)[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f" (at {display(Path(frame.filename))}, line {frame.lineno}{code})"
