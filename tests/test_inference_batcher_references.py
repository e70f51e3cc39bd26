"""The inference_batcher suites against the references and the stub, run as a learner runs them.

Each reference stage N passes stages 1..N and fails stage N+1 (so each stage
adds something the previous reference lacks); the stub fails stage 1 with
one readable failure per test and locks the later stages; the stage 4
reference's run stays quick, as a learner's feedback loop should. The runs
are subprocesses (``tests.support.run_stages``), started together because
each costs seconds.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import REPO, StageRun, run_stages

KATA = "inference_batcher"
STAGES = 4
# The module's runs share the machine's cores (and, in CI, the zoo's): the first
# test waits for all of them, so pytest's 60 s default does not fit.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, StageRun]:
    """Every run this module checks, started at once: name -> its outcome."""
    plans = {
        f"reference/stage{n}": (n + 1, REPO / "reference" / f"stage{n}") for n in range(1, STAGES)
    }
    plans["reference"] = (STAGES, "reference")
    plans["stub"] = (STAGES, REPO / "katas")

    def start(name: str) -> StageRun:
        stage, solution = plans[name]
        folder = tmp_path_factory.mktemp(name.replace("/", "-"))
        return run_stages(KATA, stage, solution, folder)

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(start, name) for name in plans}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("n", range(1, STAGES))
def test_each_reference_passes_its_stages_and_fails_the_next(runs, n):
    run = runs[f"reference/stage{n}"]
    for stage in range(1, n + 1):
        assert run.status(KATA, stage) == "passed", (
            f"reference/stage{n} should pass stage {stage}; it is {run.status(KATA, stage)!r}:\n"
            f"{run.explain()}"
        )
    assert run.status(KATA, n + 1) == "failed", (
        f"reference/stage{n} should fail stage {n + 1}, which adds what it lacks; it is "
        f"{run.status(KATA, n + 1)!r}:\n{run.explain()}"
    )


def test_the_reference_option_passes_every_stage(runs):
    run = runs["reference"]
    statuses = {stage: run.status(KATA, stage) for stage in range(1, STAGES + 1)}
    assert set(statuses.values()) == {"passed"}, f"{statuses}:\n{run.explain()}"
    assert run.returncode == 0, run.explain()


def test_the_stub_fails_stage1_readably_and_locks_the_rest(runs):
    run = runs["stub"]
    stage1 = run.stages(KATA)[1]
    assert stage1["status"] == "failed" and stage1["failed"] == stage1["total"], run.explain()
    for failure in stage1["failures"]:
        assert re.fullmatch(
            r"inference_batcher: implement \w+\(\) \(the method still raises NotImplementedError: "
            r"write it in katas/inference_batcher\)",
            failure["message"],
        ), failure
    for stage in range(2, STAGES + 1):
        assert run.status(KATA, stage) == "locked", run.explain()
    assert " error" not in run.output.splitlines()[-1], run.explain()


def test_a_learners_stage4_run_of_the_reference_takes_seconds_not_minutes(tmp_path):
    # Generous: the suite's own time is about 4 s on a quiet 2-core machine and 10 s
    # at load 6; this catches tests that wait out timeouts instead of counting calls.
    start = time.monotonic()
    run = run_stages(KATA, STAGES, "reference", tmp_path)
    took = time.monotonic() - start
    assert run.status(KATA, STAGES) == "passed", run.explain()
    assert took < 60, f"stages 1-4 of {KATA} took {took:.1f} s with the reference"
