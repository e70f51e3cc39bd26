"""The zoo proves the inmemory_db suites: every buggy solution is caught at its stage.

Each entry ``tests/zoo/inmemory_db/s<N>_<bug>.py`` is a complete solution
that is correct up to stage N-1 and breaks one line of the contract that
stage N introduces. It is run exactly as a grader runs a solution (``pytest
stages/stageN --kata inmemory_db --solution ...`` in a fresh process); stages
1..N-1 must pass and stage N must fail.

A stage's model test (a hypothesis state machine) must catch, alone, every
entry of its stage whose bug shows in what the calls return (every entry but
the ones in ``NOT_BEHAVIOURAL``, which are correct but too slow, or hold too
much memory): for each, the model test of its stage is run alone with the
``grade`` profile (derandomized: one run is every run) and with the default
profile under several seeds and no example database, and every run must fail.

``ok_<what>.py`` entries are correct solutions of other designs (named
tuples, chatty logging, ...): each must pass all four stages.

The inmemory_db contract asks for no thread safety, so the zoo has no race
entries. The entries' runs are independent processes, so they are started
together, two per core, when the module's first test asks for its result.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import (
    REPO,
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

KATA = "inmemory_db"
ENTRIES = zoo_entries(KATA)
FAIR = fair_entries(KATA)
# Longest runs first (a stage 4 entry runs all four stages), so the pool's last
# runs are short ones and no core idles at the end; the tests that wait for the
# runs go in the same order, so none waits for long.
RUN_ORDER = sorted(ENTRIES, key=expected_stage, reverse=True)
STAGES = (1, 2, 3, 4)
# Seed of every entry's main run, so it is reproducible and independent of the
# example database that earlier runs left in ``.hypothesis/``.
SEED = 0
# Each stage's model test: the state machine that must catch every behavioural entry alone.
MODEL_TESTS = {
    1: "test_basic_operations_match_a_model",
    2: "test_expiry_matches_a_model",
    3: "test_transactions_match_a_model",
    4: "test_scans_match_a_model",
}
# The model-only runs: (hypothesis profile, seed). ``grade`` is derandomized, so
# its one run stands for every run; the default profile draws anew each run, so
# it is run under two seeds (four were measured to catch every entry too; two keep
# CI's time in bounds).
MODEL_RUNS = [("grade", None), ("dojo", 0), ("dojo", 1)]
# Entries whose bug no sequence of calls shows in the values returned: the model
# test need not catch them (their stage's cost or memory test does).
NOT_BEHAVIOURAL = {
    "s1_len_counts_keys_one_by_one": "correct, but len() is O(n): only the stage's cost test can tell",
    "s2_purge_scans_every_key": "correct, but purge_expired() is O(n): only the stage's cost test can tell",
    "s2_heap_never_compacted": "correct, but its heap grows on every re-set: only the memory test can tell",
    "s3_begin_copies_database": "correct, but begin() copies the database: only the stage's cost test can tell",
    "s4_scan_sorts_every_key": "correct, but scan() sorts every key: only the stage's cost test can tell",
    "s4_scan_full_pass_in_transaction": "correct, but scan() in a transaction is O(n): only the cost test can tell",
}
# The tests below wait for runs of the whole zoo that share the machine's cores;
# each run has its own time limit, so this only backs up pytest's 60 s per test.
WAIT = pytest.mark.timeout(3600)
# Only the standard library and sortedcontainers: an entry must run anywhere the
# suites run, and must not lean on the project's own code.
ALLOWED_IMPORTS = {
    "collections", "contextlib", "fnmatch", "heapq", "itertools", "logging", "math", "re", "sys",
    "time", "typing", "sortedcontainers",
}


# One process runs an entry's stage model test alone once per (profile, seed),
# each time a fresh pytest session that keeps only that test. The default
# profile's runs use no example database, so no run replays an earlier catch.
MODEL_DRIVER = textwrap.dedent(
    """
    import json, sys
    import pytest
    from hypothesis import settings
    from dojo import profiles

    solution, suite, test, runs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    settings.register_profile(
        "dojo-fresh", settings.get_profile(profiles.DEFAULT_PROFILE), database=None
    )

    class KeepOnly:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            dropped = [item for item in items if item.name != test]
            items[:] = [item for item in items if item.name == test]
            config.hook.pytest_deselected(items=dropped)

    codes = []
    for profile, seed in runs:
        options = ["--hypothesis-profile=" + ("dojo-fresh" if profile == profiles.DEFAULT_PROFILE else profile)]
        if seed is not None:
            options.append(f"--hypothesis-seed={seed}")
        codes.append(int(pytest.main(
            [suite, "--kata", "inmemory_db", "--solution", solution, "-q",
             "-p", "no:cacheprovider", "--no-header", *options],
            plugins=[KeepOnly()],
        )))
    print("CODES " + json.dumps(codes))
    """
)


@dataclass
class ModelRuns:
    """An entry's stage model test, run alone once per MODEL_RUNS."""

    test: str
    codes: list[int]  # pytest exit code per run (1: the test failed, so caught)
    output: str

    def missed(self) -> list[str]:
        return [
            f"--hypothesis-profile={profile}" + (f" --hypothesis-seed={seed}" if seed is not None else "")
            for (profile, seed), code in zip(MODEL_RUNS, self.codes + [None] * len(MODEL_RUNS))
            if code != 1
        ]


def _workers() -> int:
    return max(1, min(4, 2 * (os.cpu_count() or 1)))


