"""Every kata's suites against its references and its stub, run as a learner runs them.

For each kata of ``katas/katas.toml``: each ``reference/stageN`` passes
stages 1..N and fails stage N+1, so each stage adds something the previous
reference lacks (the last one passes every stage); ``--solution reference``
(each stage's own reference) passes every stage; and the stub (``katas/``)
fails stage 1 with ordinary failures, one readable line per test naming
the method to write and no traceback, and shows the later stages locked. If a kata's zoo
settings (``tests/zoo/<kata>/zoo.toml``, ``[references.next_stage_failure_mentions]``)
say why a reference fails the next stage, a failure of that stage says so.

Where the per-kata modules this replaces differed, the stronger check holds
for all: the last stage's reference is run on its own too (inmemory_db's),
the stub's every failure must match the one message the harness writes
(``<kata>: implement <method>() (...)``, as three of them checked), and its
run ends in failures, not errors, with exit code 1.

The runs are subprocesses (``tests.support.run_stages``) on one small pool
for all katas, started when the first test asks for one, in the order the
selected tests will ask; only the runs the selected tests need (``-k``
narrows the runs too).
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from dojo.catalog import load_catalog
from tests.support import REPO, StageRun, check_passes_every_stage, pool_size, run_stages
from tests.zoo_settings import load_zoo_settings

CATALOG = load_catalog(REPO)
KATAS = {kata.name: kata for kata in CATALOG.katas}
RUN_TIMEOUT = 900  # seconds for one run: complexity checks of 200,000 keys, on a loaded machine
# The tests wait for runs that share the machine's cores (the first waits for the
# pool's first few); each run has its own limit, so this only lifts pytest's 60 s.
pytestmark = pytest.mark.timeout(1800)

KATA_PARAMS = [pytest.param(name, id=name) for name in KATAS]
# (kata, n) for each reference/stageN but the last: it must fail stage N+1.
NOT_LAST = [
    pytest.param(name, n, id=f"{name}-stage{n}")
    for name, kata in KATAS.items()
    for n in kata.stages[:-1]
]
MENTIONS = [
    pytest.param(name, n, text, id=f"{name}-stage{n}")
    for name in KATAS
    for n, text in load_zoo_settings(name).next_stage_failure_mentions.items()
]


def plan(kata: str, name: str) -> tuple[int, Path | str]:
    """The run called ``name``: the last stage it runs, and the solution."""
    last = KATAS[kata].stages[-1]
    if name == "stub":
        return last, REPO / "katas"
    if name == "reference":
        return last, "reference"  # the harness picks each stage's own reference
    n = int(name.removeprefix("reference/stage"))
    return min(n + 1, last), REPO / "reference" / f"stage{n}"


class ReferenceRuns:
    """The staged runs the selected tests need, on one small pool of processes."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=pool_size())
        self.runs: dict[tuple[str, str], Future[StageRun]] = {}

    def start(self, kata: str, name: str) -> None:
        if (kata, name) not in self.runs:
            self.runs[(kata, name)] = self.pool.submit(self._run, kata, name)

    def _run(self, kata: str, name: str) -> StageRun:
        stage, solution = plan(kata, name)
        where = self.tmp / f"{kata}-{name.replace('/', '-')}"
        where.mkdir()
        try:
            return run_stages(kata, stage, solution, where, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return StageRun(-1, f"the run did not finish within {RUN_TIMEOUT} s", {})

    def get(self, kata: str, name: str) -> StageRun:
        return self.runs[(kata, name)].result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _run_name(test: str, params: dict) -> str:
    """The run a test of this module checks (named by the test's function)."""
    last = KATAS[params["kata"]].stages[-1]
    return {
        "test_the_stub_fails_stage1_readably_and_locks_the_rest": "stub",
        "test_the_reference_option_passes_every_stage": "reference",
        "test_the_last_reference_passes_every_stage": f"reference/stage{last}",
    }.get(test, f"reference/stage{params.get('n')}")


@pytest.fixture(scope="module")
def references(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The runs of every selected test of this module (all of them, unless -k narrows the run)."""
    runs = ReferenceRuns(tmp_path_factory.mktemp("references"))
    for item in request.session.items:
        if item.module is request.module and "references" in item.fixturenames:
            params = item.callspec.params
            runs.start(params["kata"], _run_name(item.originalname, params))
    yield runs
    runs.close()


def failures_of(run: StageRun, kata: str) -> str:
    return "\n".join(run.failure_lines(kata))


@pytest.mark.parametrize(("kata", "n"), NOT_LAST)
def test_each_reference_passes_its_stages_and_fails_the_next(references, kata, n):
    run = references.get(kata, f"reference/stage{n}")
    for stage in range(1, n + 1):
        assert run.status(kata, stage) == "passed", (
            f"reference/stage{n}/{kata} should pass stage {stage}; it is {run.status(kata, stage)!r}:\n"
            f"{failures_of(run, kata)}\n--- end of the run's output ---\n{run.explain()}"
        )
    assert run.status(kata, n + 1) == "failed", (
        f"reference/stage{n}/{kata} should fail stage {n + 1}, which adds what it lacks; it is "
        f"{run.status(kata, n + 1)!r}:\n{run.explain()}"
    )


@pytest.mark.parametrize(("kata", "n", "text"), MENTIONS)
def test_a_reference_fails_the_next_stage_for_the_reason_the_settings_give(references, kata, n, text):
    failures = references.get(kata, f"reference/stage{n}").stages(kata).get(n + 1, {}).get("failures", [])
    assert any(text in f["message"] for f in failures), (
        f"reference/stage{n}/{kata} should fail stage {n + 1} naming {text!r}"
        f" (tests/zoo/{kata}/zoo.toml); its failures: {failures}"
    )


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_last_reference_passes_every_stage(references, kata):
    last = KATAS[kata].stages[-1]
    run = references.get(kata, f"reference/stage{last}")
    check_passes_every_stage(kata, f"reference/stage{last}/{kata}", KATAS[kata].stages, run)
    assert run.returncode == 0, run.explain()


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_reference_option_passes_every_stage(references, kata):
    run = references.get(kata, "reference")
    check_passes_every_stage(kata, f"--solution reference --kata {kata}", KATAS[kata].stages, run)
    assert run.returncode == 0, run.explain()


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_stub_fails_stage1_readably_and_locks_the_rest(references, kata):
    run = references.get(kata, "stub")
    first = run.stages(kata).get(1, {})
    assert first.get("status") == "failed", f"the stub should fail stage 1; got {first!r}:\n{run.explain()}"
    assert first["failed"] == first["total"] > 0, (
        f"every stage 1 test should fail on the stub: {first['failed']} of {first['total']} failed"
    )
    one_line = re.compile(
        rf"{kata}: implement \w+\(\) \(the method still raises NotImplementedError: "
        rf"write it in katas/{kata}\)"
    )
    for failure in first["failures"]:
        assert one_line.fullmatch(failure["message"]), (
            f"{failure['test']}: the stub's failure should be one line naming the method to write,"
            f" like '{kata}: implement get() (the method still raises NotImplementedError: write it"
            f" in katas/{kata})'; got {failure['message']!r}"
        )
    # pytest's traceback lines: "E   ..." and "path.py:12: in f" (or a raw traceback).
    traceback = [
        line for line in run.output.splitlines()
        if line.startswith(("E   ", "Traceback (most recent call last)")) or re.search(r"\.py:\d+: in ", line)
    ]
    assert not traceback, (
        "the stub's failures should show no traceback, only the line naming the method; the run shows:\n"
        + "\n".join(traceback[:10])
    )
    for stage in KATAS[kata].stages[1:]:
        assert run.status(kata, stage) == "locked", (
            f"stage {stage} should be locked while stage 1 fails; got {run.status(kata, stage)!r}:\n"
            + run.explain()
        )
    summary = run.output.strip().splitlines()[-1]
    assert "error" not in summary and run.returncode == 1, (
        f"the stub's run should end in ordinary test failures (exit code 1), not errors;"
        f" exit code {run.returncode}, last line: {summary!r}"
    )
