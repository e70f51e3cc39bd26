"""Put a kata's stub back, keeping the learner's files in a named backup.

The stub is the kata's files as the repository's last commit has them
(``git show HEAD:katas/<kata>/...``). The learner's folder is copied, whole,
to ``.dojo/backups/<kata>-<time>/`` before anything is touched; then every
tracked file is restored and the learner's own extra ``.py`` files move out
(they are in the backup). The kata's progress and hint counts start afresh:
stage 1 is the current stage again.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from dojo import layout, progress
from dojo.catalog import Kata
from dojo.learner import state
from dojo.learner.workspace import USAGE, Problem, Workspace

NO_STUB = "cannot find the stub of {kata}: {why} (reset needs the git checkout it came in)"


@dataclass
class ResetResult:
    kata: Kata
    backup: Path
    restored: list[Path] = field(default_factory=list)
    moved_out: list[Path] = field(default_factory=list)


def _git(ws: Workspace, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=ws.root, capture_output=True, check=False)
    except OSError as exc:
        raise Problem(f"git: {exc.strerror}", USAGE) from None
    if proc.returncode != 0:
        raise Problem(
            proc.stderr.decode(errors="replace").strip().splitlines()[-1]
            if proc.stderr.strip()
            else f"git {args[0]} failed",
            USAGE,
        )
    return proc.stdout


def stub_files(ws: Workspace, kata: Kata) -> dict[Path, bytes]:
    """The kata folder's files as committed: path -> content."""
    folder = layout.kata_folder(Path(), kata.name).as_posix()
    try:
        names = _git(ws, "ls-tree", "-r", "--name-only", "HEAD", "--", folder).decode().split()
        if not names:
            raise Problem(f"HEAD has no files under {folder}", USAGE)
        return {ws.root / name: _git(ws, "show", f"HEAD:./{name}") for name in names}
    except Problem as exc:
        raise Problem(NO_STUB.format(kata=kata.name, why=exc), USAGE) from None


def reset(ws: Workspace, kata: Kata) -> ResetResult:
    """Back up ``katas/<kata>/``, then restore the stub as committed."""
    stub = stub_files(ws, kata)  # before touching anything: it may fail
    folder = ws.solutions() / kata.name
    when = state.now().strftime("%Y%m%d-%H%M%S")
    backup = progress.state_dir(ws.root) / "backups" / f"{kata.name}-{when}"
    n = 1
    while backup.exists():
        n += 1
        backup = backup.with_name(f"{kata.name}-{when}-{n}")
    if folder.is_dir():
        shutil.copytree(folder, backup, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        backup.mkdir(parents=True)
    result = ResetResult(kata, backup)
    for path, content in stub.items():
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            result.restored.append(path)
    for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
        if path not in stub and "__pycache__" not in path.parts:
            path.unlink()
            result.moved_out.append(path)
    state.forget(ws, kata)
    return result
