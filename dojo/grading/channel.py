"""The grader's pytest plugin: stream signed per-test events to the grader.

The grader loads this module in the graded process (``-p``), from its own copy
(never the suite's), and passes two inherited pipe descriptors in
``DOJO_GRADE_CHANNEL`` (``"<events fd>,<key fd>"``). At configure time, before
any solution code is imported, the plugin reads a one-run secret key from the
key pipe, closes it and removes the variable from the environment; each event
is then one line ``<hmac> <json>`` with a sequence number, so the grader
rejects any line it did not sign: stray writes, garbage, replays.

What this defends, and what not (see docs/instructors.md): a solution that writes
to the pipe, closes it or fakes a report file cannot add a pass. A solution
that searches the interpreter's memory for the key can forge events; that is
the "determined attacker inside the graded process" the CI sandbox contains.

This module must import nothing but the standard library and pytest: the
grader copies it into the graded process's private folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import pytest

CHANNEL_ENV = "DOJO_GRADE_CHANNEL"
MESSAGE_LIMIT = 500


class Channel:
    """The write end of the event pipe, and the key that signs each line."""

    def __init__(self, fd: int, key: bytes) -> None:
        self.fd = fd
        self.key = key
        self.seq = 0

    def send(self, event: str, **fields) -> None:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "event": event, **fields}, sort_keys=True)
        line = f"{sign(self.key, body)} {body}\n".encode()
        try:
            while line:
                line = line[os.write(self.fd, line) :]
        except OSError:  # the pipe is gone; the grader will say so
            pass


def sign(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _open() -> Channel | None:
    spec = os.environ.pop(CHANNEL_ENV, None)
    if not spec:
        return None
    events_fd, key_fd = (int(part) for part in spec.split(","))
    chunks = []
    while chunk := os.read(key_fd, 4096):
        chunks.append(chunk)
    os.close(key_fd)
    return Channel(events_fd, b"".join(chunks).strip())


def _first_line(report) -> str:
    """The line of a failure that says what went wrong (pytest's ``E`` lines first)."""
    text = report.longreprtext
    for line in text.splitlines():
        if line.startswith("E "):
            return line[2:].strip()[:MESSAGE_LIMIT]
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1].strip() if lines else "failed")[:MESSAGE_LIMIT]


def _skip_reason(report) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")[:MESSAGE_LIMIT]
    return _first_line(report)


class Streamer:
    """The hooks that send events, registered once the channel is open."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.channel.send("collect_error", nodeid=report.nodeid, message=_first_line(report))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.channel.send("collected", nodeids=[item.nodeid for item in session.items])

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self.channel.send("start", nodeid=nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        fields = {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": round(report.duration, 6),
        }
        if report.failed:
            fields["message"] = _first_line(report)
        elif report.skipped:
            fields["message"] = _skip_reason(report)
        self.channel.send("report", **fields)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.channel.send("finish", exitstatus=int(exitstatus))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    channel = _open()
    if channel is not None:
        config.pluginmanager.register(Streamer(channel), "dojo-grade-streamer")
        channel.send("configured", pid=os.getpid())
