"""A stand-in suite repository for grading tests: tiny, fast, and ours.

It holds the real harness (``dojo/``, ``conftest.py``, ``pyproject.toml``)
and two katas of its own: ``toy`` (three stages) and ``other`` (two), whose
stage suites are a few lines each, so a grade takes about a second and never
depends on the real suites' content.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent

MANIFEST = """\
format = 1

[[kata]]
name = "toy"
title = "Toy"
module = "toy"
class = "Toy"
stages = ["Value", "Growth", "Value again"]

[[kata]]
name = "other"
title = "Other"
module = "other"
class = "Other"
stages = ["One", "Two"]
"""

TOY_STAGES = {
    1: """
        def test_value_is_one(solution):
            assert solution().value() == 1, "Toy().value() returned something else; expected 1"

        def test_value_is_one_again(solution):
            assert solution().value() == 1
        """,
    2: """
        def test_grow_adds_one(solution):
            toy = solution()
            assert toy.grow() == 2, "Toy().grow() must return 2 (value 1, plus one)"

        def test_grow_twice_adds_two(solution):
            toy = solution()
            toy.grow()
            assert toy.grow() == 3
        """,
    3: """
        def test_value_after_grow(solution):
            toy = solution()
            toy.grow()
            assert toy.value() == 2
        """,
}

OTHER_STAGES = {
    1: """
        def test_answer(solution):
            assert solution().answer() == 42, "Other().answer() must be 42"
        """,
    2: """
        def test_answer_twice(solution):
            other = solution()
            assert other.answer() == other.answer() == 42
        """,
}

GOOD_TOY = """\
class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        self.n += 1
        return self.n
"""

STUB_TOY = """\
class Toy:
    def value(self):
        raise NotImplementedError("toy: implement value()")

    def grow(self):
        raise NotImplementedError("toy: implement grow()")
"""

GOOD_OTHER = "class Other:\n    def answer(self):\n        return 42\n"
STUB_OTHER = (
    "class Other:\n    def answer(self):\n"
    "        raise NotImplementedError('other: implement answer()')\n"
)


def make_suite(root: Path) -> Path:
    """A checkout with the real harness and the two stand-in katas; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "dojo", root / "dojo",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "suite-hashes.json"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copyfile(REPO / name, root / name)
    (root / "katas").mkdir(exist_ok=True)
    (root / "katas" / "katas.toml").write_text(MANIFEST)
    stages = root / "stages"
    stages.mkdir(exist_ok=True)
    (stages / "__init__.py").touch()
    for kata, texts in (("toy", TOY_STAGES), ("other", OTHER_STAGES)):
        for stage, text in texts.items():
            folder = stages / f"stage{stage}"
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
            (folder / f"test_{kata}.py").write_text(textwrap.dedent(text))
    write_solution(root / "katas", "toy", STUB_TOY)
    write_solution(root / "katas", "other", STUB_OTHER)
    from dojo.grading import manifest

    manifest.write(root)
    return root


def write_solution(base: Path, kata: str, source: str) -> Path:
    """``<base>/<kata>/<kata>.py`` holding ``source``; returns ``base``."""
    folder = base / kata
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kata}.py").write_text(source)
    return base


def solution(tmp: Path, toy_source: str, other_source: str = GOOD_OTHER) -> Path:
    """A solution folder (laid out like katas/) with the given toy and a good other."""
    write_solution(tmp, "toy", toy_source)
    write_solution(tmp, "other", other_source)
    return tmp


def hostile(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text()
