"""The grade of one kata, built from what the grader observed.

Three things are observed, none of them a file the graded process writes:
the signed event stream on the grader's own pipe (``channel``), how the
process ended (exit code, signal, the wall clock: ``sandbox.Finished``) and,
for the words of a crash, the tail of its output. An honest run sends
``configured``, ``collected``, then ``start`` and ``report`` lines for each
test, then ``finish``; whatever is missing says where and how the run broke.

What a solution inside the graded process can forge, and what it gains:

- a report file (``--dojo-json``, ``--junitxml``, or any file next to the
  grader's report): nothing, the grader never reads them for the grade;
- lines on the event pipe: nothing, they are unsigned, so the kata is graded
  ``tampered`` (score 0);
- its own exit code (``os._exit(0)`` mid-run): nothing, a run without its
  ``finish`` event is ``crashed`` at the test in progress;
- a signed event, after digging the one-run key out of the interpreter's
  memory: everything. That is the determined attacker of the threat model.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import threading
from dataclasses import dataclass, field

from dojo import layout
from dojo.catalog import Kata
from dojo.grading.channel import sign
from dojo.grading.sandbox import Finished
from dojo.results import SKIPPED_BY_SOLUTION, KataResult, Outcome, StageResult

# Test outcomes, as the grade report names them (one model: dojo.results).
PASSED, FAILED, LOCKED, NOT_RUN = Outcome.PASSED, Outcome.FAILED, Outcome.LOCKED, Outcome.NOT_RUN
SKIPPED = "skipped"  # kept for the report's "skipped" count: a skip now fails its test

# Kata outcomes: how the graded run ended.
COMPLETED = "completed"
TIMED_OUT = "timed out"
CRASHED = "crashed"
KILLED_MEMORY = "killed: memory"
TAMPERED = "tampered"
ERROR = "error"

# Messages (matched by the tests).
WALL_CLOCK = "the kata's wall-clock limit of {limit:g} s expired during this test"
WALL_CLOCK_NO_TEST = "the kata's wall-clock limit of {limit:g} s expired outside any test"
TEST_TIMEOUT = "the test ran past the per-test timeout: {message}"
CPU_LIMIT = "the CPU time limit of {limit} s was reached during this test"
DIED_SIGNAL = "the graded process was killed by {signal} during this test"
DIED_EXIT = "the graded process exited with code {code} during this test (os._exit or a crash)"
DIED_OUTSIDE = "the graded process ended ({how}) before the run finished, outside any test"
INTERRUPTED = "the run was interrupted during this test ({why}); later tests never ran"
MEMORY = "the memory limit of {limit} MB was reached during this test (MemoryError)"
FORGED = "{count} line(s) on the grader's result channel were not signed by the grader"
SUITE_EDITED = "the graded process modified the suite files: {files}"
NO_START = "the suite did not start: {why}"
COLLECT_ERROR = "the suite could not be collected: {nodeid}: {message}"
NOT_RUN_REASON = "not run: the run ended early ({outcome})"
LINE_LIMIT = 1 << 20  # an event line longer than this is not the grader's
EVENTS_LIMIT = 50_000  # an honest run of the real suites sends a few thousand at most
EVENTS_BYTES = 16 << 20  # ... and well under a megabyte
FLOODED = "the result channel carried more than {events:,} events or {mb} MB (flooded)"
PYTEST_EXIT = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


@dataclass
class TestResult:
    """One test as observed: its outcome and, if it failed, the first line why."""

    nodeid: str
    stage: int
    outcome: str = NOT_RUN
    message: str | None = None
    duration: float = 0.0

    @property
    def name(self) -> str:
        return self.nodeid.split("::", 1)[-1]


@dataclass
class StageGrade:
    """One stage of one kata: counts, status and the failing tests."""

    stage: int
    title: str
    tests: list[TestResult] = field(default_factory=list)
    points: float = 0.0
    max_points: float = 0.0
    counted: bool = False  # it and every earlier stage pass, in a trusted grade

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)

    def result(self) -> StageResult:
        """The stage in the one result model: it passes only if every test ran and passed."""
        return StageResult(
            self.stage,
            total=len(self.tests),
            passed=self.count(PASSED),
            failed=self.count(FAILED),
            locked=self.count(LOCKED),
        )

    @property
    def status(self) -> str:
        outcome = self.result().outcome
        # A stage cut short by a broken run: the kata's outcome says why.
        return str(NOT_RUN if outcome == Outcome.PARTIAL else outcome)

    @property
    def duration(self) -> float:
        return sum(t.duration for t in self.tests)

    def failures(self) -> list[TestResult]:
        return [t for t in self.tests if t.outcome == FAILED]


@dataclass
class KataGrade:
    """One kata's grade: how the run ended, and each stage."""

    name: str
    title: str
    outcome: str
    stages: list[StageGrade]
    detail: str | None = None
    where: TestResult | None = None
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    log: str = ""  # the graded process's output, kept when the run broke (never reported)
    output_bytes: int = 0  # how much the graded process wrote (only the cap's worth is kept)

    @property
    def highest_stage(self) -> int:
        """The highest stage such that it and every earlier one pass (0 if none)."""
        numbers = range(1, len(self.stages) + 1)
        return KataResult(self.name, numbers, {s.stage: s.result() for s in self.stages}).highest_passed()


