"""The trusted side of one worker: start it, ask it, never believe more than its answers.

Every byte from the worker is hostile: a reply must come within its
timeout, fit the line cap, parse as the protocol and carry the request's
id, or the session raises ``Broken`` (the stage fails with an ``integrity``
note) and the worker's whole process group is killed.

The worker runs with the grader's resource limits (``sandbox``) in its own
session and process group, with a minimal environment and a private empty
working folder. ``launcher`` is the one place that starts it: a stronger
sandbox (namespaces) wraps the same command there.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import dojo
from dojo.catalog import Kata
from dojo.grading import isolation, sandbox
from dojo.judge.wire import MAX_LINE, WireError, dump_line, load_line

DOJO_ROOT = Path(dojo.__file__).resolve().parents[1]
START_TIMEOUT = 20.0  # seconds for the worker to import the solution
TOTAL_TIME = 120.0  # seconds for every request of one session: a slow answerer cannot stall the grade
LIMITS = sandbox.Limits(wall_clock=120.0, memory_mb=2048, file_size_mb=16)

OUT_OF_TIME = "the judge's {total:g} s for this solution ran out (during {what})"
NO_REPLY = "the worker did not answer within {timeout:g} s ({what})"
DIED = "the worker ended ({how}) during {what}"
GARBLED = "the worker's reply to {what} broke the protocol: {why}"
REFUSED = "the worker refused {what}: {why}"


class Broken(Exception):
    """The worker broke the protocol, died or stopped answering."""


def worker_command(kata: Kata, solution_root: Path) -> list[str]:
    """The worker's command line (a sandbox may wrap it)."""
    return [
        sys.executable,
        "-B",
        "-m",
        "dojo.judge.worker",
        str(solution_root),
        kata.name,
        kata.module,
        kata.class_name,
    ]


