"""``dojo new``: a kata scaffolded in a copy of the repository, then written, is accepted.

The scaffold must be a kata "not written yet": the curriculum tests fail on
it, each failure naming what to write. Once the author writes the kata's
content, in its own folders only, the same curriculum tests pass (the
catalog's, the generic references module and the generic zoo module): no
edit anywhere else (harness, project tests) is needed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from dojo.cli import cli
from tests.support import REPO

pytestmark = pytest.mark.timeout(300)

# Where a new kata's content may go: its own folders, and its one table in the manifest.
OWN = ("katas/toy/", "stages/stage1/test_toy.py", "stages/stage2/test_toy.py", "stages/support/toy.py",
       "reference/stage1/toy/", "reference/stage2/toy/", "tests/zoo/toy/", "katas/katas.toml")


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [line for line in listed.stdout.splitlines() if (REPO / line).is_file()]


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The repository's tracked files, copied (the working copy of a kata author)."""
    root = tmp_path_factory.mktemp("repo")
    for name in tracked_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    skip = (".dojo/", ".pytest_cache/", ".hypothesis/")
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
        and not str(path.relative_to(root)).startswith(skip)
    }


def new(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, ["new", *args])


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-q"],
        cwd=root, capture_output=True, text=True, timeout=240,
    )


WRITTEN = {
    "katas/toy/README.md": "# Toy — Stage 1: Counting\n\nCount how often each key was added: `add(key)`, `count(key)`.\n",
    "katas/toy/tasks/stage2.md": "# Toy — Stage 2: Totals\n\nThe interviewer adds: `total()` is the number of adds.\n",
    "katas/toy/hints.toml": textwrap.dedent(
        """
        [stage1]
        hints = ["Keep one number per key.", "A missing key counts 0.", "A dict of key -> count."]
        [stage2]
        hints = ["Count as you add.", "Never walk the keys.", "Keep a running total beside the dict."]
        """
    ),
    "katas/toy/toy.py": textwrap.dedent(
        '''
        """Toy kata: your solution. Start with README.md, then: pytest stages/stage1 --kata toy"""


        class Toy:
            """Counts how often each key was added."""

            def __init__(self) -> None:
                """An empty counter."""
                # TODO: keep the counts where stage 2 can total them cheaply.
                raise NotImplementedError("toy: implement __init__()")

            def add(self, key) -> None:
                """Count one more ``key``."""
                raise NotImplementedError("toy: implement add()")

            def count(self, key) -> int:
                """How often ``key`` was added (0 if never)."""
                raise NotImplementedError("toy: implement count()")
        '''
    ),
    # The kata's content, in the idiom of docs/authors.md: the contract's words, a model, a model test.
    "stages/support/toy.py": textwrap.dedent(
        '''
        """What the toy suites share: the contract's words, the model and the model test."""

        from hypothesis import strategies as st
        from hypothesis.stateful import rule

        from dojo.testing import ModelMachine, code, drawn

        ADD = "add(key) returns None"
        COUNT = "count(key) is how often key was added (0 if never)"


        class Model:
            def __init__(self):
                self.counts = {}

            def add(self, key):
                self.counts[key] = self.counts.get(key, 0) + 1

            def count(self, key):
                return self.counts.get(key, 0)


        class Stage1Machine(ModelMachine):
            keys = st.sampled_from("abc")

            def __init__(self):
                super().__init__("from katas.toy import Toy", "toy = Toy()")
                self.model, self.toy = Model(), self.solution()

            @rule(key=drawn("keys"))
            def add(self, key):
                self.log.returned(code("toy.add", key), lambda: self.toy.add(key), None, ADD)
                self.model.add(key)

            @rule(key=drawn("keys"))
            def count(self, key):
                self.log.returned(code("toy.count", key), lambda: self.toy.count(key), self.model.count(key), COUNT)
        '''
    ),
    "tests/zoo/toy/zoo.toml": textwrap.dedent(
        """
        min_entries = 2
        min_per_stage = 1
        [model_tests]
        1 = "test_counts_match_a_model"
        [not_behavioural]
        2 = "stage 2 has no state machine: its one example test is the whole suite"
        """
    ),
    "tests/zoo/toy/README.md": textwrap.dedent(
        """
        # The toy zoo

        | entry | bug | contract line |
        | --- | --- | --- |
        | `s1_counts_start_at_one` | a key never added counts 1 | count of a key never added is 0 |
        | `s2_total_counts_keys` | total() counts distinct keys | total() is the number of adds |
        """
    ),
    "tests/zoo/toy/s1_counts_start_at_one.py": textwrap.dedent(
        '''
        """Bug: a key never added counts 1.
        Breaks (stage 1): the count of a key never added is 0.
        """


        class Toy:
            def __init__(self):
                self._counts = {}

            def add(self, key):
                self._counts[key] = self._counts.get(key, 0) + 1

            def count(self, key):
                return self._counts.get(key, 1)
        '''
    ),
    "tests/zoo/toy/s2_total_counts_keys.py": textwrap.dedent(
        '''
        """Bug: total() counts the distinct keys, not the adds.
        Breaks (stage 2): total() is the number of adds.
        """


        class Toy:
            def __init__(self):
                self._counts = {}

            def add(self, key):
                self._counts[key] = self._counts.get(key, 0) + 1

            def count(self, key):
                return self._counts.get(key, 0)

            def total(self):
                return len(self._counts)
        '''
    ),
    "stages/stage1/test_toy.py": textwrap.dedent(
        '''
        """Stage 1 of the toy kata: counting."""

        from dojo.testing import run_machine
        from stages.support.toy import Stage1Machine


        def test_counts_match_a_model(solution):
            run_machine(Stage1Machine, solution, steps=10)


        def test_a_key_never_added_counts_zero(solution):
            assert solution().count("a") == 0


        def test_each_add_counts_once(solution):
            toy = solution()
            toy.add("a")
            toy.add("a")
            toy.add("b")
            assert (toy.count("a"), toy.count("b")) == (2, 1)
        '''
    ),
    "stages/stage2/test_toy.py": textwrap.dedent(
        '''
        """Stage 2 of the toy kata: totals."""


        def test_total_is_the_number_of_adds(solution):
            toy = solution()
            for key in "abca":
                toy.add(key)
            assert toy.total() == 4
        '''
    ),
    "reference/stage1/toy/toy.py": textwrap.dedent(
        '''
        from collections import Counter


        class Toy:
            def __init__(self):
                self._counts = Counter()  # a Counter: stage 2's total is then one more field

            def add(self, key):
                self._counts[key] += 1

            def count(self, key):
                return self._counts[key]
        '''
    ),
    "reference/stage2/toy/toy.py": textwrap.dedent(
        '''
        from collections import Counter


        class Toy:
            def __init__(self):
                self._counts = Counter()
                self._total = 0  # kept as we go: total() never walks the keys

            def add(self, key):
                self._counts[key] += 1
                self._total += 1

            def count(self, key):
                return self._counts[key]

            def total(self):
                return self._total
        '''
    ),
}


