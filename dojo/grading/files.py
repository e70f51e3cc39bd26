"""The grader's own file handling, safe against whatever a solution left behind.

Every walk here is iterative and never follows a symlink, so a tree 3,000
folders deep cannot overflow the stack, and a symlink to ``/dev/zero`` or
``/proc/self/pagemap`` is never read. Files are opened ``O_NOFOLLOW |
O_NONBLOCK`` and checked to be regular after opening (a FIFO never blocks the
grader, a device is never read), and reads stop at a cap.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024
SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".git"})
SKIP_SUFFIXES = (".pyc", ".pyo")


class NotRegular(OSError):
    """A path that is not a regular file where one was expected."""


def read_regular(path: Path | str, *, limit: int = 64 * MB, dir_fd: int | None = None) -> bytes:
    """The bytes of a regular file, never through a symlink, at most ``limit`` of them.

    Raises ``NotRegular`` for a symlink, device, FIFO or socket, and for a file
    larger than ``limit``; ``OSError`` for the rest.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last component is a symlink
            raise NotRegular(f"{path}: a symlink") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{path}: not a regular file")
        if info.st_size > limit:
            raise NotRegular(f"{path}: larger than {limit // MB} MB")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise NotRegular(f"{path}: larger than {limit // MB} MB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass
class Entry:
    """One thing found by ``walk``: its path relative to the root, and its kind."""

    rel: str  # POSIX, relative to the walked root
    kind: str  # "file", "dir", "symlink", "other" (device, FIFO, socket)
    size: int = 0
    depth: int = 0


def walk(root: Path, *, max_depth: int = 64, skip_dirs=SKIP_DIRS):
    """Yield an ``Entry`` for everything under ``root`` (not ``root`` itself).

    Iterative (an explicit stack), never through a symlink; folders deeper than
    ``max_depth`` are reported (kind ``"deep"``) but not entered.
    """
    pending = [("", 0)]
    while pending:
        rel, depth = pending.pop()
        try:
            with os.scandir(root / rel if rel else root) as entries:
                found = list(entries)
        except OSError:
            continue
        for item in sorted(found, key=lambda e: e.name):
            child = f"{rel}/{item.name}" if rel else item.name
            try:
                info = item.stat(follow_symlinks=False)
            except OSError:
                continue
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                yield Entry(child, "symlink", 0, depth + 1)
            elif stat.S_ISDIR(mode):
                if item.name in skip_dirs:
                    continue
                if depth + 1 > max_depth:
                    yield Entry(child, "deep", 0, depth + 1)
                    continue
                yield Entry(child, "dir", 0, depth + 1)
                pending.append((child, depth + 1))
            elif stat.S_ISREG(mode):
                yield Entry(child, "file", info.st_size, depth + 1)
            else:
                yield Entry(child, "other", 0, depth + 1)


@dataclass(frozen=True)
class Caps:
    """How much of a solution the grader copies."""

    files: int = 500
    total_mb: int = 20
    depth: int = 16


@dataclass
class Copied:
    """What ``copy_solution`` copied, and the one-line notes on what it refused."""

    hashes: dict[str, str] = field(default_factory=dict)  # rel path -> sha256
    notes: list[str] = field(default_factory=list)
    refused: bool = False  # the whole folder was refused (nothing was copied)


def copy_solution(source: Path, target: Path, label: str, caps: Caps = Caps()) -> Copied:
    """Copy the regular files of ``source`` into ``target`` and nothing else.

    A ``source`` that is itself a symlink is refused whole; inside it, symlinks,
    devices, FIFOs, sockets, bytecode and caches are left out with a note; past
    ``caps`` the whole folder is refused (a partial copy would grade something
    the learner did not write).
    """
    copied = Copied()
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        return copied
    except OSError as exc:
        copied.notes.append(f"{label}: not copied: {exc.strerror or exc}")
        copied.refused = True
        return copied
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        what = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a folder"
        copied.notes.append(f"{label}: refused: the kata folder is {what}; commit it as plain files")
        copied.refused = True
        return copied
    plan: list[str] = []
    skipped: dict[str, list[str]] = {}
    total = 0
    for entry in walk(source, max_depth=caps.depth):
        if entry.kind == "file":
            if entry.rel.endswith(SKIP_SUFFIXES):
                continue
            plan.append(entry.rel)
            total += entry.size
            if len(plan) > caps.files or total > caps.total_mb * MB:
                copied.notes.append(
                    f"{label}: refused: more than {caps.files} files or "
                    f"{caps.total_mb} MB; nothing of it was graded"
                )
                copied.refused = True
                return copied
        elif entry.kind in ("symlink", "other", "deep"):
            skipped.setdefault(entry.kind, []).append(entry.rel)
    words = {
        "symlink": "symlinks",
        "other": "devices, FIFOs or sockets",
        "deep": f"folders deeper than {caps.depth} levels",
    }
    for kind, paths in skipped.items():
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        copied.notes.append(
            f"{label}: left out {len(paths)} {words[kind]} ({shown}); only regular files are graded"
        )
    target.mkdir(parents=True, exist_ok=True)
    for rel in plan:
        try:
            data = read_regular(source / rel, limit=caps.total_mb * MB)
        except OSError as exc:  # changed under us, or unreadable: leave it out, say so
            copied.notes.append(f"{label}: left out {rel}: {exc}")
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        copied.hashes[rel] = hashlib.sha256(data).hexdigest()
    return copied


def content_hash(hashes: dict[str, str]) -> str:
    """One hash of a set of files: of the sorted ``path sha256`` lines."""
    lines = "".join(f"{path} {sha}\n" for path, sha in sorted(hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything under it; never recurses, never raises.

    Works through directory descriptors one level at a time (so depth is
    limited neither by the stack nor by PATH_MAX), makes each folder writable
    before emptying it, never follows a symlink, and leaves behind only what
    cannot be removed at all.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode):
        _quietly(os.unlink, path)
        return
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        parent = os.open(path.parent, flags)
    except OSError:
        return
    names: list[str] = [path.name]  # the folders from path down to the current one
    stuck: set[tuple[int, str]] = set()  # (depth, name) that could not be entered or removed
    _quietly(os.chmod, path.name, stat.S_IRWXU, dir_fd=parent)
    try:
        fd = os.open(path.name, flags, dir_fd=parent)
    except OSError:
        os.close(parent)
        return
    try:
        while True:
            _quietly(os.fchmod, fd, stat.S_IRWXU)
            subdir = None
            try:
                with os.scandir(fd) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            if (len(names), entry.name) not in stuck and subdir is None:
                                subdir = entry.name
                        else:
                            _quietly(os.unlink, entry.name, dir_fd=fd)
            except OSError:
                pass
            if subdir is not None:
                _quietly(os.chmod, subdir, stat.S_IRWXU, dir_fd=fd)
                try:
                    child = os.open(subdir, flags, dir_fd=fd)
                except OSError:
                    stuck.add((len(names), subdir))
                    _quietly(os.rmdir, subdir, dir_fd=fd)
                    continue
                os.close(fd)
                fd = child
                names.append(subdir)
                continue
            if len(names) == 1:
                break
            up = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd = up
            name = names.pop()
            if not _quietly(os.rmdir, name, dir_fd=fd):
                stuck.add((len(names), name))
    except OSError:
        pass
    finally:
        os.close(fd)
    _quietly(os.rmdir, path.name, dir_fd=parent)
    os.close(parent)


def _quietly(func, *args, **kwargs) -> bool:
    try:
        func(*args, **kwargs)
        return True
    except OSError:
        return False
