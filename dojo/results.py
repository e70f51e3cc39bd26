"""One verdict: what a run says about each test, each stage and each kata.

Every reader of results uses this module: the plugin's end-of-run report,
``--dojo-json`` (schema ``dojo/schema/run-v1.json``), the learner's status
and interview (built from the run log) and the grader. The rule it encodes:

    A stage passes only when every test of its suite, as collected from the
    suite file before any selection (``-k``, ``-m``, node ids, ``--deselect``,
    ``--lf``, ``-x``...), ran in this run and passed.

A skip or xfail that does not come from the harness's own lock is the
solution's (``pytest.skip`` in a method, a skip raised by ``__eq__`` of a
returned value...): it counts as a failure of that test. A stage of which
only some tests ran is "partial": it never passes, whatever the tests that
ran said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SCHEMA_NAME = "kata-dojo/run"
SCHEMA_VERSION = 1
MAX_FAILURES = 50  # failures kept per stage in the JSON; the count is always exact
LOCKED_REASON = "locked: stage {stage} of {kata} has failures"
SKIPPED_BY_SOLUTION = (
    "the solution skipped this test ({reason}): a skip or xfail raised from the "
    "solution's code counts as a failure; make the test pass instead"
)
PARTIAL = "partial run: {ran} of {total} tests of stage {stage} ran; run the whole stage to pass it"


class Outcome(StrEnum):
    """What happened to a test, a stage or a kata (the words the learner reads)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED_BY_SOLUTION = "skipped by solution"  # a test's; it fails its stage
    LOCKED = "locked"  # an earlier stage of the kata has failures
    PARTIAL = "partial"  # a stage's: some of its tests did not run
    NOT_RUN = "not run"
    NOT_STARTED = "not started"  # a kata's folder is still the shipped stub


def _count(data: dict, key: str) -> int:
    value = data.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


@dataclass
class StageResult:
    """One stage of one kata: how many of its suite's tests did what.

    ``total`` is the size of the whole suite, whatever the run selected; when
    the result comes from the run log, ``at`` and ``fingerprint`` say when it
    was seen and on which code.
    """

    stage: int
    total: int = 0
    passed: int = 0
    failed: int = 0
    skipped_by_solution: int = 0
    locked: int = 0
    failures: list[dict] = field(default_factory=list)  # {"test", "message"}
    at: str | None = None
    fingerprint: str | None = None

    @property
    def ran(self) -> int:
        return self.passed + self.failed + self.skipped_by_solution + self.locked

    @property
    def not_run(self) -> int:
        return max(0, self.total - self.ran)

    @property
    def complete(self) -> bool:
        """Every test of the suite ran in this run."""
        return self.total > 0 and self.not_run == 0

    @property
    def failing(self) -> int:
        """Tests that count as failed: failures and the solution's own skips."""
        return self.failed + self.skipped_by_solution

    @property
    def outcome(self) -> Outcome:
        if self.failing:
            return Outcome.FAILED
        if self.locked:
            return Outcome.LOCKED
        if self.ran == 0:
            return Outcome.NOT_RUN
        if not self.complete:
            return Outcome.PARTIAL
        return Outcome.PASSED

    @property
    def is_verdict(self) -> bool:
        """Says something lasting about the code: a full pass, or any failure."""
        return self.outcome in (Outcome.FAILED, Outcome.PASSED)

    def note(self) -> str | None:
        if self.outcome == Outcome.PARTIAL:
            return PARTIAL.format(ran=self.ran, total=self.total, stage=self.stage)
        return None

    def describe(self) -> str:
        """The status words: ``passed (12 of 12)``, ``failed (3 of 12, 5 not run)``, ``locked``..."""
        outcome = self.outcome
        if outcome == Outcome.FAILED:
            not_run = f", {self.not_run} not run" if self.not_run else ""
            return f"failed ({self.failing} of {self.total}{not_run})"
        if outcome == Outcome.PASSED:
            return f"passed ({self.passed} of {self.total})"
        if outcome == Outcome.PARTIAL:
            return f"partial run ({self.ran} of {self.total} ran)"
        return str(outcome)

    def as_json(self, max_failures: int = MAX_FAILURES) -> dict:
        return {
            "status": str(self.outcome),
            "complete": self.complete,
            "total": self.total,
            "ran": self.ran,
            "passed": self.passed,
            "failed": self.failed,
            "skipped_by_solution": self.skipped_by_solution,
            "locked": self.locked,
            "not_run": self.not_run,
            "note": self.note(),
            "failures": self.failures[:max_failures],
        }

    @classmethod
    def from_json(
        cls, stage: int, data: dict, *, at: str | None = None, fingerprint: str | None = None
    ) -> StageResult:
        failures = data.get("failures", [])
        return cls(
            stage,
            _count(data, "total"),
            _count(data, "passed"),
            _count(data, "failed"),
            _count(data, "skipped_by_solution"),
            _count(data, "locked"),
            [f for f in failures if isinstance(f, dict)] if isinstance(failures, list) else [],
            at,
            fingerprint,
        )


@dataclass
class KataResult:
    """One kata's stages (those known), by stage number, and the stage list."""

    name: str
    stage_numbers: range
    stages: dict[int, StageResult] = field(default_factory=dict)
    fingerprint: str | None = None

    def result(self, stage: int) -> StageResult:
        return self.stages.get(stage) or StageResult(stage)

    def highest_passed(self) -> int:
        """The last stage of an unbroken run of passes from stage 1 (0 if none)."""
        highest = 0
        for stage in self.stage_numbers:
            if self.result(stage).outcome != Outcome.PASSED:
                break
            highest = stage
        return highest

    def first_failed(self) -> int | None:
        return next((s for s in sorted(self.stages) if self.stages[s].outcome == Outcome.FAILED), None)

    def first_partial(self) -> int | None:
        return next((s for s in sorted(self.stages) if self.stages[s].outcome == Outcome.PARTIAL), None)

    def as_json(self, max_failures: int = MAX_FAILURES) -> dict:
        return {
            "highest_stage": self.highest_passed(),
            "fingerprint": self.fingerprint,
            "stages": {str(s): r.as_json(max_failures) for s, r in sorted(self.stages.items())},
        }

    @classmethod
    def from_json(cls, name: str, stage_numbers: range, data: dict, *, at: str | None = None) -> KataResult:
        fingerprint = data.get("fingerprint") if isinstance(data.get("fingerprint"), str) else None
        stages = data.get("stages", {})
        found = {}
        for key, value in stages.items() if isinstance(stages, dict) else []:
            if str(key).isdigit() and isinstance(value, dict):
                found[int(key)] = StageResult.from_json(int(key), value, at=at, fingerprint=fingerprint)
        return cls(name, stage_numbers, found, fingerprint)
