"""The walls around a graded process: Linux namespaces when the OS has them,
process isolation when it does not. The report names the level used.

``namespaces`` (bubblewrap): the child gets its own PID namespace (it cannot
see or signal the grader), no network, no capabilities, an empty root with
only the system folders, the Python runtime and the paths it is given
(read-only unless listed writable), private size-capped tmpfs folders, and it
dies with the grader.

``process`` (the fallback): its own session and process group, killed with
the grader (``PR_SET_PDEATHSIG``), ``no_new_privs``. When the grader runs as
root, the child also runs under a fresh uid of its own, so it can neither
signal the grader nor write any file it was not given; it keeps only the
right to read (``CAP_DAC_READ_SEARCH``, as ambient capability) when the
Python runtime is not readable by other users. Without root, the child runs
as the grader's user: it could signal the grader (see the threat model in
docs/instructors.md), and the grader reaps what it left behind as a child subreaper.

``DOJO_SANDBOX=process`` forces the fallback (the tests run both levels).
"""

from __future__ import annotations

import ctypes
import os
import resource
import secrets
import shutil
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NAMESPACES = "namespaces"
PROCESS = "process"
LEVELS = (NAMESPACES, PROCESS)
FORCE_ENV = "DOJO_SANDBOX"

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SITE_DIRS = ("site-packages", "dist-packages")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives")

# prctl and capabilities (linux/prctl.h, linux/capability.h)
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_KEEPCAPS = 8
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
CAP_DAC_READ_SEARCH = 2
CAPABILITY_VERSION_3 = 0x20080522
NPROC = 512  # processes (threads included) of a fallback child's own uid

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Walls:
    """What a sandboxed child may see: paths read-only, paths writable, private tmpfs."""

    readonly: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    private: tuple[Path, ...] = ()  # empty, size-capped folders of its own (HOME, TMPDIR)
    private_mb: int = 64


def prctl(option: int, arg: int = 0) -> bool:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0


@lru_cache(maxsize=1)
def _bwrap() -> str | None:
    path = shutil.which("bwrap")
    if path is None:
        return None
    try:
        probe = subprocess.run(
            [path, *_BASE_FLAGS, "--ro-bind", "/", "/", "true"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path if probe.returncode == 0 else None


_BASE_FLAGS = ("--unshare-user", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL")


def available() -> tuple[str, ...]:
    """The isolation levels this machine can run, strongest first."""
    return LEVELS if _bwrap() else (PROCESS,)


def level(requested: str | None = None) -> str:
    """The level to use: the one requested (or ``$DOJO_SANDBOX``), else the strongest."""
    wanted = requested or os.environ.get(FORCE_ENV) or ""
    if wanted == PROCESS:
        return PROCESS
    return NAMESPACES if _bwrap() else PROCESS


def runtime_paths() -> list[Path]:
    """What the Python running the grader needs to start: its prefixes and executable."""
    paths = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        Path(sys.base_exec_prefix),
        Path(os.path.realpath(sys.executable)).parent.parent,
    }
    for entry in sys.path:  # site-packages outside the prefixes (user site, --target)
        path = Path(entry)
        if (
            path.is_absolute()
            and path.name in SITE_DIRS
            and path.is_dir()
            and not any(path.is_relative_to(p) for p in paths)
        ):
            paths.add(path)
    return sorted(paths)


def bwrap_argv(argv: list[str], cwd: Path, walls: Walls) -> list[str]:
    """``argv`` wrapped in bubblewrap with ``walls``."""
    out = [_bwrap() or "bwrap", *_BASE_FLAGS, "--disable-userns"]
    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            out += ["--symlink", os.readlink(folder), folder]
        else:
            out += ["--ro-bind-try", folder, folder]
    for name in SYSTEM_FILES:
        out += ["--ro-bind-try", name, name]
    out += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(walls.private_mb * 1024 * 1024),
        "--tmpfs",
        "/tmp",
    ]
    for path in runtime_paths():
        out += ["--ro-bind-try", str(path), str(path)]
    for path in walls.readonly:
        out += ["--ro-bind", str(path), str(path)]
    for path in walls.writable:
        out += ["--bind", str(path), str(path)]
    for path in walls.private:
        out += ["--size", str(walls.private_mb * 1024 * 1024), "--perms", "0700", "--tmpfs", str(path)]
    return [*out, "--chdir", str(cwd), "--", *argv]


def _world_reachable(path: Path) -> bool:
    """Whether a user with no rights of its own can read ``path`` (walks every parent)."""
    current = Path(path).resolve()
    for part in [current, *current.parents]:
        try:
            mode = os.stat(part).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


@dataclass
class Account:
    """The uid (and gid) a fallback child runs under; None: the grader's own."""

    uid: int | None
    read_everything: bool = False  # keep CAP_DAC_READ_SEARCH (the runtime is not world-readable)


def account() -> Account:
    """A fresh uid of its own when the grader is root; else the grader's user."""
    if os.geteuid() != 0:
        return Account(None)
    uid = 0x10000000 + secrets.randbelow(0x40000000)  # far from any real user
    return Account(uid, not all(_world_reachable(p) for p in runtime_paths()))


def give(path: Path, who: Account) -> None:
    """Make the fresh folder ``path`` (and what is in it) the child's own."""
    if who.uid is None:
        return
    for root, dirs, names in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + names)]:
            try:
                os.chown(name, who.uid, who.uid, follow_symlinks=False)
            except OSError:
                pass


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def preexec(who: Account | None, limits_apply):
    """The function run in the child between fork and exec (fallback level).

    Only precomputed values and plain system calls: the grader has threads.
    """
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    keep = 1 << CAP_DAC_READ_SEARCH
    data = (_CapData * 2)(_CapData(keep, keep, keep), _CapData(0, 0, 0))
    uid = who.uid if who is not None else None
    read_everything = who is not None and who.read_everything

    def apply() -> None:
        limits_apply()
        if uid is not None:
            try:  # a fork bomb stops at its own uid's count
                resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))
            except (ValueError, OSError):
                pass
            if read_everything:
                prctl(PR_SET_KEEPCAPS, 1)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            if read_everything:
                _libc.capset(ctypes.byref(header), data)
                _libc.prctl(
                    PR_CAP_AMBIENT,
                    ctypes.c_ulong(PR_CAP_AMBIENT_RAISE),
                    ctypes.c_ulong(CAP_DAC_READ_SEARCH),
                    0,
                    0,
                )
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setresuid, which clears it
        prctl(PR_SET_NO_NEW_PRIVS, 1)

    return apply


def kill_account(who: Account) -> None:
    """Kill every process running under the child's own uid (what escaped its group)."""
    if who.uid is None:
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only makes system calls
        try:
            os.setresgid(who.uid, who.uid, who.uid)
            os.setresuid(who.uid, who.uid, who.uid)
            os.kill(-1, signal.SIGKILL)  # every process this uid may signal, but itself
        finally:
            os._exit(0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def reap_orphans(known: set[int]) -> None:
    """Kill and reap the grader's adopted children (it is a subreaper): those outside
    its own session (every sandboxed child starts a session) but ``known``."""
    me, session = str(os.getpid()), str(os.getsid(0))
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read(4096).rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1].decode() == me and fields[3].decode() != session and int(pid) not in known:
            try:
                os.kill(int(pid), signal.SIGKILL)
                os.waitpid(int(pid), 0)
            except (OSError, ChildProcessError):
                pass
