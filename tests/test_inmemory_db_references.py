"""The ``inmemory_db`` suites against the references and the stub, run as a learner would.

Each reference ``stageN`` passes stages 1..N and fails stage N+1 (one run of
stage N+1 shows both); the full reference passes all four stages; the stub
fails stage 1 with one readable line per test and leaves stages 2-4 locked.
"""

from __future__ import annotations

import re

import pytest

from tests.support import REPO, run_stages

KATA = "inmemory_db"
# Each test runs up to four stages in a fresh process, complexity checks of
# 200,000 keys included: on a loaded machine that takes minutes, not seconds.
RUN_TIMEOUT = 900
pytestmark = pytest.mark.timeout(RUN_TIMEOUT + 60)


@pytest.mark.parametrize("stage", [1, 2, 3])
def test_reference_passes_its_stages_and_fails_the_next(stage, tmp_path):
    run = run_stages(KATA, stage + 1, REPO / "reference" / f"stage{stage}", tmp_path, timeout=RUN_TIMEOUT)
    for earlier in range(1, stage + 1):
        assert run.status(KATA, earlier) == "passed", (
            f"reference/stage{stage} should pass stage {earlier}, but it is {run.status(KATA, earlier)!r}:\n"
            + run.explain()
        )
    assert run.status(KATA, stage + 1) == "failed", (
        f"reference/stage{stage} should fail stage {stage + 1} (it does not do that stage's task),"
        f" but it is {run.status(KATA, stage + 1)!r}:\n" + run.explain()
    )


@pytest.mark.parametrize("solution", ["reference/stage4", "reference"])
def test_full_reference_passes_every_stage(solution, tmp_path):
    run = run_stages(KATA, 4, solution, tmp_path, timeout=RUN_TIMEOUT)
    statuses = {stage: run.status(KATA, stage) for stage in range(1, 5)}
    assert statuses == {1: "passed", 2: "passed", 3: "passed", 4: "passed"}, (
        f"--solution {solution} should pass all four stages; got {statuses}:\n" + run.explain()
    )
    assert run.returncode == 0, run.explain()


def test_stub_fails_stage_one_readably_and_locks_the_rest(tmp_path):
    run = run_stages(KATA, 4, REPO / "katas", tmp_path, timeout=RUN_TIMEOUT)
    stages = run.stages(KATA)
    first = stages.get(1, {})
    assert first.get("status") == "failed", f"the stub should fail stage 1; got {first!r}:\n" + run.explain()
    assert first["failed"] == first["total"] > 0, (
        f"every stage 1 test should fail on the stub: {first['failed']} of {first['total']} failed"
    )
    for failure in first["failures"]:
        message = failure["message"]
        assert re.search(r"implement \w+\(\)", message) and "\n" not in message, (
            f"{failure['test']}: the stub's failure should be one line naming the method to write; got {message!r}"
        )
    for stage in (2, 3, 4):
        assert run.status(KATA, stage) == "locked", (
            f"stage {stage} should be locked while stage 1 fails; got {run.status(KATA, stage)!r}:\n" + run.explain()
        )
    summary = run.output.strip().splitlines()[-1]
    assert "error" not in summary and run.returncode == 1, (
        f"the stub's run should end in ordinary test failures, not errors; last line: {summary!r}"
    )
