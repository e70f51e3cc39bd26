"""The stand-in repository the ``dojo`` command's tests run in.

It holds a stand-in kata, ``tally`` (three stages, tiny suites), and a
second one, ``echo``, so the tests depend neither on the real katas' suites
nor on there being exactly one kata. ``build_repo`` writes it; the
``base_repo`` and ``repo`` fixtures (tests/conftest.py) copy it per test.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support import REPO

MANIFEST = """\
format = 1

[[kata]]
name = "tally"
title = "Tally counter"
module = "tally"
class = "Tally"
stages = ["Counting", "Totals", "Removal"]

[[kata]]
name = "echo"
title = "Echo"
module = "echo"
class = "Echo"
stages = ["Say", "Shout"]
"""

STUB = '''\
class Tally:
    """Counts how often each key was added."""

    def add(self, key):
        """Count one more ``key``."""
        raise NotImplementedError("tally: implement add()")

    def count(self, key):
        """How many times ``key`` was added."""
        raise NotImplementedError("tally: implement count()")
'''

# Reference solutions, one per stage; each passes its stage and the earlier ones.
REFERENCE = {
    1: '''\
class Tally:
    def __init__(self):
        self._counts = {}

    def add(self, key):
        self._counts[key] = self._counts.get(key, 0) + 1

    def count(self, key):
        return self._counts.get(key, 0)
''',
    2: '''\
class Tally:
    def __init__(self):
        self._counts = {}

    def add(self, key, n=1):
        self._counts[key] = self._counts.get(key, 0) + n

    def count(self, key):
        return self._counts.get(key, 0)

    def total(self):
        return sum(self._counts.values())
''',
    3: '''\
class Tally:
    def __init__(self):
        self._counts = {}

    def add(self, key, n=1):
        self._counts[key] = self._counts.get(key, 0) + n

    def count(self, key):
        return self._counts.get(key, 0)

    def total(self):
        return sum(self._counts.values())

    def remove(self, key):
        return self._counts.pop(key, None) is not None
''',
}

SUITES = {
    1: '''\
def test_a_new_key_counts_zero(solution):
    assert solution().count("x") == 0

def test_add_counts_one_more(solution):
    t = solution()
    t.add("x"); t.add("x")
    assert t.count("x") == 2, f"after add('x') twice, count('x') returned {t.count('x')}"
''',
    2: '''\
def test_add_takes_an_amount(solution):
    t = solution()
    t.add("x", 5)
    assert t.count("x") == 5

def test_total_sums_every_count(solution):
    t = solution()
    t.add("x"); t.add("y", 2)
    assert t.total() == 3
''',
    3: '''\
def test_remove_forgets_a_key(solution):
    t = solution()
    t.add("x")
    assert t.remove("x") is True and t.count("x") == 0
''',
}

ECHO = 'class Echo:\n    def say(self, s):\n        return s\n\n    def shout(self, s):\n        return s.upper()\n'
ECHO_SUITES = {
    1: 'def test_say_repeats(solution):\n    assert solution().say("a") == "a"\n',
    2: 'def test_shout_upper(solution):\n    assert solution().shout("a") == "A"\n',
}

BENCH = '''\
"""Workload for dojo compare tally."""


def make(cls):
    return cls()


def workload(t):
    for i in range(2000):
        t.add(i % 50)
        t.count(i % 70)
    return 4000


class DictTally:
    def __init__(self):
        self.d = {}

    def add(self, key, n=1):
        self.d[key] = self.d.get(key, 0) + n

    def count(self, key):
        return self.d.get(key, 0)


def peers():
    result = [("dict", DictTally, "")]
    try:
        from collections import Counter
    except ImportError:
        result.append(("Counter", None, "not installed"))
    result.append(("nosuchlib", None, "not installed: pip install nosuchlib"))
    return result
'''

HINTS = """\
[stage1]
hints = ["Think about what you need to remember per key.", "A dict maps keys to counts.", "Use dict.get(key, 0)."]

[stage2]
hints = ["Give add an optional amount.", "Defaults keep old callers working.", "n=1"]

[stage3]
hints = ["What should remove return?", "dict.pop with a default.", "pop(key, None)"]
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_repo(root: Path) -> Path:
    """A repository copy whose katas, suites and references are the stand-ins above."""
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(REPO / "conftest.py", root / "conftest.py")
    _write(root / "katas" / "katas.toml", MANIFEST)
    tally = root / "katas" / "tally"
    _write(tally / "tally.py", STUB)
    _write(tally / "README.md", "# Tally\n\nStage 1: count keys with add() and count().\n")
    _write(tally / "tasks" / "stage2.md", "# Stage 2\n\nadd(key, n=1) and total().\n")
    _write(tally / "tasks" / "stage3.md", "# Stage 3\n\nremove(key).\n")
    _write(tally / "hints.toml", HINTS)
    _write(root / "benchmarks" / "compare" / "tally.py", BENCH)
    echo = root / "katas" / "echo"
    _write(echo / "echo.py", ECHO)
    _write(echo / "README.md", "# Echo\n")
    _write(echo / "tasks" / "stage2.md", "# Shout\n")
    _write(root / "stages" / "__init__.py", "")
    for stage, suite in SUITES.items():
        _write(root / "stages" / f"stage{stage}" / "__init__.py", "")
        _write(root / "stages" / f"stage{stage}" / "test_tally.py", suite)
        _write(root / "reference" / f"stage{stage}" / "tally" / "tally.py", REFERENCE[stage])
    for stage, suite in ECHO_SUITES.items():
        _write(root / "stages" / f"stage{stage}" / "test_echo.py", suite)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "stand-in"], cwd=root, check=True)
    return root
