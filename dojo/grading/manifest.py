"""Hashes of the suites, and the manifest of them that ships with the project.

The suites are everything that decides a grade besides the solution: the
stage suites (``stages/``), the harness (``dojo/``), the root ``conftest.py``,
the kata manifest and ``pyproject.toml`` (its pytest settings). The shipped
``dojo/grading/suite-hashes.json`` lists a SHA-256 per file; a fork whose
files differ is graded "suite modified".

Regenerate it after changing any of those files::

    python -m dojo.grading.manifest --write      # or: --check (exit 1 if stale)

``--write`` first records the fingerprint of each kata's stub
(``katas/stub-hashes.json``, :mod:`dojo.stubs`): run it on a checkout whose
``katas/`` folders are the stubs as shipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dojo import layout
from dojo.grading import files
from dojo.stubs import STUB_HASHES

MANIFEST_FORMAT = 1
MANIFEST_PATH = Path("dojo") / "grading" / "suite-hashes.json"
SUITE_DIRS = (layout.STAGES, "dojo")
SUITE_FILES = ("conftest.py", "pyproject.toml", layout.CATALOG.as_posix(), STUB_HASHES.as_posix())
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}
SKIP_SUFFIXES = (".pyc", ".pyo")

# Suite statuses in the report.
INTACT = "intact"  # the files match the shipped manifest
MODIFIED = "modified"  # they differ: the grade is not trusted
UPSTREAM = "upstream"  # graded with --suite: a pristine checkout, whatever its manifest says
NO_MANIFEST = "no manifest"

STALE = (
    "{root}: the suite hashes are stale ({count} file(s) differ: {files});"
    " run: python -m dojo.grading.manifest --write"
)


def suite_paths(root: Path) -> list[str]:
    """Every suite file under ``root``, as sorted POSIX paths relative to it.

    Regular files only, found without following a symlink: a symlink in a
    suite (to a device, to ``/proc/self/pagemap``) is never a suite file and
    never read.
    """
    found = []
    for name in SUITE_DIRS:
        base = root / name
        if not base.is_dir() or base.is_symlink():
            continue
        for entry in files.walk(base, skip_dirs=SKIP_PARTS):
            rel = f"{name}/{entry.rel}"
            if entry.kind == "file" and not rel.endswith(SKIP_SUFFIXES) and rel != MANIFEST_PATH.as_posix():
                found.append(rel)
    for name in SUITE_FILES:
        try:
            if stat.S_ISREG(os.lstat(root / name).st_mode):
                found.append(name)
        except OSError:
            pass
    return sorted(found)


def file_hashes(root: Path) -> dict[str, str]:
    """The SHA-256 of each suite file (read without following symlinks, size-capped)."""
    hashes = {}
    for rel in suite_paths(root):
        try:
            hashes[rel] = hashlib.sha256(files.read_regular(root / rel)).hexdigest()
        except OSError as exc:  # replaced while we looked: it is a change, never a crash
            hashes[rel] = f"unreadable: {exc}"
    return hashes


def combined(hashes: dict[str, str]) -> str:
    """One hash for the whole suite: of the sorted ``path sha`` lines."""
    lines = "".join(f"{path} {sha}\n" for path, sha in sorted(hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Paths added, removed or changed, each marked ``+``, ``-`` or ``~``."""
    out = [f"- {p}" for p in sorted(set(expected) - set(actual))]
    out += [f"+ {p}" for p in sorted(set(actual) - set(expected))]
    out += [f"~ {p}" for p in sorted(set(expected) & set(actual)) if expected[p] != actual[p]]
    return out


@dataclass
class SuiteCheck:
    """The suite a grade used: where it came from, its hash, and whether it is intact."""

    root: Path
    source: str  # "upstream" (--suite) or "fork"
    hash: str
    status: str
    changed: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.status in (INTACT, UPSTREAM)


def load_manifest(root: Path) -> dict[str, str] | None:
    try:
        data = json.loads((root / MANIFEST_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    files = data.get("files")
    return files if isinstance(files, dict) else None


def check(root: Path, *, upstream: bool, shipped: dict[str, str] | None = None) -> SuiteCheck:
    """Hash the suite at ``root`` and compare it with the manifest.

    ``shipped`` is the manifest to trust (the grader's own, when the grader is
    installed from a pristine checkout); by default the one found under ``root``.
    """
    hashes = file_hashes(root)
    if upstream:
        return SuiteCheck(root, "upstream", combined(hashes), UPSTREAM)
    expected = shipped if shipped is not None else load_manifest(root)
    if expected is None:
        return SuiteCheck(root, "fork", combined(hashes), NO_MANIFEST)
    changed = differences(expected, hashes)
    return SuiteCheck(root, "fork", combined(hashes), MODIFIED if changed else INTACT, changed)


def write(root: Path) -> Path:
    from dojo import stubs
    from dojo.catalog import load_catalog

    stubs.write(root, load_catalog(root))  # part of the suite: hash it after writing it
    hashes = file_hashes(root)
    path = root / MANIFEST_PATH
    data = {"format": MANIFEST_FORMAT, "hash": combined(hashes), "files": hashes}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m dojo.grading.manifest [--write | --check] [ROOT]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    mode = "--check"
    if args and args[0] in ("--write", "--check"):
        mode = args.pop(0)
    root = Path(args[0] if args else ".").resolve()
    if not layout.catalog(root).is_file():
        print(f"{root}: not a kata-dojo checkout (no {layout.CATALOG})", file=sys.stderr)
        return 2
    if mode == "--write":
        print(f"wrote {write(root)}")
        return 0
    expected = load_manifest(root) or {}
    changed = differences(expected, file_hashes(root))
    if changed:
        print(STALE.format(root=root, count=len(changed), files=", ".join(changed[:5])), file=sys.stderr)
        return 1
    print(f"{root}: suite hashes up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
