"""``dojo new KATA``: the files of a new kata, written so that every one of them says what is left to write.

Like rustlings' ``dev new``, the scaffold is a kata "not written yet": the
curriculum tests fail on it, each failure naming the file to write (a stage
text still a placeholder, a hints table still empty, a suite whose only
test says it is not written, references that are still the stub). Nothing
here passes by itself, so a half-made kata can never look finished.

The kata's own folders are all it touches, plus one ``[[kata]]`` table
appended to ``katas/katas.toml``. It never overwrites: if any file it would
write exists, it writes nothing.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from dojo import layout
from dojo.catalog import MANIFEST, find_checkout, load_catalog
from dojo.layout import SOLUTIONS

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
CLASS = re.compile(r"[A-Z][A-Za-z0-9]*\Z")
DEFAULT_STAGES = 4


class ScaffoldError(Exception):
    """The kata cannot be scaffolded here; the message says why, in one line."""


@dataclass(frozen=True)
class NewKata:
    """What ``dojo new`` is asked to make."""

    name: str
    title: str
    class_name: str
    stage_titles: tuple[str, ...]

    @classmethod
    def make(
        cls, name: str, title: str | None = None, class_name: str | None = None, stages: tuple[str, ...] = ()
    ) -> NewKata:
        if not NAME.match(name) or keyword.iskeyword(name):
            raise ScaffoldError(
                f"{name!r} is not a kata name: use a Python module name in lower case, such as rate_limiter"
            )
        class_name = class_name or "".join(part.capitalize() for part in name.split("_") if part)
        if not CLASS.match(class_name):
            raise ScaffoldError(f"{class_name!r} is not a class name: use CamelCase, such as RateLimiter")
        titles = tuple(stages) or tuple(f"Stage {n} (title to write)" for n in range(1, DEFAULT_STAGES + 1))
        return cls(name, title or name.replace("_", " ").capitalize(), class_name, titles)

    @property
    def stages(self) -> range:
        return range(1, len(self.stage_titles) + 1)


def files(kata: NewKata) -> dict[Path, str]:
    """Every file of the scaffold, by its path relative to the repository."""
    n, c = kata.name, kata.class_name
    package = f'"""The {kata.title} kata: your solution lives in this folder."""\n\n'
    package += f"from .{n} import {c}\n\n__all__ = [{c!r}]\n"
    out: dict[Path, str] = {
        Path(SOLUTIONS, n, "__init__.py"): package,
        Path(SOLUTIONS, n, f"{n}.py"): _stub(kata),
        Path(SOLUTIONS, n, "README.md"): _task(kata, 1),
        Path(SOLUTIONS, n, "hints.toml"): _hints(kata),
        layout.SUPPORT / f"{n}.py": _support(kata),
        layout.ZOO / n / "README.md": _zoo(kata),
        layout.ZOO / n / "zoo.toml": _zoo_settings(kata),
    }
    for stage in kata.stages:
        if stage > 1:
            out[Path(SOLUTIONS, n, "tasks", f"stage{stage}.md")] = _task(kata, stage)
        out[layout.suite_file(Path(), stage, n)] = _suite(kata, stage)
        out[layout.reference(Path(), stage) / n / "__init__.py"] = package
        out[layout.reference(Path(), stage) / n / f"{n}.py"] = _stub(kata)
    return out


def declaration(kata: NewKata) -> str:
    """The ``[[kata]]`` table appended to ``katas/katas.toml``."""
    stages = ", ".join(_toml_string(t) for t in kata.stage_titles)
    return (
        f"\n[[kata]]\nname = {_toml_string(kata.name)}\ntitle = {_toml_string(kata.title)}\n"
        f"module = {_toml_string(kata.name)}\nclass = {_toml_string(kata.class_name)}\nstages = [{stages}]\n"
    )


def scaffold(kata: NewKata, start: Path) -> list[Path]:
    """Write the new kata into the repository around ``start``; return the files written."""
    root = find_checkout(start)
    if root is None:
        raise ScaffoldError(f"no kata-dojo repository (a folder with {MANIFEST}) at or above {start}")
    if kata.name in load_catalog(root).names():
        raise ScaffoldError(f"{MANIFEST} already declares a kata named {kata.name!r}")
    planned = files(kata)
    existing = sorted(str(path) for path in planned if (root / path).exists())
    if existing:
        raise ScaffoldError(f"these files exist already, so nothing was written: {', '.join(existing)}")
    for path, text in planned.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    with (root / MANIFEST).open("a", encoding="utf-8") as manifest:
        manifest.write(declaration(kata))
    return [root / MANIFEST, *(root / path for path in planned)]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _stub(kata: NewKata) -> str:
    n, c = kata.name, kata.class_name
    return f'''"""{kata.title} kata: your solution.

