"""The zoo proves the lru_cache suites: every buggy solution is caught at its stage.

Each entry ``tests/zoo/lru_cache/s<N>_<bug>.py`` is a complete solution that
is correct up to stage N-1 and breaks one line of the contract that stage N
introduces. It is run exactly as a grader runs a solution (``pytest
stages/stageN --kata lru_cache --solution ...`` in a fresh process); stages
1..N-1 must pass and stage N must fail.

A race shows only when threads switch at the wrong line, so for the entries
whose bug is a race, one run is not proof: stage 4's thread tests (those
marked ``threads``) are run 20 more times, and every run must catch it again.
(All of them, as a learner's run has them: which one trips first varies from
run to run; that some test does must not. The stage's other tests call the
cache from one thread, so they cannot see a race, and are left out of the
repeats to save their time.)

Two more proofs. Each correct solution of another design
(``tests/zoo/lru_cache/ok_<design>.py``: logging on eviction, named tuples)
passes every stage. And the model-based test of each stage, run alone, in
the learner's profile and in the grader's, catches every behavioural entry
of its stage; ``NOT_BEHAVIOURAL`` names the entries no sequence of calls on
one thread can show, with the reason.

The entries' runs are independent processes, so they are started together
(one per core, plus one) when the module's first test asks for its result.
"""

from __future__ import annotations

import json
import os
import shutil
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
    fair_entries,
    run_stages,
    solution_from_file,
    zoo_entries,
)

KATA = "lru_cache"
ENTRIES = zoo_entries(KATA)
# Correct solutions of other designs (named tuples, logging...): each passes every stage.
FAIR = fair_entries(KATA)
STAGES = (1, 2, 3, 4)

# Entries whose bug only shows when threads interleave at the wrong moment.
RACES = (
    "s4_no_lock",
    "s4_get_without_lock",
    "s4_delete_without_lock",
    "s4_items_and_snapshot_without_lock",
    "s4_to_bytes_without_lock",
    "s4_update_reads_then_writes",
    "s4_get_or_set_not_single_flight",
)
REPEATS = 20

# The model-based test (state machine) of each stage: alone, it must catch every
# behavioural entry of its stage, in the learner's profile and in the grader's.
MODEL_TESTS = {
    1: "test_the_cache_behaves_like_a_list_ordered_by_last_use",
    3: "test_snapshots_taken_at_any_point_restore_the_same_cache",
    4: "test_get_or_set_and_update_behave_like_the_model",
}
PROFILES = ("dojo", "grade")
# Entries whose bug no sequence of calls on one thread can show, so no state
# machine can catch it; other tests of their stage do.
NOT_BEHAVIOURAL = {
    2: "stage 2's rules are about cost and make-up (O(1), memory, no ready-made structure): "
       "every call returns what the model returns",
    "s3_yaml_with_an_object_building_loader": "honest snapshots load right; only a crafted "
        "document, the source or what the solution holds shows the loader",
    "s3_type_tags_resolved_through_builtins": "honest snapshots load right; only a crafted "
        "snapshot, the source or what the solution holds shows the getattr(builtins, ...)",
    "s3_pickle_format": "honest snapshots load right; a pickle payload and the source show it",
    "s4_waiters_get_the_factory_exception": "needs callers waiting on another thread's factory",
    "s4_factory_runs_under_the_lock": "blocks other threads' calls; one thread sees nothing",
    "s4_factory_under_non_reentrant_lock": "deadlocks only when a factory calls the cache",
    "s4_one_lock_for_all_factories": "blocks other threads' factories; one thread sees nothing",
    "s4_per_key_locks_never_freed": "memory: every call returns what the model returns",
    "s4_update_walks_the_list_for_the_current_value": "O(n): every call returns what the model returns",
}


def behavioural(entry: Path) -> bool:
    stage = expected_stage(entry)
    return not (stage in NOT_BEHAVIOURAL or entry.stem in NOT_BEHAVIOURAL or entry.stem in RACES)


