"""Failures shown the moment they happen, before the run ends.

pytest prints failures only when the whole run is over; a learner whose
first failure comes a second in should not wait for the slow tests after
it (complexity checks, thread rounds) to learn what broke. Each stage
test's failure is shown as one line as soon as it is reported; the full
failure still comes in pytest's summary. A message that several tests
share (the stub's "implement get()") is shown once, and so is a test
function whose parametrized cases fail one after another.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dojo.stages import StageFile

LIMIT = 300  # characters of a message on its live line
# "  stage 2, test_name: message": what a reader of pytest's output (dojo watch) looks for.
LINE = re.compile(r"^  stage \d+, ")
# The harness's own exception names ("stages.support.lru_cache.DeadlockSuspected: ..."):
# not the learner's words.
HARNESS_EXCEPTION = re.compile(r"^(?:stages|dojo)\.[\w.]+: ")


def live_line(stage: int, test: str, message: str) -> str:
    cut = message if len(message) <= LIMIT else message[: LIMIT - 3] + "..."
    return f"  stage {stage}, {test}: {cut}"


class LiveFailures:
    """A pytest plugin object: one line per distinct failure message and test function of each stage."""

    def __init__(
        self, files: dict[str, StageFile], failures: dict[StageFile, list[dict]], reporter: Any
    ) -> None:
        self.files = files  # nodeid -> stage, as the dojo plugin collected them
        self.failures = failures  # stage -> failures recorded so far, each with its "message"
        self.reporter = reporter
        self.messages_shown: set[tuple[StageFile, str]] = set()
        self.functions_shown: set[tuple[StageFile, str]] = set()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        address = self.files.get(report.nodeid)
        if address is None or not report.failed or not self.failures.get(address):
            return
        message = self.failures[address][-1]["message"]
        # A check's failure: the words matter, not the harness's name for the exception.
        message = HARNESS_EXCEPTION.sub("", message.removeprefix("AssertionError: "), count=1)
        test = report.nodeid.rpartition("::")[2]
        function = test.partition("[")[0]  # its parametrized cases fail alike: the first one says it
        if (address, message) in self.messages_shown or (address, function) in self.functions_shown:
            return
        self.messages_shown.add((address, message))
        self.functions_shown.add((address, function))
        self.reporter.ensure_newline()
        writer = getattr(self.reporter, "_tw", None)  # with -q, progress letters fill a line of their own
        if writer is not None and writer.width_of_current_line:
            writer.line()
        self.reporter.write_line(live_line(address.stage, test, message), red=True)