class EventReader:
    """Reads the event pipe in a thread, keeping the lines signed with ``key``."""

    def __init__(self, fd: int, key: bytes) -> None:
        self.fd = fd
        self.key = key
        self.events: list[dict] = []
        self.forged = 0
        self.flooded = False  # past EVENTS_LIMIT or EVENTS_BYTES: the rest is drained, not kept
        self.bytes = 0
        self.thread = threading.Thread(target=self._read, daemon=True, name="dojo-grade-events")
        self.thread.start()

    def _read(self) -> None:
        with os.fdopen(self.fd, "rb") as stream:
            while raw := stream.readline(LINE_LIMIT):
                self.bytes += len(raw)
                if self.bytes > EVENTS_BYTES or len(self.events) >= EVENTS_LIMIT:
                    if not self.flooded:
                        self.flooded, self.forged = True, self.forged + 1
                    continue  # keep draining, so the sender never blocks; keep nothing
                if not raw.endswith(b"\n") and len(raw) == LINE_LIMIT:
                    self.forged += 1  # no honest event is this long; skip the rest of it
                    while (rest := stream.readline(LINE_LIMIT)) and not rest.endswith(b"\n"):
                        pass
                    continue
                self._accept(raw)

    def _accept(self, raw: bytes) -> None:
        try:
            signature, body = raw.decode("utf-8").rstrip("\n").split(" ", 1)
            signed = hmac.compare_digest(signature, sign(self.key, body))
            event = json.loads(body) if signed else None
        except Exception:  # noqa: BLE001 - garbage of any shape is a forged line
            self.forged += 1
            return
        if not signed or not isinstance(event, dict) or event.get("seq") != len(self.events) + 1:
            self.forged += 1  # unsigned, replayed, reordered or dropped lines
        else:
            self.events.append(event)

    def wait(self, timeout: float = 10.0) -> None:
        self.thread.join(timeout)

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e.get("event") == kind]


def stage_of(nodeid: str, kata: Kata) -> int | None:
    """The stage of a test of ``kata`` from its node id, or None if it is not one."""
    match = re.match(rf"{re.escape(layout.STAGES)}/stage(\d+)/test_{re.escape(kata.name)}\.py::", nodeid)
    return int(match.group(1)) if match else None


def _tests(reader: EventReader, kata: Kata) -> tuple[dict[str, TestResult], str | None]:
    """Every test of the kata with its outcome, and the test still in progress."""
    tests: dict[str, TestResult] = {}
    for event in reader.of("collected"):
        for nodeid in event.get("nodeids", []):
            stage = stage_of(nodeid, kata)
            if stage is not None:
                tests[nodeid] = TestResult(nodeid, stage)
    in_progress = None
    for event in reader.events:
        nodeid = event.get("nodeid", "")
        stage = stage_of(nodeid, kata)
        if stage is None:
            continue
        test = tests.setdefault(nodeid, TestResult(nodeid, stage))
        if event["event"] == "start":
            in_progress = nodeid
            continue
        if event["event"] != "report":
            continue
        test.duration += float(event.get("duration", 0.0))
        if event.get("when") == "teardown" and in_progress == nodeid:
            in_progress = None
        if test.outcome == FAILED:
            continue
        if event.get("outcome") == "failed":
            test.outcome, test.message = FAILED, event.get("message") or "failed"
        elif event.get("outcome") == "skipped":
            reason = event.get("message") or ""
            if reason.startswith("locked:"):
                test.outcome, test.message = LOCKED, reason
            else:  # the solution's own skip or xfail: a failure, never a neutral result
                test.outcome = FAILED
                test.message = SKIPPED_BY_SOLUTION.format(reason=reason or "skipped")
        elif event.get("when") == "call":
            test.outcome = PASSED
    return tests, in_progress


def _limit_failure(tests: dict[str, TestResult], order: dict[str, int]) -> TestResult | None:
    """The first test, in run order, that a limit stopped: per-test timeout or memory."""
    hit = [t for t in tests.values() if t.outcome == FAILED and _limit_of(t) is not None]
    return min(hit, key=lambda t: order.get(t.nodeid, 1 << 30), default=None)


