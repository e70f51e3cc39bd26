"""Run one untrusted command inside walls (``isolation``), with resource
limits, a wall-clock limit and capped output.

The child starts a new session (its own process group) with limits set
before ``exec``: address space (memory), CPU seconds, the size of any file it
writes, no core dumps. Its walls are those of the isolation level (Linux
namespaces, or the process fallback; see ``isolation``). On wall-clock expiry
everything it started is killed (its PID namespace, its process group, its
own uid), and killed again once it has exited, so nothing it left behind
outlives the run. Output (stdout and stderr merged) goes to a pipe that the
grader drains: the first and the last half of a cap are kept, the rest is
dropped, and the child never sees an error for writing too much.

``run`` runs a command to its end; ``spawn`` starts one whose pipes the
caller drives (a worker speaking a protocol on stdin/stdout), and
``Child.stop`` ends it and everything it started.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from dojo.grading import isolation
from dojo.grading.isolation import NAMESPACES, PROCESS, Walls

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one graded process may use."""

    wall_clock: float = 300.0  # seconds for the whole run
    memory_mb: int = 2048  # address space
    cpu_seconds: int | None = None  # default: the wall-clock limit
    file_size_mb: int = 64  # any single file the child writes
    output_bytes: int = 256 * 1024  # output kept (first and last half)

    @property
    def cpu(self) -> int:
        return int(self.cpu_seconds if self.cpu_seconds is not None else self.wall_clock) + 1


@dataclass
class Finished:
    """How the child ended, as the grader saw it."""

    returncode: int | None  # None only if the child could not be reaped
    timed_out: bool  # the wall-clock limit expired and the grader killed it
    duration: float
    output: str  # merged stdout/stderr, capped
    output_bytes: int  # how much the child wrote in all
    isolation: str = PROCESS  # the walls it ran in

    @property
    def signal(self) -> str | None:
        """The name of the signal that ended the child, if one did."""
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None

    @property
    def truncated(self) -> bool:
        return self.output_bytes > len(self.output.encode(errors="replace"))


def _set_limits(limits: Limits):
    """A preexec_fn: plain ``setrlimit`` calls on precomputed numbers, nothing else."""
    pairs = [
        (resource.RLIMIT_AS, limits.memory_mb * MB, limits.memory_mb * MB),
        (resource.RLIMIT_CPU, limits.cpu, limits.cpu + 5),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * MB, limits.file_size_mb * MB),
        (resource.RLIMIT_CORE, 0, 0),
    ]

    def apply() -> None:
        for which, soft, hard in pairs:
            try:
                resource.setrlimit(which, (soft, hard))
            except (ValueError, OSError):
                pass  # a hard limit already lower than ours: keep it

    return apply


