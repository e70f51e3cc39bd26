"""Every kata's zoo proves its suites: each buggy solution is caught at its stage, every run.

For each kata of ``katas/katas.toml`` that has a zoo (``tests/zoo/<kata>/``),
each entry ``s<N>_<bug>.py`` is a complete solution that is correct up to
stage N-1 and breaks one line of the contract that stage N introduces. It is
run exactly as a grader runs a solution (``pytest stages/stageN --kata K
--solution ...`` in a fresh process); stages 1..N-1 must pass and stage N
must fail. What differs between katas is data, in ``tests/zoo/<kata>/zoo.toml``
(its keys and defaults: ``tests/zoo_settings.py``); adding a kata adds a
zoo folder, never a test module.

The proofs, for every kata:

- the zoo is big enough (overall and per stage), every entry's docstring
  names its bug and the contract line it breaks (``Bug: ...``, ``Breaks
  (stage N): ...``), every correct entry says what design it shows
  (``Correct: ...``), the README lists every entry, correct ones included,
  and the settings name only entries in the zoo and tests in the suites;
- if the settings list ``allowed_imports``, every entry (correct ones
  included) imports nothing else;
- each entry passes the stages before its own and fails its own, with a
  fixed hypothesis ``seed``; if only property tests (``property_tests``:
  their catches depend on the seed) caught it, they are rerun with each of
  ``more_seeds`` and every seed must catch it;
- each race or timing entry (``races``) is caught again in every one of
  ``repeats`` reruns of its stage (only the tests marked ``repeat_marker``,
  if set: the others cannot see a race); the reruns draw hypothesis seeds
  anew;
- each correct solution of another design (``ok_<design>.py``) passes
  every stage, and the zoo holds every design ``required_ok`` names;
- each stage's model-based test (``model_tests``), run alone, catches every
  behavioural entry of its stage in every profile of ``profiles`` (a profile
  that is not derandomized under each of ``model_seeds``, without the
  example database, so no run replays an earlier catch). An entry or a
  stage in ``not_behavioural`` is left out, with the reason; a stage with
  behavioural entries and no model test fails, asking for one or a reason.

Where the four per-kata modules this replaces differed, the stronger
policy holds for all: main runs seeded (inmemory_db, p2p_swarm; the LRU and
batcher runs drew anew); the seed check of property-only catches for every
kata (p2p_swarm's); model-only runs under several seeds without the example
database plus the derandomized grade profile (inmemory_db's; the LRU ran
one random dojo run); the model-only proof asked of every kata, a stage
without a state machine saying why in ``not_behavioural``; correct entries'
docstrings, README listing and imports checked (inmemory_db's); the largest
waits (3600 s) and per-run limits (900 s).

The runs are independent processes. One pool (one process per core, plus
one) runs them for all katas; they are started when the first test that
needs one asks, in the order the selected tests will ask for them, and only
those the selected tests need (``-k`` narrows the runs too). Longest runs
first within a kata (correct entries and stage 4 entries run every stage),
so no core idles at the end.
"""

from __future__ import annotations

import ast
import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from dojo.catalog import load_catalog
from dojo.profiles import DEFAULT_PROFILE
from tests.support import (
    REPO,
    ZOO,
    Sessions,
    StageRun,
    check_caught_at_its_stage,
    check_entry_docstring,
    check_passes_every_stage,
    check_readme_lists,
    check_zoo_size,
    expected_stage,
    fair_entries,
    imports_of,
    pool_size,
    run_sessions,
    run_stages,
    solution_with_files,
    zoo_entries,
)
from tests.zoo_settings import SettingsError, ZooSettings, load_zoo_settings

CATALOG = load_catalog(REPO)
KATAS = {kata.name: kata for kata in CATALOG.katas if (ZOO / kata.name).is_dir()}


def _settings(kata: str) -> tuple[ZooSettings, str | None]:
    """The kata's zoo settings, or the defaults and why its zoo.toml could not be read."""
    try:
        return load_zoo_settings(kata), None
    except SettingsError as exc:
        return ZooSettings(kata), str(exc)


