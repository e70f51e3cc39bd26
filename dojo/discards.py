"""A solution that tells hypothesis to throw an example away.

``hypothesis.assume(False)``, ``hypothesis.reject()`` or a raised
``UnsatisfiedAssumption`` inside a solution's method makes hypothesis drop
the example silently, and with it the one sequence of calls that showed the
bug: the property test passes on the examples the solution chose to keep.
Only the tests choose their examples, so while a stage test runs, the
exception's constructor notes whether the code that raised it is the
solution's; the plugin then fails the test, naming the line.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import hypothesis
from hypothesis.errors import UnsatisfiedAssumption

from dojo.loader import display

DISCARDED = (
    "the solution told hypothesis to discard an example ({where}): a solution answers every call;"
    " only the tests choose their examples (hypothesis.assume, reject and UnsatisfiedAssumption"
    " belong in tests, never in the code under test)"
)
_HYPOTHESIS = str(Path(hypothesis.__file__).resolve().parent)


def _raiser(frame: FrameType | None) -> FrameType | None:
    """The first frame outside hypothesis itself: whoever asked for the discard."""
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_HYPOTHESIS):
        frame = frame.f_back
    return frame


@contextlib.contextmanager
def watch(folder: Path) -> Iterator[list[str]]:
    """While inside, note each discard asked for by code in ``folder``; yields the notes (places)."""
    notes: list[str] = []
    lock = threading.Lock()
    inside = str(folder.resolve())
    original = UnsatisfiedAssumption.__init__

    def noting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        frame = _raiser(sys._getframe(1))
        if frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(inside):
            with lock:
                notes.append(f"at {display(Path(frame.f_code.co_filename))}, line {frame.f_lineno}")
        original(self, *args, **kwargs)

    UnsatisfiedAssumption.__init__ = noting_init  # type: ignore[method-assign]
    try:
        yield notes
    finally:
        UnsatisfiedAssumption.__init__ = original  # type: ignore[method-assign]
