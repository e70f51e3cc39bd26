"""The zoo proves the p2p_swarm suites: every buggy solution is caught at its stage.

Each entry ``tests/zoo/p2p_swarm/s<N>_<bug>.py`` is a complete solution
that is correct up to stage N-1 and breaks one line of the contract that
stage N introduces. It is run exactly as a grader runs a solution (``pytest
stages/stageN --kata p2p_swarm --solution ...`` in a fresh process); stages
1..N-1 must pass and stage N must fail.

The swarms of each stage's family are fixed from seeds and the simulator is
deterministic, so a catch by a family test repeats every run. The property
tests (``test_any_...``: hypothesis drawing files, tamperings or small
swarms) may or may not stumble on a bug: every run uses a fixed hypothesis
seed, and an entry that only property tests caught is rerun through them
with more seeds: every seed must catch it.

The entries' runs are independent processes, so they are started together,
two per core, when the module's first test asks for its result.
"""

from __future__ import annotations

import ast
import json
import os
import re
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
    run_stages,
    solution_from_file,
    zoo_entries,
)

KATA = "p2p_swarm"
ENTRIES = zoo_entries(KATA)
# Longest runs first (a stage 4 entry runs all four stages), so the pool's last
# runs are short ones and no core idles at the end; the tests that wait for the
# runs go in the same order, so none waits for long.
RUN_ORDER = sorted(ENTRIES, key=expected_stage, reverse=True)
STAGES = (1, 2, 3, 4)
# Seed of every entry's main run; the seeds an entry caught only by a property test
# must also be caught with (so it is caught with each of 1 + len(MORE_SEEDS)).
SEED = 0
MORE_SEEDS = (1, 2, 3, 4)
# The stage suites' property tests (hypothesis): their catches depend on the seed.
# Every other test of the suites runs the same swarms and calls whatever the seed.
MODEL_TEST = re.compile(r"::test_any_\w*(\[|$)")
# The tests below wait for runs of the whole zoo that share the machine's cores;
# each run has its own time limit, so this only backs up pytest's 60 s per test.
WAIT = pytest.mark.timeout(1200)
# Only the standard library: an entry must run anywhere the suites run, and must
# not lean on the project's own code.
ALLOWED_IMPORTS = {"collections", "hashlib", "itertools", "math", "random"}


# One process reruns the property tests that caught an entry once per seed, each
# time a fresh pytest session that keeps only those tests (later stages run
# alone: the earlier ones already passed in the entry's main run). A session
# counts as caught when any of the tests fails.
SEED_DRIVER = textwrap.dedent(
    """
    import json, sys
    import pytest

    solution, seeds, wanted = sys.argv[1], json.loads(sys.argv[2]), set(json.loads(sys.argv[3]))
    files = sorted({nodeid.split("::")[0] for nodeid in wanted})

    class KeepOnly:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            dropped = [item for item in items if item.nodeid not in wanted]
            items[:] = [item for item in items if item.nodeid in wanted]
            config.hook.pytest_deselected(items=dropped)

    codes = {}
    for seed in seeds:
        codes[seed] = int(pytest.main(
            [*files, "--kata", "p2p_swarm", "--solution", solution, "-q",
             "-p", "no:cacheprovider", "--no-header", f"--hypothesis-seed={seed}"],
            plugins=[KeepOnly()],
        ))
    print("CODES " + json.dumps(codes))
    """
)


@dataclass
class SeedRuns:
    """The property tests that alone caught an entry, rerun with MORE_SEEDS."""

    tests: list[str]
    codes: dict[int, int]  # seed -> pytest exit code (1: a test failed, so caught)
    output: str

    def missed(self) -> list[int]:
        return [seed for seed in MORE_SEEDS if self.codes.get(seed) != 1]


def _workers() -> int:
    return max(1, min(4, 2 * (os.cpu_count() or 1)))


class ZooRuns:
    """Every entry's staged run, started at once on a small pool of processes."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=_workers())
        # Each entry's seed reruns (if any) follow its main run in the same task,
        # so a test waits for its own entry only.
        self.runs: dict[str, Future[tuple[StageRun, SeedRuns | None]]] = {
            entry.stem: self.pool.submit(self._run, entry) for entry in RUN_ORDER
        }

    def _run(self, entry: Path) -> tuple[StageRun, SeedRuns | None]:
        where = self.tmp / entry.stem
        where.mkdir()
        solution = solution_from_file(entry, KATA, where)
        run = run_stages(
            KATA, expected_stage(entry), solution, where, f"--hypothesis-seed={SEED}"
        )
        return run, self._more_seeds(entry, run, solution)

    def _more_seeds(self, entry: Path, run: StageRun, solution: Path) -> SeedRuns | None:
        """Rerun the property tests with MORE_SEEDS if only property tests caught ``entry``."""
        failures = run.stages(KATA).get(expected_stage(entry), {}).get("failures", [])
        tests = [f["test"] for f in failures]
        if not tests or not all(MODEL_TEST.search(test) for test in tests):
            return None
        proc = subprocess.run(
            [sys.executable, "-c", SEED_DRIVER, str(solution), json.dumps(MORE_SEEDS),
             json.dumps(tests)],
            cwd=REPO, capture_output=True, text=True, timeout=600,
            env=dict(os.environ, DOJO_STATE_DIR=str(self.tmp / entry.stem / "seeds-state")),
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("CODES ")]
        codes = {int(k): v for k, v in json.loads(lines[-1][6:]).items()} if lines else {}
        return SeedRuns(tests, codes, (proc.stdout + proc.stderr)[-4000:])

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


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_every_entry_is_self_contained(entry):
    extra = _imports(entry) - ALLOWED_IMPORTS
    assert not extra, (
        f"{entry.relative_to(REPO)} imports {sorted(extra)}; a zoo entry is one file using"
        f" only {sorted(ALLOWED_IMPORTS)}"
    )


def test_the_readme_lists_every_entry():
    check_readme_lists(KATA, ENTRIES)


@WAIT
@pytest.mark.parametrize("entry", RUN_ORDER, ids=lambda e: e.stem)
def test_each_entry_passes_the_stages_before_its_own_and_fails_its_own(zoo, entry):
    stage = expected_stage(entry)
    run, seeds = zoo.runs[entry.stem].result()
    where = check_caught_at_its_stage(KATA, entry, run)
    if seeds is not None and seeds.missed():
        pytest.fail(
            f"{where}\nat stage {stage} only the property test(s) {', '.join(seeds.tests)} caught it"
            f" (with --hypothesis-seed={SEED}), and they missed it with --hypothesis-seed="
            f"{', '.join(map(str, seeds.missed()))} (exit codes by seed: {seeds.codes}):"
            f" its catch depends on luck; the stage needs a test that catches it every time\n"
            f"--- end of the reruns' output ---\n{seeds.output}",
            pytrace=False,
        )