SETTINGS = {name: _settings(name)[0] for name in KATAS}
SETTINGS_ERRORS = {name: _settings(name)[1] for name in KATAS}


def run_order(kata: str) -> list[Path]:
    """The kata's buggy entries, longest runs first (a stage 4 entry runs four stages)."""
    return sorted(zoo_entries(kata), key=expected_stage, reverse=True)


def _params(pick) -> list:
    return [
        pytest.param(kata, entry, id=f"{kata}-{entry.stem}")
        for kata in KATAS
        for entry in pick(kata)
    ]


ENTRIES = _params(run_order)
FAIR = _params(fair_entries)
RACES = _params(lambda kata: [e for e in run_order(kata) if SETTINGS[kata].is_race(e)])
BEHAVIOURAL = _params(lambda kata: [e for e in run_order(kata) if SETTINGS[kata].behavioural(e)])
LIMITED_IMPORTS = _params(
    lambda kata: fair_entries(kata) + run_order(kata)
    if SETTINGS[kata].allowed_imports is not None else []
)
KATA_PARAMS = [pytest.param(kata, id=kata) for kata in KATAS]

RUN_TIMEOUT = 900  # seconds for one run, or for one entry's reruns
# The tests below wait for runs that share the machine's cores; each run has its own
# time limit, so this only lifts pytest's 60 s per test (the first test waits longest).
WAIT = pytest.mark.timeout(3600)


def suite_file(kata: str, stage: int) -> str:
    return f"stages/stage{stage}/test_{kata}.py"


# --------------------------------------------------------------------------- the runs