def _limit_of(test: TestResult) -> str | None:
    message = test.message or ""
    if "MemoryError" in message:
        return KILLED_MEMORY
    if message.startswith("Failed: Timeout") and "pytest-timeout" in message:
        return TIMED_OUT
    return None


def observe(
    kata: Kata,
    reader: EventReader,
    finished: Finished,
    *,
    wall_clock: float,
    cpu_limit: int,
    memory_mb: int,
) -> KataGrade:
    """The kata's grade from the events, the way the process ended, and its output."""
    tests, in_progress = _tests(reader, kata)
    order = {
        nodeid: i for event in reader.of("collected") for i, nodeid in enumerate(event.get("nodeids", []))
    }
    current = tests.get(in_progress) if in_progress else None
    finish = reader.of("finish")
    exitstatus = finish[-1].get("exitstatus") if finish else None
    outcome, detail = COMPLETED, None

    def broke(kind: str, message: str, outside: str) -> tuple[str, str]:
        if current is not None:
            current.outcome, current.message = FAILED, f"{kind}: {message}"
            return kind, message
        return kind, outside

    how = f"killed by {finished.signal}" if finished.signal else f"exit code {finished.returncode}"
    limit_hit = _limit_failure(tests, order)
    if reader.flooded:
        outcome, detail = TAMPERED, FLOODED.format(events=EVENTS_LIMIT, mb=EVENTS_BYTES >> 20)
    elif reader.forged:
        outcome, detail = TAMPERED, FORGED.format(count=reader.forged)
    elif finished.timed_out:
        outcome, detail = broke(
            TIMED_OUT, WALL_CLOCK.format(limit=wall_clock), WALL_CLOCK_NO_TEST.format(limit=wall_clock)
        )
    elif finished.signal == "SIGXCPU":
        outcome, detail = broke(
            TIMED_OUT, CPU_LIMIT.format(limit=cpu_limit), DIED_OUTSIDE.format(how="CPU time limit")
        )
    elif not reader.of("configured"):
        outcome, detail = ERROR, NO_START.format(why=_last_line(finished.output) or how)
    elif reader.of("collect_error"):
        first = reader.of("collect_error")[0]
        outcome, detail = (
            ERROR,
            COLLECT_ERROR.format(nodeid=first.get("nodeid"), message=first.get("message")),
        )
    elif limit_hit is not None:
        limit = _limit_of(limit_hit)
        assert limit is not None  # _limit_failure() picks only a test that a limit stopped
        outcome = limit
        detail = (
            MEMORY.format(limit=memory_mb)
            if outcome == KILLED_MEMORY
            else TEST_TIMEOUT.format(message=limit_hit.message)
        )
        current = limit_hit
    elif not finish:
        memory = any(word in finished.output for word in ("MemoryError", "Cannot allocate memory"))
        if memory:
            outcome, detail = broke(
                KILLED_MEMORY, MEMORY.format(limit=memory_mb), DIED_OUTSIDE.format(how=how)
            )
        elif finished.signal:
            outcome, detail = broke(
                CRASHED, DIED_SIGNAL.format(signal=finished.signal), DIED_OUTSIDE.format(how=how)
            )
        else:
            outcome, detail = broke(
                CRASHED, DIED_EXIT.format(code=finished.returncode), DIED_OUTSIDE.format(how=how)
            )
    elif exitstatus in (2, 3):
        why = "KeyboardInterrupt" if "KeyboardInterrupt" in finished.output else (PYTEST_EXIT[exitstatus])
        outcome, detail = broke(
            CRASHED, INTERRUPTED.format(why=why), DIED_OUTSIDE.format(how=f"pytest {PYTEST_EXIT[exitstatus]}")
        )
    elif exitstatus in (4, 5):
        outcome, detail = ERROR, NO_START.format(why=PYTEST_EXIT[exitstatus])
    if outcome != COMPLETED:
        for test in tests.values():
            if test.outcome == NOT_RUN:
                test.message = NOT_RUN_REASON.format(outcome=outcome)
    stages = []
    for stage in kata.stages:
        grade = StageGrade(stage, kata.stage_title(stage))
        grade.tests = sorted(
            (t for t in tests.values() if t.stage == stage), key=lambda t: order.get(t.nodeid, 1 << 30)
        )
        stages.append(grade)
    return KataGrade(
        name=kata.name,
        title=kata.title,
        outcome=outcome,
        stages=stages,
        detail=detail,
        where=current if outcome in (TIMED_OUT, CRASHED, KILLED_MEMORY) else None,
        duration=finished.duration,
        output_bytes=finished.output_bytes,
    )


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
