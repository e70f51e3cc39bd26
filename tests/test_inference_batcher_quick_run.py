"""The inference_batcher's feedback loop stays quick: a learner's run of every stage takes seconds.

(The staged runs of the references and the stub are in ``tests/test_references.py``.)
"""

from __future__ import annotations

import time

import pytest

from tests.support import run_stages

KATA = "inference_batcher"
STAGES = 4


@pytest.mark.timeout(300)
def test_a_learners_stage4_run_of_the_reference_takes_seconds_not_minutes(tmp_path):
    # Generous: the suite's own time is about 4 s on a quiet 2-core machine and 10 s
    # at load 6; this catches tests that wait out timeouts instead of counting calls.
    start = time.monotonic()
    run = run_stages(KATA, STAGES, "reference", tmp_path)
    took = time.monotonic() - start
    assert run.status(KATA, STAGES) == "passed", run.explain()
    assert took < 60, f"stages 1-4 of {KATA} took {took:.1f} s with the reference"