class _Capped:
    """Reads a stream to its end, keeping its first and last ``cap/2`` bytes."""

    def __init__(self, stream, cap: int) -> None:
        self.stream = stream
        self.half = max(cap // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.thread = threading.Thread(target=self._read, daemon=True, name="dojo-grade-output")
        self.thread.start()

    def _read(self) -> None:
        try:
            while chunk := self.stream.read1(65536):
                self.total += len(chunk)
                room = self.half - len(self.head)
                if room > 0:
                    self.head += chunk[:room]
                    chunk = chunk[room:]
                if chunk:
                    self.tail += chunk
                    if len(self.tail) > 2 * self.half:
                        del self.tail[: len(self.tail) - self.half]
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        tail = self.tail[-self.half :] if len(self.tail) > self.half else self.tail
        kept = len(self.head) + len(tail)
        gap = self.total - kept
        middle = f"\n[... {gap:,} bytes of output left out ...]\n".encode() if gap > 0 else b""
        return (bytes(self.head) + middle + bytes(tail)).decode("utf-8", errors="replace")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_live_lock = threading.Lock()
_live: dict[int, Child] = {}
_subreaper = False


class Child:
    """A sandboxed child: its process, its walls, and how to end all of it."""

    def __init__(self, proc: subprocess.Popen, level: str, who: isolation.Account | None):
        self.proc = proc
        self.isolation = level
        self.who = who

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        """Kill the child and everything it started (it may still need reaping)."""
        _kill_group(self.proc.pid)  # bwrap's own group, or the child's
        try:
            self.proc.kill()  # bwrap's death ends its whole PID namespace
        except OSError:
            pass
        if self.who is not None:
            isolation.kill_account(self.who)

    def stop(self, timeout: float = 30) -> None:
        """Kill everything, reap the child, forget it."""
        self.kill()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # unkillable (D state): give up on it
            pass
        self.kill()  # what it started while dying
        with _live_lock:  # held while reaping: no child starts unknown meanwhile
            _live.pop(self.proc.pid, None)
            if _subreaper:
                isolation.reap_orphans(set(_live))


def stop_all() -> None:
    """Kill every live sandboxed child (the grader is being stopped)."""
    with _live_lock:
        children = list(_live.values())
    for child in children:
        child.kill()


def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    walls: Walls | None = None,
    level: str | None = None,
    pass_fds: tuple[int, ...] = (),
    stdin=subprocess.DEVNULL,
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
) -> Child:
    """Start ``argv`` inside ``walls`` at isolation ``level`` (default: the strongest).

    ``walls`` default to: ``cwd`` writable, nothing else. A worker that speaks
    a protocol passes ``stdin=subprocess.PIPE``; its pipes pass through the
    walls unchanged. Raises ``OSError`` only if the command cannot start.
    """
    global _subreaper
    walls = walls if walls is not None else Walls(writable=(Path(cwd),))
    level = isolation.level(level)
    limit = _set_limits(limits)
    if level == NAMESPACES:
        command, who = isolation.bwrap_argv(argv, Path(cwd), walls), None

        def preexec() -> None:
            limit()
            isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        command, who = argv, isolation.account()
        for path in (*walls.writable, *walls.private):
            isolation.give(path, who)
        if who.uid is None and not _subreaper:  # adopt what escapes, to kill it after
            _subreaper = isolation.prctl(isolation.PR_SET_CHILD_SUBREAPER, 1)
        preexec = isolation.preexec(who, limit)
        if who.uid is None:
            who = None
    with _live_lock:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=pass_fds,
            start_new_session=True,
            preexec_fn=preexec,
        )
        child = Child(proc, level, who)
        _live[proc.pid] = child
    return child


def _returncode(child: Child) -> int | None:
    code = child.proc.returncode
    if child.isolation == NAMESPACES and code is not None and 128 < code <= 128 + 64:
        return -(code - 128)  # bubblewrap reports a child killed by signal N as 128 + N
    return code


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    walls: Walls | None = None,
    level: str | None = None,
    pass_fds: tuple[int, ...] = (),
    started=None,
) -> Finished:
    """Run ``argv`` to its end or its wall-clock limit; never raises for the child's sake.

    ``started(pid)`` is called once the child runs (the caller closes its copies
    of ``pass_fds`` there).
    """
    begin = time.monotonic()
    child = spawn(argv, cwd=cwd, env=env, limits=limits, walls=walls, level=level, pass_fds=pass_fds)
    proc = child.proc
    stdout = proc.stdout
    assert stdout is not None  # spawn() pipes the child's output
    if started is not None:
        started(proc.pid)
    output = _Capped(stdout, limits.output_bytes)
    timed_out = False
    try:
        proc.wait(timeout=limits.wall_clock)
    except BaseException as exc:  # the clock ran out, or the grader itself is interrupted
        child.kill()
        if not isinstance(exc, subprocess.TimeoutExpired):
            child.stop()
            raise
        timed_out = True
    duration = time.monotonic() - begin
    child.stop()  # whatever the child left running
    output.thread.join(timeout=5)  # a process that escaped may hold the pipe
    if not output.thread.is_alive():
        stdout.close()
    code = _returncode(child)
    if timed_out and code is not None and code >= 0:
        code = -signal.SIGKILL  # the grader killed it (through bubblewrap)
    return Finished(
        returncode=code,
        timed_out=timed_out,
        duration=duration,
        output=output.text(),
        output_bytes=output.total,
        isolation=child.isolation,
    )