class ZooRuns:
    """Every entry's staged run (and model-only runs), started at once on a small pool of processes."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=_workers())
        # Each entry's model-only runs follow its main run in the same task, so
        # a test waits for its own entry only.
        self.runs: dict[str, Future[tuple[StageRun, ModelRuns | None]]] = {
            entry.stem: self.pool.submit(self._run, entry) for entry in RUN_ORDER + FAIR
        }

    def _run(self, entry: Path) -> tuple[StageRun, ModelRuns | None]:
        where = self.tmp / entry.stem
        where.mkdir()
        solution = solution_from_file(entry, KATA, where)
        stage = expected_stage(entry) if entry in ENTRIES else 4
        run = run_stages(KATA, stage, solution, where, f"--hypothesis-seed={SEED}", timeout=900)
        if entry not in ENTRIES or entry.stem in NOT_BEHAVIOURAL:
            return run, None
        return run, self._model_only(entry, solution)

    def _model_only(self, entry: Path, solution: Path) -> ModelRuns:
        stage = expected_stage(entry)
        test = MODEL_TESTS[stage]
        proc = subprocess.run(
            [sys.executable, "-c", MODEL_DRIVER, str(solution), f"stages/stage{stage}/test_{KATA}.py",
             test, json.dumps(MODEL_RUNS)],
            cwd=REPO, capture_output=True, text=True, timeout=900,
            env=dict(os.environ, DOJO_STATE_DIR=str(self.tmp / entry.stem / "model-state")),
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("CODES ")]
        codes = json.loads(lines[-1][6:]) if lines else []
        return ModelRuns(test, codes, (proc.stdout + proc.stderr)[-4000:])

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory):
    runs = ZooRuns(tmp_path_factory.mktemp("zoo"))
    yield runs
    runs.close()


def _imports(entry: Path) -> set[str]:
    tree = ast.parse(entry.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").split(".")[0])
    return found


def test_the_zoo_has_enough_entries_for_every_stage():
    check_zoo_size(KATA, ENTRIES, STAGES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_every_entry_names_its_bug_and_the_contract_line_it_breaks(entry):
    check_entry_docstring(entry)


@pytest.mark.parametrize("entry", ENTRIES + FAIR, ids=lambda e: e.stem)
def test_every_entry_is_self_contained(entry):
    extra = _imports(entry) - ALLOWED_IMPORTS
    assert not extra, (
        f"{entry.relative_to(REPO)} imports {sorted(extra)}; a zoo entry is one file using"
        f" only {sorted(ALLOWED_IMPORTS)}"
    )


def test_the_readme_lists_every_entry():
    check_readme_lists(KATA, ENTRIES + FAIR)


def test_every_entry_left_out_of_the_model_check_exists():
    stems = {entry.stem for entry in ENTRIES}
    unknown = sorted(set(NOT_BEHAVIOURAL) - stems)
    assert not unknown, f"NOT_BEHAVIOURAL names entries that are not in the zoo: {unknown}"


@WAIT
@pytest.mark.parametrize("entry", RUN_ORDER, ids=lambda e: e.stem)
def test_each_entry_passes_the_stages_before_its_own_and_fails_its_own(zoo, entry):
    run, _ = zoo.runs[entry.stem].result()
    check_caught_at_its_stage(KATA, entry, run)


@WAIT
@pytest.mark.parametrize(
    "entry",
    [e for e in RUN_ORDER if e.stem not in NOT_BEHAVIOURAL],
    ids=lambda e: e.stem,
)
def test_each_behavioural_entry_is_caught_by_its_stage_model_test_alone(zoo, entry):
    _, model = zoo.runs[entry.stem].result()
    missed = model.missed()
    if missed:
        stage = expected_stage(entry)
        pytest.fail(
            f"{entry.relative_to(REPO)}: stages/stage{stage}/test_{KATA}.py::{model.test}, run alone,"
            f" missed it with {'; '.join(missed)} (exit codes per run {MODEL_RUNS}: {model.codes});"
            " the state machine must catch every behavioural entry of its stage every run\n"
            f"--- end of the runs' output ---\n{model.output}",
            pytrace=False,
        )


@pytest.mark.parametrize("entry", FAIR, ids=lambda e: e.stem)
def test_every_fair_entry_says_what_design_it_shows(entry):
    doc = (ast.get_docstring(ast.parse(entry.read_text(encoding="utf-8"))) or "").splitlines()
    assert doc and doc[0].startswith("Correct: "), (
        f"{entry.relative_to(REPO)}: the docstring must start with 'Correct: <what this design does"
        f" differently>'; it starts with {doc[:1]!r}"
    )


@WAIT
@pytest.mark.parametrize("entry", FAIR, ids=lambda e: e.stem)
def test_each_fair_entry_passes_every_stage(zoo, entry):
    run, _ = zoo.runs[entry.stem].result()
    statuses = {stage: run.status(KATA, stage) for stage in STAGES}
    if statuses != {stage: "passed" for stage in STAGES}:
        failures = [
            f"  stage {s}: {f['test']}: {f['message']}"
            for s, v in sorted(run.stages(KATA).items())
            for f in v.get("failures", [])
        ]
        pytest.fail(
            f"{entry.relative_to(REPO)} is a correct solution, but got {statuses}\n"
            + "\n".join(failures[:20]) + f"\n--- end of the run's output ---\n{run.explain()}",
            pytrace=False,
        )
