"""A correct Toy that, at import and at exit, plants traps for the grader
wherever it can write: symlinks to /proc/self/pagemap and /dev/zero (where
its own results file goes, in its suite copy, in the snapshot) and 3,000
nested folders in its output and tmp folders. None of it may blind, hang or
crash the grader, and the Toy keeps the grade its behaviour earns."""

import atexit
import os
import sys
from pathlib import Path

TRAPS = {"pagemap": "/proc/self/pagemap", "zero": "/dev/zero"}


def _nest(base, depth=3000):
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError:
        pass
    finally:
        os.close(fd)


def _plant():
    results = None
    if "--dojo-json" in sys.argv:
        results = Path(sys.argv[sys.argv.index("--dojo-json") + 1])
    places = [Path.cwd(), Path.cwd() / "stages", Path.cwd().parent.parent / "snapshot"]
    if results is not None:
        places.append(results.parent)
        try:
            results.unlink()
        except OSError:
            pass
        try:
            results.symlink_to("/proc/self/pagemap")
        except OSError:
            pass
    for place in places:
        for name, target in TRAPS.items():
            try:
                (place / name).symlink_to(target)
            except OSError:
                pass
    for place in {os.environ.get("TMPDIR"), os.environ.get("HOME"),
                  str(results.parent) if results else None}:
        if place and not os.path.exists(os.path.join(place, "d")):
            _nest(place)


_plant()
atexit.register(_plant)


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        self.n += 1
        return self.n