class ZooRuns:
    """The runs the selected tests need, started at once on one small pool of processes."""

    def __init__(self, tmp: Path, extra: tuple[str, ...]) -> None:
        self.tmp = tmp
        self.extra = extra  # the hypothesis profile the session named, if any
        self.pool = ThreadPoolExecutor(max_workers=pool_size())
        self.runs: dict[tuple[str, str], Future[tuple[StageRun, Sessions | None]]] = {}
        self.repeats: dict[tuple[str, str], Future[Sessions]] = {}
        self.models: dict[tuple[str, str], Future[Sessions]] = {}
        self.solutions: dict[tuple[str, str], Path] = {}

    def folder(self, kata: str, entry: Path, job: str) -> Path:
        where = self.tmp / kata / f"{entry.stem}-{job}"
        where.mkdir(parents=True)
        return where

    def start_run(self, kata: str, entry: Path) -> None:
        if (kata, entry.stem) not in self.runs:
            self.runs[(kata, entry.stem)] = self.pool.submit(self._run, kata, entry)

    def start_repeats(self, kata: str, entry: Path) -> None:
        self.start_run(kata, entry)
        self.repeats[(kata, entry.stem)] = self.pool.submit(self._repeat, kata, entry)

    def start_model(self, kata: str, entry: Path) -> None:
        self.models[(kata, entry.stem)] = self.pool.submit(self._model, kata, entry)

    def _run(self, kata: str, entry: Path) -> tuple[StageRun, Sessions | None]:
        settings = SETTINGS[kata]
        where = self.folder(kata, entry, "run")
        solution = self.solutions[(kata, entry.stem)] = solution_with_files(entry, kata, where)
        fair = entry.name.startswith("ok_")
        stage = KATAS[kata].stages[-1] if fair else expected_stage(entry)
        try:
            run = run_stages(
                kata, stage, solution, where, f"--hypothesis-seed={settings.seed}", *self.extra,
                timeout=RUN_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return StageRun(-1, f"the run did not finish within {RUN_TIMEOUT} s", {}), None
        if fair:
            return run, None
        return run, self._more_seeds(kata, entry, run, solution)

    def _more_seeds(self, kata: str, entry: Path, run: StageRun, solution: Path) -> Sessions | None:
        """Rerun with more seeds the property tests, if only they caught ``entry``."""
        settings = SETTINGS[kata]
        failures = run.stages(kata).get(expected_stage(entry), {}).get("failures", [])
        tests = [f["test"] for f in failures]
        property_test = re.compile(settings.property_tests)
        if not tests or not all(property_test.search(test) for test in tests):
            return None
        files = sorted({test.split("::")[0] for test in tests})
        sessions = [(f"--hypothesis-seed={seed}", [f"--hypothesis-seed={seed}", *self.extra])
                    for seed in settings.more_seeds]
        return run_sessions(kata, solution, files, tests, sessions,
                            self.tmp / kata / f"{entry.stem}-seeds-state", timeout=RUN_TIMEOUT)

    def _repeat(self, kata: str, entry: Path) -> Sessions:
        settings = SETTINGS[kata]
        stage = expected_stage(entry)
        run, _ = self.runs[(kata, entry.stem)].result()
        if run.status(kata, stage) != "failed":
            return Sessions([], f"the main run did not catch it at stage {stage}")
        marker = ["-m", settings.repeat_marker] if settings.repeat_marker else []
        sessions = [(f"run {i + 1}", ["-x", *marker, *self.extra]) for i in range(settings.repeats)]
        return run_sessions(kata, self.solutions[(kata, entry.stem)], [suite_file(kata, stage)], [],
                            sessions, self.tmp / kata / f"{entry.stem}-repeat-state",
                            timeout=RUN_TIMEOUT)

    def _model(self, kata: str, entry: Path) -> Sessions:
        settings = SETTINGS[kata]
        stage = expected_stage(entry)
        solution = solution_with_files(entry, kata, self.folder(kata, entry, "model"))
        sessions = []
        for profile in settings.profiles:
            if profile == DEFAULT_PROFILE:
                sessions += [(f"--hypothesis-profile={profile} --hypothesis-seed={seed}",
                              ["--hypothesis-profile=dojo-fresh", f"--hypothesis-seed={seed}"])
                             for seed in settings.model_seeds]
            else:  # the grader's profile is derandomized: one run is every run
                sessions.append((f"--hypothesis-profile={profile}", [f"--hypothesis-profile={profile}"]))
        return run_sessions(kata, solution, [suite_file(kata, stage)], [settings.model_tests[stage]],
                            sessions, self.tmp / kata / f"{entry.stem}-model-state",
                            timeout=RUN_TIMEOUT)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def zoo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The runs of every selected test of this module (all of them, unless -k narrows the run)."""
    tmp = tmp_path_factory.mktemp("zoo")
    profile = request.config.getoption("hypothesis_profile", None)
    with pytest.MonkeyPatch.context() as env:
        # Each run starts a fresh pytest, which rewrites the asserts of every module it
        # imports (hypothesis's included) unless it may cache them: let the runs share
        # one bytecode cache outside the repository (about 0.8 s less per run).
        env.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        env.setenv("PYTHONPYCACHEPREFIX", str(tmp / "pycache"))
        runs = ZooRuns(tmp, ("--hypothesis-profile", profile) if profile else ())
        # In the order the tests will ask for them.
        for item in request.session.items:
            if item.module is not request.module or "zoo" not in item.fixturenames:
                continue
            kata, entry = item.callspec.params["kata"], item.callspec.params["entry"]
            start = {
                "test_each_race_entry_is_caught_in_every_rerun_of_its_stage": runs.start_repeats,
                "test_the_model_based_test_alone_catches_each_behavioural_entry": runs.start_model,
            }.get(item.originalname, runs.start_run)
            if start is runs.start_model and expected_stage(entry) not in SETTINGS[kata].model_tests:
                continue  # the test fails on its own, asking for the model test's name
            start(kata, entry)
        yield runs
        runs.close()


# --------------------------------------------------------------------------- the zoo's make-up


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_zoo_settings_are_readable(kata):
    # An unreadable zoo.toml fails here; the kata's other proofs run with the defaults.
    if SETTINGS_ERRORS[kata] is not None:
        pytest.fail(SETTINGS_ERRORS[kata], pytrace=False)


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_zoo_has_enough_entries_for_every_stage(kata):
    settings = SETTINGS[kata]
    check_zoo_size(kata, zoo_entries(kata), KATAS[kata].stages,
                   settings.min_entries, settings.min_per_stage)


@pytest.mark.parametrize(("kata", "entry"), ENTRIES)
def test_every_entry_names_its_bug_and_the_contract_line_it_breaks(kata, entry):
    check_entry_docstring(entry)


@pytest.mark.parametrize(("kata", "entry"), FAIR)
def test_every_correct_entry_says_what_design_it_shows(kata, entry):
    doc = (ast.get_docstring(ast.parse(entry.read_text(encoding="utf-8"))) or "").splitlines()
    assert doc and doc[0].startswith("Correct: "), (
        f"{entry.relative_to(REPO)}: the docstring must start with 'Correct: <what this design does"
        f" differently>'; it starts with {doc[:1]!r}"
    )


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_readme_lists_every_entry(kata):
    check_readme_lists(kata, zoo_entries(kata) + fair_entries(kata))


@pytest.mark.parametrize(("kata", "entry"), LIMITED_IMPORTS)
def test_every_entry_imports_only_what_the_settings_allow(kata, entry):
    allowed = SETTINGS[kata].allowed_imports
    extra = imports_of(entry) - allowed
    assert not extra, (
        f"{entry.relative_to(REPO)} imports {sorted(extra)}; a zoo entry is one file using"
        f" only {sorted(allowed)} (allowed_imports in tests/zoo/{kata}/zoo.toml)"
    )


@pytest.mark.parametrize("kata", KATA_PARAMS)
def test_the_settings_name_only_entries_in_the_zoo_and_stages_of_the_kata(kata):
    settings = SETTINGS[kata]
    stems = {e.stem for e in zoo_entries(kata) + fair_entries(kata)}
    missing = {key: [n for n in names if n not in stems]
               for key, names in settings.named_entries().items()}
    missing = {key: names for key, names in missing.items() if names}
    assert not missing, f"{settings.path.relative_to(REPO)} names entries not in the zoo: {missing}"
    stages = set(KATAS[kata].stages)
    named_stages = (
        set(settings.model_tests) | {k for k in settings.not_behavioural if isinstance(k, int)}
        | set(settings.next_stage_failure_mentions)
    )
    assert named_stages <= stages, (
        f"{settings.path.relative_to(REPO)} names stages {sorted(named_stages - stages)};"
        f" {kata} has stages {sorted(stages)}"
    )
    assert settings.repeats >= 1 and all(p for p in settings.profiles), settings


@pytest.mark.parametrize("kata", [p for p in KATA_PARAMS if SETTINGS[p.values[0]].model_tests])
def test_each_model_test_the_settings_name_is_in_its_stage_suite(kata):
    for stage, test in SETTINGS[kata].model_tests.items():
        suite = REPO / suite_file(kata, stage)
        defined = f"def {test}(" in suite.read_text(encoding="utf-8")
        assert defined, (
            f"tests/zoo/{kata}/zoo.toml: [model_tests] {stage} = {test!r}, but"
            f" {suite.relative_to(REPO)} defines no such test"
        )


@pytest.mark.parametrize("kata", [p for p in KATA_PARAMS if SETTINGS[p.values[0]].repeat_marker])
def test_the_repeat_marker_marks_tests_of_every_stage_with_a_race_entry(kata):
    settings = SETTINGS[kata]
    for stage in sorted({int(name[1]) for name in settings.races}):
        suite = REPO / suite_file(kata, stage)
        marked = f"@pytest.mark.{settings.repeat_marker}" in suite.read_text(encoding="utf-8")
        assert marked, (
            f"tests/zoo/{kata}/zoo.toml: the race entries' reruns keep only the tests marked"
            f" {settings.repeat_marker!r}, but {suite.relative_to(REPO)} marks none"
        )


# --------------------------------------------------------------------------- the runs' proofs


@pytest.mark.parametrize("kata", [p for p in KATA_PARAMS if SETTINGS[p.values[0]].required_ok])
def test_the_zoo_holds_every_correct_design_the_settings_require(kata):
    names = {entry.stem for entry in fair_entries(kata)}
    required = set(SETTINGS[kata].required_ok)
    assert required <= names, (
        f"tests/zoo/{kata}/ lacks the correct designs {sorted(required - names)} (required_ok)"
    )


@WAIT
@pytest.mark.parametrize(("kata", "entry"), FAIR)
def test_each_correct_solution_of_another_design_passes_every_stage(zoo, kata, entry):
    run, _ = zoo.runs[(kata, entry.stem)].result()
    check_passes_every_stage(kata, str(entry.relative_to(REPO)), KATAS[kata].stages, run)


@WAIT
@pytest.mark.parametrize(("kata", "entry"), ENTRIES)
def test_each_entry_passes_the_stages_before_its_own_and_fails_its_own(zoo, kata, entry):
    settings = SETTINGS[kata]
    run, seeds = zoo.runs[(kata, entry.stem)].result()
    where = check_caught_at_its_stage(kata, entry, run)
    if seeds is not None and seeds.missed():
        pytest.fail(
            f"{where}\nat stage {expected_stage(entry)} only property tests caught it (with"
            f" --hypothesis-seed={settings.seed}), and they missed it with {', '.join(seeds.missed())}"
            f" ({seeds.describe()}): its catch depends on luck; the stage needs a test that"
            f" catches it every time\n--- end of the reruns' output ---\n{seeds.output}",
            pytrace=False,
        )


@WAIT
@pytest.mark.parametrize(("kata", "entry"), RACES)
def test_each_race_entry_is_caught_in_every_rerun_of_its_stage(zoo, kata, entry):
    settings = SETTINGS[kata]
    reruns = zoo.repeats[(kata, entry.stem)].result()
    suite = suite_file(kata, expected_stage(entry))
    which = f"the tests of {suite} marked {settings.repeat_marker!r}" if settings.repeat_marker else suite
    if any(code == 5 for _, code in reruns.codes):
        pytest.fail(f"{entry.stem}: {which}: no test selected (exit code 5)\n{reruns.output}",
                    pytrace=False)
    caught = len(reruns.codes) - len(reruns.missed())
    assert len(reruns.codes) == settings.repeats and caught == settings.repeats, (
        f"{entry.relative_to(REPO)}: {which} caught it in {caught} of {len(reruns.codes)} runs"
        f" ({reruns.describe()}); expected {settings.repeats} of {settings.repeats}\n"
        f"--- end of the output ---\n{reruns.output}"
    )


@WAIT
@pytest.mark.parametrize(("kata", "entry"), BEHAVIOURAL)
def test_the_model_based_test_alone_catches_each_behavioural_entry(zoo, kata, entry):
    settings: ZooSettings = SETTINGS[kata]
    stage = expected_stage(entry)
    if stage not in settings.model_tests:
        pytest.fail(
            f"{entry.relative_to(REPO)} is behavioural, and stage {stage} of {kata} names no model"
            f" test: add its state machine's test to [model_tests] in {settings.path.relative_to(REPO)},"
            f" or say in [not_behavioural] why no sequence of calls shows this entry's bug",
            pytrace=False,
        )
    model = zoo.models[(kata, entry.stem)].result()
    if not model.codes or model.missed():
        pytest.fail(
            f"{entry.relative_to(REPO)}: {suite_file(kata, stage)}::{settings.model_tests[stage]}"
            f" alone missed it in {len(model.missed())} of {len(model.codes)} runs ({model.describe()});"
            f" tune the state machine (rules, weights, steps) or, if no sequence of calls on one"
            f" thread can show the bug, add it to [not_behavioural] with the reason\n"
            f"--- end of the runs' output ---\n{model.output}",
            pytrace=False,
        )
