"""Run one command in a subprocess with resource limits, a wall-clock limit,
capped output and a private working folder.

The child starts a new session (its own process group) with limits set
before ``exec``: address space (memory), CPU seconds, the size of any file it
writes, no core dumps. On wall-clock expiry the whole process group is
killed, and it is killed again once the child has exited, so no helper
process it left behind outlives the grade. Output (stdout and stderr merged)
is kept up to a cap: the first and the last half of it.

Not contained (see the README, for instructors): a process that leaves the process group
(``setsid``), the network, the files the user running the grader can write.
That is what the CI sandbox (a throwaway runner) is for.
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
        tail = self.tail[-self.half:] if len(self.tail) > self.half else self.tail
        kept = len(self.head) + len(tail)
        gap = self.total - kept
        middle = f"\n[... {gap:,} bytes of output left out ...]\n".encode() if gap > 0 else b""
        return (bytes(self.head) + middle + bytes(tail)).decode("utf-8", errors="replace")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    pass_fds: tuple[int, ...] = (),
    started=None,
) -> Finished:
    """Run ``argv`` to its end or its wall-clock limit; never raises for the child's sake.

    ``started(pid)`` is called once the child runs (the caller closes its copies
    of ``pass_fds`` there).
    """
    begin = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=pass_fds,
        start_new_session=True,
        preexec_fn=_set_limits(limits),
    )
    if started is not None:
        started(proc.pid)
    output = _Capped(proc.stdout, limits.output_bytes)
    timed_out = False
    try:
        proc.wait(timeout=limits.wall_clock)
    except BaseException as exc:  # the clock ran out, or the grader itself is interrupted
        _kill_group(proc.pid)
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
        timed_out = True
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # unkillable (D state): give up on it
            pass
    duration = time.monotonic() - begin
    _kill_group(proc.pid)  # whatever the child left running in its group
    output.thread.join(timeout=5)  # a process that left the group may hold the pipe
    if not output.thread.is_alive():
        proc.stdout.close()
    return Finished(
        returncode=proc.returncode,
        timed_out=timed_out,
        duration=duration,
        output=output.text(),
        output_bytes=output.total,
    )
