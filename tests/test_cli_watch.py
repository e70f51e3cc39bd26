"""``dojo watch`` driven through a pseudo-terminal, as a learner's terminal would.

The watcher runs in its own process on the slave end of a pty; the test reads
the screen from the master end, edits the solution, presses keys, and checks
that the command reruns, shows hints and quits cleanly (terminal restored).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

from dojo.testing import wait_until
from tests.cli_standin import REFERENCE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


class Screen:
    """The master end of a pty: everything the watcher printed, without escapes."""

    def __init__(self, fd: int):
        self.fd = fd
        self.text = ""

    def expect(self, pattern: str, timeout: float = 20) -> re.Match:
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while True:
            found = compiled.search(self.text)
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {pattern!r}; the screen was:\n{self.text[-3000:]}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the terminal closed before {pattern!r}:\n{self.text[-3000:]}")
                self.text += ANSI.sub("", chunk.decode(errors="replace"))

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())


@pytest.fixture
def watching(repo):  # noqa: F811 - the fixture imported above
    master, slave = pty.openpty()
    saved = termios.tcgetattr(slave)
    env = dict(os.environ, NO_COLOR="1", COLUMNS="120", LINES="40", TERM="xterm",
               DOJO_WATCH_DEBOUNCE_MS="200")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dojo.cli", "watch", "tally"],
        cwd=repo, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    screen = Screen(master)
    try:
        yield proc, screen, slave, saved
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
        os.close(slave)


def test_watch_reruns_on_a_change_shows_hints_and_quits_with_q(repo, watching):  # noqa: F811
    proc, screen, slave, saved = watching
    screen.expect(r"dojo watch: tally \(Tally counter\), run 1 at")
    # Each failure was shown the moment the run reported it, before the run's summary.
    live = screen.expect(r"stage 1, test_a_new_key_counts_zero: ")
    assert live.start() < screen.text.index("dojo watch: tally (Tally counter), run 1 at")
    screen.expect(r"stage 1\s+Counting\s+failed \(2 of 2\)")
    screen.expect(r"First failure \(stage 1\): stages/stage1/test_tally.py::test_a_new_key_counts_zero")
    screen.expect(r"Progress .* 0 of 3 stages pass")
    screen.expect(r"Keys: \[h\] hint  \[t\] task text  \[r\] rerun  \[q\] quit")
    (repo / "katas" / "tally" / "tally.py").write_text(REFERENCE[1])
    screen.expect(r"run 2 at")
    screen.expect(r"stage 1\s+Counting\s+passed \(2 of 2\)")
    screen.expect(r"1 of 3 stages pass")
    screen.expect(r"Stage 2 \(Totals\) is unlocked")
    screen.send("h")
    screen.expect(r"Hint 1 of 3 for stage 2 of tally:\s+Give add an optional amount")
    screen.send("t")
    screen.expect(r"tally, stage 2: Totals")
    screen.send("r")  # stage 2 is now the current stage
    screen.expect(r"run 3 at")
    screen.expect(r"stage 2\s+Totals\s+failed \(2 of 2\)")
    screen.send("q")
    screen.expect(r"dojo watch: stopped after 3 run\(s\)\.")
    assert proc.wait(timeout=10) == 1  # the exit code of the last run: stage 2 failed
    assert termios.tcgetattr(slave) == saved, "the terminal was left in cbreak mode"


def test_watch_exits_cleanly_on_ctrl_c(repo, watching):  # noqa: F811
    proc, screen, slave, saved = watching
    screen.expect(r"Keys: ")
    os.killpg(proc.pid, signal.SIGINT)
    try:
        screen.expect(r"dojo watch: stopped after 1 run\(s\)\.")
    except AssertionError as missing:
        # Say whether the watcher had ended silently or still ran. (It once still ran: the
        # tests had been started as a background job, which ignores SIGINT, and the watcher
        # inherited that; it now restores Ctrl-C itself, and this test runs either way.)
        state = "still running" if proc.poll() is None else f"ended with exit code {proc.returncode}"
        raise AssertionError(f"after SIGINT the watcher was {state}; {missing}") from None
    assert proc.wait(timeout=10) in (0, 1)
    assert "Traceback" not in screen.text
    assert termios.tcgetattr(slave) == saved


def test_a_save_during_a_run_stops_it_and_runs_the_new_code_at_once(repo, watching):  # noqa: F811
    proc, screen, slave, saved = watching
    screen.expect(r"run 1 at")
    solution = repo / "katas" / "tally" / "tally.py"
    # The slow code says when a run has imported it, from outside the watched folder: a
    # run that started late would import the next save instead and pass stage 1 itself.
    started = repo / "slow-run-started"
    solution.write_text(
        f"import pathlib, time\n\npathlib.Path({str(started)!r}).touch()\n"
        "time.sleep(30)  # a slow run\n\n" + REFERENCE[1]
    )
    screen.expect(r"(?s)run 1 at.*Running stages 1 to 1 of tally")
    assert wait_until(started.exists, 20), "the run never imported the slow code"
    time.sleep(0.2)  # the slow run is going on
    solution.write_text(REFERENCE[1])
    saved_at = time.monotonic()
    screen.expect(r"run 2 at", timeout=25)
    screen.expect(r"stage 1\s+Counting\s+passed \(2 of 2\)")
    assert time.monotonic() - saved_at < 15, "the run of the older code was waited out"
    screen.send("q")
    screen.expect(r"dojo watch: stopped after 2 run\(s\)\.")
    assert proc.wait(timeout=10) == 0


def test_a_streamed_run_ends_even_when_its_output_is_not_utf8(tmp_path):
    from dojo.learner.runs import _streamed

    seen: list[str] = []
    line = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(bytes([111, 107, 10, 255, 254, 10]))"]
    returncode, output = _streamed(line, tmp_path, seen.append, lambda: False)
    assert returncode == 0 and seen[0] == "ok" and len(seen) == 2
