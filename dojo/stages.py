"""Where the stage suites live, and what a run of them expands to.

``stages/stageN/test_<kata>.py`` is stage N of <kata>. Asking for stage N
(a folder, a file, or one test in it) brings stages 1..N-1 of the same katas
along, first, because a stage only counts once every earlier one passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dojo import layout
from dojo.catalog import Catalog

STAGES_DIR = layout.STAGES
_STAGE_DIR = re.compile(r"stage(\d+)")


@dataclass(frozen=True, order=True)
class StageFile:
    """The address of one kata's stage suite."""

    stage: int
    kata: str


def classify(path: Path, catalog: Catalog) -> StageFile | None:
    """The kata and stage of a suite file, or None if ``path`` is not one."""
    match = _STAGE_DIR.fullmatch(path.parent.name)
    if not match or path.parent.parent != catalog.root / STAGES_DIR:
        return None
    kata = path.stem.removeprefix("test_")
    if not path.stem.startswith("test_") or kata not in catalog.names():
        return None
    return StageFile(int(match.group(1)), kata)


def stage_dir(catalog: Catalog, stage: int) -> Path:
    return layout.stage_dir(catalog.root, stage)


def suite_file(catalog: Catalog, stage: int, kata: str) -> Path:
    return layout.suite_file(catalog.root, stage, kata)


def _earlier(path: Path, catalog: Catalog) -> list[tuple[int, Path]]:
    """``path`` (a stage folder or suite file) and the earlier stages it brings."""
    if path.is_dir():
        match = _STAGE_DIR.fullmatch(path.name)
        if match and path.parent == catalog.root / STAGES_DIR:
            stage = int(match.group(1))
            return [(s, stage_dir(catalog, s)) for s in range(1, stage + 1)]
        return []
    found = classify(path, catalog)
    if found is None:
        return []
    return [
        (s, suite_file(catalog, s, found.kata))
        for s in range(1, found.stage + 1)
        if suite_file(catalog, s, found.kata).exists()
    ]


def is_stage_arg(arg: str, invocation_dir: Path, catalog: Catalog) -> bool:
    """Whether a command-line argument asks for stage suites (``stages/`` or anything in it)."""
    path = (invocation_dir / arg.partition("::")[0]).resolve()
    return path.is_relative_to(catalog.root / STAGES_DIR)


def expand_args(
    args: list[str], invocation_dir: Path, catalog: Catalog
) -> tuple[list[str], dict[Path, list[str]]]:
    """Command-line arguments with the earlier stages prepended, in stage order,
    and the node-id selections of suite files.

    A suite file asked for by node id (``test_x.py::test_y``) is collected
    whole, so the run knows the whole suite; the plugin then keeps only the
    tests named (``selections``: suite file -> the ``::`` parts asked for).
    """
    staged: list[tuple[int, str]] = []
    others: list[str] = []
    selections: dict[Path, list[str]] = {}
    whole: set[Path] = set()
    for arg in args:
        path_part, sep, selector = arg.partition("::")
        path = (invocation_dir / path_part).resolve()
        brought = _earlier(path, catalog)
        if not brought:
            others.append(arg)
            continue
        *before, (stage, _) = brought
        staged.extend((s, str(p)) for s, p in before)
        whole.update(p for _, p in before)
        staged.append((stage, str(path)))
        if sep and path.is_file():
            selections.setdefault(path, []).append(selector)
        else:
            whole.add(path)
    seen: set[str] = set()
    ordered = []
    for _, arg in sorted(staged, key=lambda pair: pair[0]):
        if arg not in seen:
            seen.add(arg)
            ordered.append(arg)
    return ordered + others, {p: s for p, s in selections.items() if p not in whole and p.parent not in whole}


def selected(nodeid: str, selectors: list[str]) -> bool:
    """Whether the test ``nodeid`` is one that ``file::selector`` names, as pytest
    matches them: a class names its tests, a function its parametrized cases."""
    parts = nodeid.split("::")[1:]
    for selector in selectors:
        wanted = selector.split("::")
        if len(wanted) > len(parts):
            continue
        head, last = parts[: len(wanted) - 1], parts[len(wanted) - 1]
        if head != wanted[:-1]:
            continue
        if last == wanted[-1] or ("[" not in wanted[-1] and last.split("[")[0] == wanted[-1]):
            return True
    return False
