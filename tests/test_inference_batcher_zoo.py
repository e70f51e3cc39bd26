"""The zoo proves the inference_batcher suites: every buggy solution is caught at its stage.

Each entry ``tests/zoo/inference_batcher/s<N>_<bug>.py`` is a complete
solution that is correct up to stage N-1 and breaks one line of the contract
that stage N introduces. It is run exactly as a grader runs a solution
(``pytest stages/stageN --kata inference_batcher --solution ...`` in a fresh
process); stages 1..N-1 must pass and stage N must fail.

A batcher is threads: some bugs show only when a thread switches at the
wrong moment (a lost wake-up) or when the clock is read at the wrong time
(a window, a timeout). For those entries one run is not proof: the suite of
their stage is run 20 more times, as a learner runs it, and every run must
catch them again.

The entries' runs are independent processes, so they are started together
(one per core, plus one) when the module's first test asks for its result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import (
    REPO,
    ZOO,
    StageRun,
    check_caught_at_its_stage,
    check_entry_docstring,
    check_readme_lists,
    check_zoo_size,
    expected_stage,
    run_stages,
    solution_from_file,
    zoo_entries,
)

KATA = "inference_batcher"
ENTRIES = zoo_entries(KATA)
STAGES = (1, 2, 3, 4)
MIN_ENTRIES = 30  # the issue asks for at least 30 realistic mistakes

# Entries whose bug shows only under some interleaving of threads or some timing.
RACES = (
    "s1_lost_wakeup",
    "s1_spinning_worker",
    "s1_sleep_poll_worker",
    "s2_window_from_newest_request",
    "s2_window_restarts_when_model_frees",
    "s2_sent_request_ignores_its_timeout",
    "s4_timed_out_sequence_still_stepped",
)
REPEATS = 20
RUN_TIMEOUT = 600  # seconds for one entry's run, or for its repeats
# The tests below wait for runs of the whole zoo that share the machine's cores;
# each run has its own time limit, so this only backs up pytest's 60 s per test.
WAIT = pytest.mark.timeout(1800)

# One process runs the suite of a race entry's stage REPEATS times, each time a
# fresh pytest session that keeps only that stage's tests (the earlier stages
# already passed in the entry's main run). A session counts as caught when any
# test fails; -x stops it at the first failure.
REPEAT_DRIVER = textwrap.dedent(
    """
    import json, sys
    import pytest

    solution, runs, suite, kata = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    extra = sys.argv[5:]  # the hypothesis profile, if the zoo run named one

    class KeepOnly:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            dropped = [item for item in items if not item.nodeid.startswith(suite + "::")]
            items[:] = [item for item in items if item.nodeid.startswith(suite + "::")]
            config.hook.pytest_deselected(items=dropped)

    codes = []
    for _ in range(runs):
        codes.append(int(pytest.main(
            [suite, "--kata", kata, "--solution", solution, "-x", "-q",
             "-p", "no:cacheprovider", "--no-header", "--tb=line", *extra],
            plugins=[KeepOnly()],
        )))
    print("CODES " + json.dumps(codes))
    """
)


def suite_of(name: str) -> str:
    return f"stages/stage{name[1]}/test_{KATA}.py"


def _workers() -> int:
    """One process per core and one more to cover their start-up; timing checks hold under load."""
    return (os.cpu_count() or 1) + 1


class ZooRuns:
    """The entries' staged runs, started at once on a small pool of processes."""

    def __init__(self, tmp: Path, entries: list[Path], races: list[str], extra: tuple[str, ...]) -> None:
        self.tmp = tmp
        self.extra = extra
        self.pool = ThreadPoolExecutor(max_workers=_workers())
        self.runs: dict[str, Future] = {}
        self.repeats: dict[str, Future] = {}
        self.solutions: dict[str, Path] = {}
        by_name = {entry.stem: entry for entry in ENTRIES}
        for entry in sorted(set(entries) | {by_name[n] for n in races if n in by_name}):
            self.runs[entry.stem] = self.pool.submit(self._run, entry)
        for name in races:
            if name in self.runs:
                self.repeats[name] = self.pool.submit(self._repeat, name)

    def _run(self, entry: Path) -> StageRun:
        where = self.tmp / entry.stem
        where.mkdir()
        solution = self.solutions[entry.stem] = solution_from_file(entry, KATA, where)
        try:
            return run_stages(KATA, expected_stage(entry), solution, where, *self.extra, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return StageRun(-1, f"the run did not finish within {RUN_TIMEOUT} s", {})

    def _repeat(self, name: str) -> tuple[list[int], str]:
        run = self.runs[name].result()
        stage = int(name[1])
        if run.status(KATA, stage) != "failed":
            return [], f"the main run did not catch it at stage {stage}"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", REPEAT_DRIVER, str(self.solutions[name]), str(REPEATS),
                 suite_of(name), KATA, *self.extra],
                cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
                env=dict(os.environ, DOJO_STATE_DIR=str(self.tmp / name / "repeat-state")),
            )
        except subprocess.TimeoutExpired:
            return [], f"the {REPEATS} runs did not finish within {RUN_TIMEOUT} s"
        codes_line = [line for line in proc.stdout.splitlines() if line.startswith("CODES ")]
        codes = json.loads(codes_line[-1][6:]) if codes_line else []
        return codes, (proc.stdout + proc.stderr)[-4000:]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def zoo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    # Run only what the selected tests ask for (all of it, unless -k narrows the run).
    params = [
        item.callspec.params
        for item in request.session.items
        if item.module is request.module and "zoo" in item.fixturenames
    ]
    entries = [p["entry"] for p in params if "entry" in p]
    races = [p["name"] for p in params if "name" in p]
    profile = request.config.getoption("hypothesis_profile", None)
    extra = ("--hypothesis-profile", profile) if profile else ()
    tmp = tmp_path_factory.mktemp("zoo")
    with pytest.MonkeyPatch.context() as env:
        # Each run starts a fresh pytest: let the runs share one bytecode cache outside
        # the repository instead of rewriting every module's asserts each time.
        env.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        env.setenv("PYTHONPYCACHEPREFIX", str(tmp / "pycache"))
        runs = ZooRuns(tmp, entries, races, extra)
        yield runs
        runs.close()