BEHAVIOURAL = [entry for entry in ENTRIES if behavioural(entry)]
RUN_TIMEOUT = 600  # seconds for one entry's run, or for its repeats
# The tests below wait for runs of the whole zoo that share the machine's cores;
# each run has its own time limit, so this only backs up pytest's 60 s per test.
WAIT = pytest.mark.timeout(1200)

# One process runs stage 4's thread tests of a race entry REPEATS times, each time
# a fresh pytest session that keeps only stage 4's tests marked ``threads`` (the
# earlier stages already passed in the entry's main run). A session counts as
# caught when any test fails; -x stops it at the first failure.
STAGE4_SUITE = f"stages/stage4/test_{KATA}.py"
REPEAT_DRIVER = textwrap.dedent(
    """
    import json, sys
    import pytest

    solution, runs, suite = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    class KeepOnly:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            dropped = [item for item in items if not item.nodeid.startswith(suite + "::")]
            items[:] = [item for item in items if item.nodeid.startswith(suite + "::")]
            config.hook.pytest_deselected(items=dropped)

    codes = []
    for _ in range(runs):
        codes.append(int(pytest.main(
            [suite, "--kata", "lru_cache", "--solution", solution, "-m", "threads", "-x", "-q",
             "-p", "no:cacheprovider", "--no-header", "--tb=line"],
            plugins=[KeepOnly()],
        )))
    print("CODES " + json.dumps(codes))
    """
)


def solution_with_files(entry: Path, where: Path) -> Path:
    """The entry as a solution folder, with the modules of ``<entry>.files/`` beside it.

    Most entries are one file; one that needs more (a vendored library) keeps
    its other modules in a folder named after it.
    """
    solution = solution_from_file(entry, KATA, where)
    extra = entry.with_suffix(".files")
    if extra.is_dir():
        for module in extra.iterdir():
            shutil.copy(module, solution / KATA / module.name)
    return solution


def _workers() -> int:
    """One process per core and one more to cover their start-up; timing checks are ratios."""
    return (os.cpu_count() or 1) + 1