def test_a_new_kata_is_unwritten_until_written_then_accepted_with_no_edit_elsewhere(copy, monkeypatch):
    before = fingerprint(copy)
    made = new(copy, monkeypatch, "toy", "--title", "Toy", "--stage", "Counting", "--stage", "Totals")
    assert made.exit_code == 0, made.output
    assert "wrote katas/toy/toy.py" in made.output

    # Scaffolded, not written: the curriculum tests fail, each naming what to write.
    unwritten = pytest_in(copy, "tests/test_curriculum.py", "-k", "toy")
    assert unwritten.returncode == 1, unwritten.stdout
    assert "toy/hints.toml: [stage1] has 0 hints" in unwritten.stdout, unwritten.stdout[-3000:]
    assert "TODO (kata author)" in unwritten.stdout and "stages/stage1/test_toy.py" in unwritten.stdout
    stub_run = pytest_in(copy, "stages/stage2", "--kata", "toy", "--solution", "reference")
    assert "the suite of stage 1 is not written yet" in stub_run.stdout, stub_run.stdout

    for name, text in WRITTEN.items():
        (copy / name).write_text(text.lstrip("\n"), encoding="utf-8")

    written = pytest_in(copy, "tests/test_curriculum.py", "tests/test_references.py", "tests/test_zoos.py",
                        "-k", "toy")
    assert written.returncode == 0, written.stdout[-3000:]
    assert " passed" in written.stdout.splitlines()[-1] and "skipped" not in written.stdout.splitlines()[-1]
    references = pytest_in(copy, "stages/stage2", "--kata", "toy", "--solution", "reference")
    assert references.returncode == 0, references.stdout[-3000:]
    # Stage 1's reference has no total(): stage 2 fails it, as a next stage must.
    first = pytest_in(copy, "stages/stage2", "--kata", "toy", "--solution", "reference/stage1")
    assert first.returncode == 1 and "total" in first.stdout, first.stdout[-3000:]
    stub = pytest_in(copy, "stages/stage1", "--kata", "toy", "--solution", "katas")
    assert stub.returncode == 1 and "toy: implement __init__()" in stub.stdout, stub.stdout[-3000:]

    after = fingerprint(copy)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    outside = [name for name in changed if not name.startswith(OWN)]
    assert not outside, f"writing a new kata changed files outside its own folders: {outside}"


def test_dojo_new_never_overwrites_and_says_why_in_one_line(copy, monkeypatch):
    before = fingerprint(copy)
    again = new(copy, monkeypatch, "lru_cache")
    assert again.exit_code == 2 and "already declares a kata named 'lru_cache'" in again.output
    bad = new(copy, monkeypatch, "Not-A-Name")
    assert bad.exit_code == 2 and "is not a kata name" in bad.output
    (copy / "stages" / "support" / "clash.py").write_text("# an author's file\n")
    clash = new(copy, monkeypatch, "clash")
    assert clash.exit_code == 2 and "nothing was written" in clash.output
    (copy / "stages" / "support" / "clash.py").unlink()
    assert fingerprint(copy) == before