Start with stage 1 (README.md in this folder), then run:

    pytest stages/stage1 --kata {n}

The first failure tells you which method to write next.
"""


class {c}:
    """TODO (kata author): what a {c} is, in the contract's words."""

    def __init__(self) -> None:
        """TODO (kata author): the constructor's arguments and what it checks."""
        # TODO: the constraint the learner must keep in mind from stage 1 on.
        raise NotImplementedError("{n}: implement __init__()")
'''


def _task(kata: NewKata, stage: int) -> str:
    return (
        f"# {kata.title} — Stage {stage}: {kata.stage_titles[stage - 1]}\n\n"
        f"TODO (kata author): the text of stage {stage}, as an interviewer would add the constraint.\n"
    )


def _hints(kata: NewKata) -> str:
    tables = "".join(f"\n[stage{stage}]\nhints = []\n" for stage in kata.stages)
    return (
        f"# Hints for the {kata.title} kata, per stage, read one at a time: each one gives away a\n"
        "# little more. Write at least three per stage: the design nudge first, the data structure last.\n"
        + tables
    )


def _suite(kata: NewKata, stage: int) -> str:
    n = kata.name
    return f'''"""Stage {stage} of the {kata.title} kata: {kata.stage_titles[stage - 1]}.

TODO (kata author): a test per line of the contract that stage {stage} adds, and a
model-based test (a hypothesis state machine) over every call. Import the
harness's helpers from ``dojo.testing`` and the kata's own from
``stages.support.{n}``.
"""

import pytest


def test_stage_{stage}_is_not_written_yet(solution):
    pytest.fail(
        "{n}: the suite of stage {stage} is not written yet:"
        " write its tests in stages/stage{stage}/test_{n}.py",
        pytrace=False,
    )
'''


def _support(kata: NewKata) -> str:
    return f'''"""What the {kata.title} suites share: the kata's content, not the harness's.

TODO (kata author), in the order of docs/authors.md ("one idiom"):

- the contract's rules as constants, in its own words, for every message;
- ``Model``: the obviously correct version of the contract;
- ``Stage1Machine(ModelMachine)``: the calls as ``@rule``s, each made through
  ``self.log`` (``attempt``, ``expect``, ``raises``), and an ``@invariant``
  comparing what the solution shows with the model; each later stage
  subclasses the one before and adds its calls. A suite runs one with
  ``run_machine(StageNMachine, solution, steps=25)``.

Generic helpers (``ModelMachine``, ``CallLog``, ``code``, a fake clock, cost
and thread checks) come from ``dojo.testing``.
"""
'''


def _zoo(kata: NewKata) -> str:
    return f"""# The {kata.title} zoo

Realistic mistakes, each a complete solution in a file named `s<N>_<bug>.py`
whose docstring starts with `Bug: ...` and `Breaks (stage N): <the contract line>`;
stage N must catch it and the stages before it must pass it. Correct solutions of
other designs are named `ok_<design>.py` and must pass every stage.

| entry | bug | contract line |
| --- | --- | --- |
"""


def _zoo_settings(kata: NewKata) -> str:
    stages = "".join(f'# {stage} = "test_..._matches_a_model"\n' for stage in kata.stages)
    return (
        f"# The zoo proofs' settings for {kata.name}, read by tests/test_zoos.py (every key, and its\n"
        "# default, is in tests/zoo_settings.py). Write here the entries whose bug is a race (rerun\n"
        "# until caught every time), each stage's model-based test, and why the others have none.\n"
        "races = []\n\n[model_tests]\n" + stages + "\n[not_behavioural]\n"
    )