def test_the_zoo_has_enough_entries_for_every_stage():
    check_zoo_size(KATA, ENTRIES, STAGES)
    assert len(ENTRIES) >= MIN_ENTRIES, f"tests/zoo/{KATA}/ holds {len(ENTRIES)} entries; at least {MIN_ENTRIES}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_every_entry_names_its_bug_and_the_contract_line_it_breaks(entry):
    check_entry_docstring(entry)


def test_the_readme_lists_every_entry():
    check_readme_lists(KATA, ENTRIES)


def test_every_race_entry_exists():
    missing = [name for name in RACES if not (ZOO / KATA / f"{name}.py").is_file()]
    assert not missing, f"RACES names entries that are not in the zoo: {missing}"


@WAIT
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_each_entry_passes_the_stages_before_its_own_and_fails_its_own(zoo, entry):
    run = zoo.runs[entry.stem].result()
    check_caught_at_its_stage(KATA, entry, run)


@WAIT
@pytest.mark.parametrize("name", RACES)
def test_each_race_or_timing_entry_is_caught_in_every_one_of_twenty_runs(zoo, name):
    if name not in zoo.repeats:
        pytest.fail(f"{name} is listed in RACES but is not in the zoo", pytrace=False)
    codes, output = zoo.repeats[name].result()
    assert codes, f"{name}: {output}"
    caught = sum(code == 1 for code in codes)
    assert len(codes) == REPEATS and caught == REPEATS, (
        f"{name}: {suite_of(name)} caught it in {caught} of {len(codes)} runs"
        f" (exit codes {codes}); expected {REPEATS} of {REPEATS}\n"
        f"--- end of the output ---\n{output}"
    )