def worker_env(home: Path) -> dict[str, str]:
    """A minimal environment: the grader's secrets never reach the solution."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONPATH": str(DOJO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }


def launcher(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    limits: sandbox.Limits,
    solution_root: Path,
    level: str | None = None,
) -> sandbox.Child:
    """Start the worker in the grader's sandbox: pipes for the protocol, no stderr,
    limits; it sees the harness and the solution read-only and writes only ``cwd``."""
    walls = isolation.Walls(readonly=(DOJO_ROOT, solution_root), writable=(cwd,))
    return sandbox.spawn(
        argv,
        cwd=cwd,
        env=env,
        limits=limits,
        walls=walls,
        level=level,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


class Session:
    """One running worker with the solution imported, and the requests made to it."""

    def __init__(
        self, kata: Kata, solution_root: Path, limits: sandbox.Limits = LIMITS, level: str | None = None
    ) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="dojo-judge-"))
        root = solution_root.resolve()
        self.child = launcher(
            worker_command(kata, root), self.home, worker_env(self.home), limits, root, level
        )
        self.proc = self.child.proc
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None  # launcher() pipes both ways
        self.stdin, self.stdout = stdin, stdout
        self.buffer = b""
        self.next_id = 1
        self.ends = time.monotonic() + TOTAL_TIME
        self.problem: str | None = None
        os.set_blocking(self.stdout.fileno(), False)
        os.set_blocking(self.stdin.fileno(), False)
        hello = self._reply(0, START_TIMEOUT, "importing the solution")
        if "problem" in hello:
            self.problem = str(hello["problem"])[:500]
        elif hello.get("ready") is not True:
            raise self._broken(GARBLED.format(what="importing the solution", why="no ready line"))

    def folder(self, name: str) -> Path:
        """A folder in the worker's home that the worker may write (under the
        process-level sandbox it runs as its own user, so the judge hands it over)."""
        path = self.home / name
        path.mkdir(exist_ok=True)
        if self.child.who is not None:
            isolation.give(path, self.child.who)
        return path

    # -- lines ---------------------------------------------------------------

    def _broken(self, message: str) -> Broken:
        self.close()
        return Broken(message)

    def _how_it_ended(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "its output closed"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def _write(self, data: bytes, deadline: float, what: str, timeout: float = 0.0) -> None:
        fd = self.stdin.fileno()
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._broken(NO_REPLY.format(timeout=timeout, what=what))
            _, ready, _ = select.select([], [fd], [], left)
            if ready:
                try:
                    data = data[os.write(fd, data) :]
                except BlockingIOError:
                    continue
                except OSError:
                    raise self._broken(DIED.format(how=self._how_it_ended(), what=what)) from None

    def _line(self, timeout: float, what: str, shown: float | None = None) -> bytes:
        deadline = time.monotonic() + timeout
        fd = self.stdout.fileno()
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise self._broken(GARBLED.format(what=what, why=f"a line over {MAX_LINE:,} bytes"))
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._broken(NO_REPLY.format(timeout=shown or timeout, what=what))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                try:
                    self.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
                raise self._broken(DIED.format(how=self._how_it_ended(), what=what))
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def _reply(self, ident: int, timeout: float, what: str, shown: float | None = None) -> dict:
        try:
            reply = load_line(self._line(timeout, what, shown))
        except WireError as exc:
            raise self._broken(GARBLED.format(what=what, why=exc)) from None
        if reply.get("id") != ident:
            raise self._broken(GARBLED.format(what=what, why=f"a reply to request {reply.get('id')!r:.20}"))
        if "error" in reply:
            raise self._broken(REFUSED.format(what=what, why=str(reply["error"])[:200]))
        return reply

    # -- requests ------------------------------------------------------------

    def request(self, message: dict, *, timeout: float = 10.0, what: str = "a request") -> dict:
        """Send one request and return its reply; ``Broken`` for anything else."""
        if self.proc.poll() is not None and not self.buffer:
            raise Broken(DIED.format(how=self._how_it_ended(), what=what))
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self._broken(OUT_OF_TIME.format(total=TOTAL_TIME, what=what))
        timeout = min(timeout, left)
        ident = self.next_id
        self.next_id += 1
        deadline = time.monotonic() + timeout
        self._write(dump_line({"id": ident, **message}), deadline, what, timeout)
        return self._reply(ident, max(0.0, deadline - time.monotonic()), what, shown=timeout)

    def timed(
        self, message: dict, *, timeout: float = 10.0, what: str = "a timed loop"
    ) -> tuple[float, float | None, dict]:
        """A request, the seconds its round trip took on the judge's clock, and the CPU
        seconds the worker (every thread of it and of its children) spent meanwhile, as
        the kernel counts them (None where /proc cannot say)."""
        cpu_before = self.cpu_seconds()
        begin = time.perf_counter()
        reply = self.request(message, timeout=timeout, what=what)
        wall = time.perf_counter() - begin
        cpu_after = self.cpu_seconds()
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        return wall, cpu, reply

    def _tree(self) -> list[int]:
        """The worker's process and every process below it (a sandbox may wrap it)."""
        found: list[int] = []
        pending = [self.proc.pid]
        while pending and len(found) < 64:
            pid = pending.pop()
            if pid in found:
                continue
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                        pending.extend(int(c) for c in children.read().split())
            except (OSError, ValueError):
                pass
        return found

    def rss_bytes(self) -> int | None:
        """Resident memory of the worker's process tree, from /proc (None where it cannot say)."""
        total = 0
        try:
            for pid in self._tree():
                with open(f"/proc/{pid}/statm", "rb") as statm:
                    total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None
        return total

    def cpu_seconds(self) -> float | None:
        """CPU time of the worker's process tree so far, from /proc (nanosecond schedstat).

        Unlike the wall clock it does not count the time other processes of a
        loaded machine take, and the solution cannot forge it.
        """
        total, pending = 0, [self.proc.pid]
        seen: set[int] = set()
        try:
            while pending and len(seen) < 64:
                pid = pending.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/schedstat", "rb") as stat_file:
                        total += int(stat_file.read().split()[0])
                    try:
                        with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                            pending.extend(int(c) for c in children.read().split())
                    except OSError:
                        pass
        except (OSError, ValueError, IndexError):
            return None
        return total / 1e9

    def close(self) -> None:
        """Kill the worker's process group and forget its folder."""
        self.child.kill()
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.child.stop(timeout=5)  # reaped, and forgotten by the sandbox
        _remove_quietly(self.home)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _remove_quietly(folder: Path, cap: int = 100_000) -> None:
    """Remove the worker's folder: iteratively (any depth), never following a link, never raising."""
    pending: list[str] = [str(folder)]
    seen: list[str] = []
    while pending and len(seen) < cap:
        path = pending.pop()
        seen.append(path)
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    for path in reversed(seen):  # the deepest folders were seen last
        try:
            os.rmdir(path)
        except OSError:
            pass