class ZooRuns:
    """The entries' staged runs, started at once on a small pool of processes."""

    def __init__(
        self, tmp: Path, entries: list[Path], races: list[str], models: list[tuple[Path, str]] = ()
    ) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=_workers())
        self.runs: dict[str, Future] = {}
        self.repeats: dict[str, Future] = {}
        self.solutions: dict[str, Path] = {}
        # In the order the tests below ask for them; the repeats last.
        by_name = {entry.stem: entry for entry in ENTRIES + FAIR}
        for entry in sorted(set(entries) | {by_name[n] for n in races if n in by_name}):
            self.runs[entry.stem] = self.pool.submit(self._run, entry)
        for name in races:
            if name in self.runs:
                self.repeats[name] = self.pool.submit(self._repeat, name)
        self.models: dict[tuple[str, str], Future] = {}
        for entry, profile in models:
            self.models[(entry.stem, profile)] = self.pool.submit(self._model, entry, profile)

    def _model(self, entry: Path, profile: str) -> StageRun:
        """Only the model-based test of the entry's stage, in ``profile``."""
        where = self.tmp / f"{entry.stem}-model-{profile}"
        where.mkdir()
        solution = solution_with_files(entry, where)
        stage = expected_stage(entry)
        try:
            return run_stages(
                KATA, stage, solution, where, "-k", MODEL_TESTS[stage],
                "--hypothesis-profile", profile, timeout=RUN_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return StageRun(-1, f"the run did not finish within {RUN_TIMEOUT} s", {})

    def _run(self, entry: Path) -> StageRun:
        where = self.tmp / entry.stem
        where.mkdir()
        solution = self.solutions[entry.stem] = solution_with_files(entry, where)
        stage = expected_stage(entry) if entry.name.startswith("s") else STAGES[-1]
        try:
            return run_stages(KATA, stage, solution, where, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return StageRun(-1, f"the run did not finish within {RUN_TIMEOUT} s", {})

    def _repeat(self, name: str) -> tuple[list[int], str]:
        run = self.runs[name].result()
        if run.status(KATA, 4) != "failed":
            return [], "the main run did not catch it at stage 4"
        solution = self.solutions[name]
        try:
            proc = subprocess.run(
                [sys.executable, "-c", REPEAT_DRIVER, str(solution), str(REPEATS), STAGE4_SUITE],
                cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT,
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
    entries = [p["entry"] for p in params if "entry" in p] + [p["fair"] for p in params if "fair" in p]
    races = [p["name"] for p in params if "name" in p]
    models = [(p["behavioural"], p["profile"]) for p in params if "behavioural" in p]
    tmp = tmp_path_factory.mktemp("zoo")
    with pytest.MonkeyPatch.context() as env:
        # Each run starts a fresh pytest, which rewrites the asserts of every module
        # it imports (hypothesis's included) unless it may cache them: let the runs
        # share one bytecode cache outside the repository (about 0.8 s less per run).
        env.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        env.setenv("PYTHONPYCACHEPREFIX", str(tmp / "pycache"))
        runs = ZooRuns(tmp, entries, races, models)
        yield runs
        runs.close()


def test_the_zoo_has_enough_entries_for_every_stage():
    check_zoo_size(KATA, ENTRIES, STAGES)


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
def test_each_race_entry_is_caught_in_every_one_of_twenty_runs(zoo, name):
    if name not in zoo.repeats:
        pytest.fail(f"{name} is listed in RACES but is not in the zoo", pytrace=False)
    codes, output = zoo.repeats[name].result()
    assert codes, f"{name}: {output}"
    caught = sum(code == 1 for code in codes)
    assert len(codes) == REPEATS and caught == REPEATS, (
        f"{name}: the thread tests of {STAGE4_SUITE} caught it in {caught} of {len(codes)} runs"
        f" (exit codes {codes}); expected {REPEATS} of {REPEATS}\n"
        f"--- end of the output ---\n{output}"
    )


def test_the_zoo_has_a_correct_solution_for_each_design_once_wrongly_rejected():
    names = {entry.stem for entry in FAIR}
    assert {"ok_logging_on_eviction", "ok_named_tuple_items"} <= names, names


@WAIT
@pytest.mark.parametrize("fair", FAIR, ids=lambda e: e.stem)
def test_each_correct_solution_of_another_design_passes_every_stage(zoo, fair):
    run = zoo.runs[fair.stem].result()
    statuses = {stage: run.status(KATA, stage) for stage in STAGES}
    if set(statuses.values()) != {"passed"}:
        failures = [
            f"  stage {s}: {f['test']}: {f['message']}"
            for s, v in sorted(run.stages(KATA).items())
            for f in v.get("failures", [])
        ]
        pytest.fail(
            f"{fair.relative_to(REPO)} is correct and must pass every stage; got {statuses}\n"
            + "\n".join(failures[:20]) + f"\n--- end of the run's output ---\n{run.explain()}",
            pytrace=False,
        )


@WAIT
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("behavioural", BEHAVIOURAL, ids=lambda e: e.stem)
def test_the_model_based_test_alone_catches_each_behavioural_entry(zoo, behavioural, profile):
    run = zoo.models[(behavioural.stem, profile)].result()
    stage = expected_stage(behavioural)
    status = run.status(KATA, stage)
    if status != "failed":
        pytest.fail(
            f"{behavioural.relative_to(REPO)}: {MODEL_TESTS[stage]} alone, in the {profile!r} "
            f"profile, did not catch it (stage {stage} {status}); tune the state machine "
            f"(rules, weights, steps) or, if no sequence of calls on one thread can show the "
            f"bug, add it to NOT_BEHAVIOURAL with the reason\n{run.explain()}",
            pytrace=False,
        )


def test_every_entry_left_out_of_the_model_check_exists():
    names = {entry.stem for entry in ENTRIES}
    missing = [name for name in NOT_BEHAVIOURAL if isinstance(name, str) and name not in names]
    assert not missing, f"NOT_BEHAVIOURAL names entries that are not in the zoo: {missing}"
