"""The pytest plugin: stages in order, locks, imports solutions, reports.

Loaded by the repository's root ``conftest.py``. Hooks are in lifecycle
order; the run's state lives in ``config.stash``. The verdict is
:mod:`dojo.results`'s: the plugin knows each suite whole (suite files are
collected whole, node ids are selected here, and the collection is read
before ``--lf`` filters it), turns the solution's skips into failures, and
appends each run of the learner's code to the run log. Katas still exactly
their shipped stub are left out of plain runs (:mod:`dojo.stubs`).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dojo import complexity, discards, layout, ordering, profiles, progress, shrinking, stubs
from dojo.catalog import Catalog, CatalogError, load_catalog
from dojo.fakeclock import FakeClock
from dojo.live import LiveFailures
from dojo.loader import Loaded, display, load_solution
from dojo.report import render, welcome
from dojo.results import (
    LOCKED_REASON,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    SKIPPED_BY_SOLUTION,
    KataResult,
    Outcome,
    StageResult,
)
from dojo.stages import StageFile, classify, expand_args, is_stage_arg, selected
from dojo.watchdog import WATCHDOG

SOLUTION_HELP = (
    "folder laid out like katas/ whose <kata>/ subfolder is the solution "
    "(default: katas/). 'reference' picks the reference solution of the "
    "highest stage in the run."
)
KATA_HELP = "run only this kata (repeatable); a kata not started yet runs only when named."
JSON_HELP = (
    "also write this run's per-kata, per-stage results as JSON to PATH (schema: dojo/schema/run-v1.json)."
)
STOP_AFTER_HELP = (
    "a stage stops once N of its test functions have failed with N different messages: its other"
    " tests do not run, and the"
    f" stage has failed all the same (default {ordering.STOP_AFTER} in the default hypothesis profile;"
    " 0, or any other profile such as grade, runs every test)."
)
NOT_IMPLEMENTED = "{message} (the method still raises NotImplementedError: write it in {folder})"
NO_SUCH_TEST = "{path}::{selector}: no such test in the suite"
LOG_FAILURES = 5  # failures kept per stage in the run log: enough for a summary
FAILING = (Outcome.FAILED, Outcome.SKIPPED_BY_SOLUTION)


@dataclass
class DojoRun:
    """Everything the plugin learns during one pytest run."""

    catalog: Catalog
    solution_base: Path
    solution_arg: str | None
    only: list[str] | None
    quiet: list[str] = field(default_factory=list)  # katas not started: not collected
    not_asked: list[str] = field(default_factory=list)  # katas --kata leaves out: not collected either
    asked: bool = False  # the command line asked for stage suites
    selections: dict[Path, list[str]] = field(default_factory=dict)  # suite file -> node ids
    suites: dict[StageFile, set[str]] = field(default_factory=dict)  # every test of each suite
    files: dict[str, StageFile] = field(default_factory=dict)  # nodeid -> suite address, in run
    loaded: dict[str, Loaded] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # nodeid -> test outcome
    locked: set[str] = field(default_factory=set)  # tests the harness itself skipped
    stop_after: int = 0  # a stage stops once this many of its test functions failed (0: never)
    stopped: set[str] = field(default_factory=set)  # tests not run: their stage had stopped
    unwritten: set[str] = field(default_factory=set)  # tests that met a method the stub still lacks
    durations: dict[str, float] = field(default_factory=dict)  # nodeid -> seconds, this run
    failing: set[StageFile] = field(default_factory=set)  # stages with a failure so far
    failures: dict[StageFile, list[dict]] = field(default_factory=dict)
    running: StageFile | None = None  # the stage whose tests are running
    ranks: ordering.Ranks | None = None  # what earlier runs said of each test (collection reads it)
    exitstatus: int = 0

    def highest_stage(self, kata: str) -> int:
        return max((a.stage for a in self.files.values() if a.kata == kata), default=1)

    def solution_root(self, kata: str) -> Path:
        """The solution folder; for a folder of stageN/ trees, the run's highest."""
        per_stage = layout.per_stage_dir(self.solution_base, self.highest_stage(kata))
        if not (self.solution_base / kata).exists() and per_stage.is_dir():
            return per_stage
        return self.solution_base

    def load(self, kata: str) -> Loaded:
        if kata not in self.loaded:
            self.loaded[kata] = load_solution(self.catalog.get(kata), self.solution_root(kata))
        return self.loaded[kata]

    def lock_of(self, address: StageFile) -> int | None:
        """The earliest earlier stage of the same kata that has failures."""
        for stage in range(1, address.stage):
            if StageFile(stage, address.kata) in self.failing:
                return stage
        return None

    def has_stopped(self, address: StageFile) -> bool:
        """The stage has as many distinct failures as ``stop_after`` allows.

        A method the stub still lacks is work the report lists, not a bug: it
        never counts, so the failures of the code already written still show.
        """
        failures = [f for f in self.failures.get(address, []) if f["test"] not in self.unwritten]
        return 0 < self.stop_after <= ordering.distinct_failures(failures)

    def record(self, nodeid: str, address: StageFile, report: pytest.TestReport) -> None:
        """One test's outcome: failed if any phase failed, else by what it did."""
        if nodeid in self.stopped:
            return  # not run: its stage had stopped
        if nodeid not in self.locked:
            self.durations[nodeid] = self.durations.get(nodeid, 0.0) + report.duration
        before = self.outcomes.get(nodeid)
        if report.failed:
            outcome = Outcome.FAILED
        elif report.skipped:
            outcome = Outcome.LOCKED if nodeid in self.locked else Outcome.SKIPPED_BY_SOLUTION
        elif report.when == "call":
            outcome = Outcome.PASSED
        else:
            return
        if before in (Outcome.FAILED, Outcome.SKIPPED_BY_SOLUTION):
            return
        if outcome == Outcome.FAILED and getattr(report, "dojo_skip", False):
            outcome = Outcome.SKIPPED_BY_SOLUTION
        self.outcomes[nodeid] = outcome
        if outcome in (Outcome.FAILED, Outcome.SKIPPED_BY_SOLUTION):
            self.failing.add(address)
            self.failures.setdefault(address, []).append({"test": nodeid, "message": _first_line(report)})

    def results(self) -> list[KataResult]:
        """Each kata of the run, in manifest order, with the stages it collected."""
        addresses = sorted(set(self.files.values()))
        by_test: dict[StageFile, list[Outcome]] = {a: [] for a in addresses}
        for nodeid, outcome in self.outcomes.items():
            if nodeid in self.files:
                by_test[self.files[nodeid]].append(outcome)
        katas = []
        for kata in self.catalog.katas:
            mine = [a for a in addresses if a.kata == kata.name]
            if not mine:
                continue
            result = KataResult(
                kata.name,
                kata.stages,
                fingerprint=stubs.fingerprint(self.solution_root(kata.name) / kata.name),
            )
            for address in mine:
                seen = by_test[address]
                suite = self.suites.get(address) or {n for n, a in self.files.items() if a == address}
                result.stages[address.stage] = StageResult(
                    address.stage,
                    total=max(len(suite), len(seen)),
                    passed=seen.count(Outcome.PASSED),
                    failed=seen.count(Outcome.FAILED),
                    skipped_by_solution=seen.count(Outcome.SKIPPED_BY_SOLUTION),
                    locked=seen.count(Outcome.LOCKED),
                    failures=self.failures.get(address, []),
                )
            katas.append(result)
        return katas

    def is_learners_code(self) -> bool:
        return self.solution_base.resolve() == layout.solutions(self.catalog.root).resolve()

    def rerun_options(self) -> str:
        extra = f" --solution {self.solution_arg}" if self.solution_arg else ""
        return extra + "".join(f" --kata {k}" for k in self.only or [])


RUN = pytest.StashKey[DojoRun]()


def _first_line(report: pytest.TestReport) -> str:
    """The line of a failure that says what went wrong (pytest's ``E`` lines first)."""
    text = report.longreprtext
    for line in text.splitlines():
        if line.startswith("E "):
            return line[2:].strip()[:500]
    lines = [line for line in text.splitlines() if line.strip()]
    if isinstance(report.longrepr, str) and lines:
        # A message of the suite's own (pytest.fail(..., pytrace=False)): its first line
        # says what broke; a snippet to paste may follow it.
        return lines[0].strip()[:500]
    return (lines[-1] if lines else "failed")[:500]


def _skip_reason(report: pytest.TestReport) -> str:
    if getattr(report, "wasxfail", None) is not None:
        return f"xfail: {report.wasxfail}" if report.wasxfail else "xfail"
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2])[:300]
    return "skipped"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dojo", "kata-dojo")
    group.addoption("--solution", metavar="DIR", default=None, help=SOLUTION_HELP)
    group.addoption("--kata", metavar="NAME", action="append", default=None, help=KATA_HELP)
    group.addoption("--dojo-json", metavar="PATH", default=None, help=JSON_HELP)
    group.addoption("--stop-after", metavar="N", type=int, default=None, help=STOP_AFTER_HELP)


def _solution_base(config: pytest.Config, catalog: Catalog) -> Path:
    given = config.getoption("solution")
    if given is None:
        return layout.solutions(catalog.root)
    path = config.invocation_params.dir / given
    if not path.exists() and (catalog.root / given).exists():
        path = catalog.root / given
    return path.resolve()


def _named_katas(config: pytest.Config, catalog: Catalog) -> set[str]:
    """Katas whose suite file the command line names: those run even when not started."""
    named = set()
    for arg in config.args:
        path = (config.invocation_params.dir / arg.partition("::")[0]).resolve()
        found = classify(path, catalog) if path.is_file() else None
        if found is not None:
            named.add(found.kata)
    return named


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stage(n): set by kata-dojo on every stage test")
    config.addinivalue_line(
        "markers",
        "threads: the test calls the solution from several threads at once; a race shows only in"
        " such tests, so the project's proofs repeat them (pytest -m threads) to show a race is"
        " caught every run",
    )
    chosen_profile = config.getoption("hypothesis_profile", None)
    profiles.load_default_unless_chosen(chosen_profile)
    try:
        catalog = load_catalog(config.rootpath)
    except CatalogError as exc:
        raise pytest.UsageError(str(exc)) from None
    only = config.getoption("kata")
    for name in only or []:
        if name not in catalog.names():
            raise pytest.UsageError(
                f"--kata {name}: unknown kata; the katas are: {', '.join(catalog.names())}"
            )
    run = DojoRun(
        catalog=catalog,
        solution_base=_solution_base(config, catalog),
        solution_arg=config.getoption("solution"),
        only=only,
        stop_after=ordering.stop_after(config.getoption("stop_after"), chosen_profile),
    )
    if only:  # their suites would be collected, imported and dropped, for nothing
        named = _named_katas(config, catalog)
        run.not_asked = [k for k in catalog.names() if k not in only and k not in named]
    if run.is_learners_code() and not only:
        # A kata still exactly the shipped stub stays quiet: its failures would
        # bury the kata the learner is working on, or greet a fresh clone.
        named = _named_katas(config, catalog)
        run.quiet = [k for k in stubs.not_started(catalog, run.solution_base) if k not in named]
    config.stash[RUN] = run


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    run = session.config.stash[RUN]
    here = session.config.invocation_params.dir
    run.asked = any(is_stage_arg(arg, here, run.catalog) for arg in session.config.args)
    args, run.selections = expand_args(list(session.config.args), here, run.catalog)
    session.config.args[:] = args


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    run = config.stash.get(RUN, None)
    if run is None or not (run.quiet or run.not_asked):
        return None
    address = classify(collection_path, run.catalog)
    left_out = address is not None and (address.kata in run.quiet or address.kata in run.not_asked)
    return True if left_out else None


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(collector: pytest.Collector):
    # Innermost wrapper: the tests of a suite file as collected, before --lf
    # (an outer wrapper) keeps only the last failures. That is the whole suite
    # a stage must pass.
    report = yield
    run = collector.config.stash.get(RUN, None)
    if run is not None and report.passed and isinstance(collector, (pytest.Module, pytest.Class)):
        address = classify(collector.path, run.catalog)
        if address is not None:
            tests = run.suites.setdefault(address, set())
            tests.update(x.nodeid for x in report.result if isinstance(x, pytest.Item))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash[RUN]
    keep, drop = [], []
    matched: set[tuple[Path, str]] = set()
    for item in items:
        address = classify(item.path, run.catalog)
        if address is not None and run.only and address.kata not in run.only:
            run.suites.pop(address, None)
            drop.append(item)
            continue
        if address is not None and item.path in run.selections:
            hits = [s for s in run.selections[item.path] if selected(item.nodeid, [s])]
            matched.update((item.path, s) for s in hits)
            if not hits:  # the file was collected whole to know its suite; run what was asked
                drop.append(item)
                run.files[item.nodeid] = address
                continue
        keep.append(item)
        if address is not None:
            run.files[item.nodeid] = address
            item.add_marker(pytest.mark.stage(address.stage))
    for path, selectors in run.selections.items():
        for selector in selectors:
            if (path, selector) not in matched:
                raise pytest.UsageError(NO_SUCH_TEST.format(path=display(path), selector=selector))
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Earlier stages first, whatever order the arguments came in; within a stage,
    # kata by kata, what failed last time, then the cheapest tests, as the last
    # runs timed them. Tests outside the stage suites keep their order, first.
    ranks = run.ranks = ordering.Ranks(getattr(config, "cache", None))  # None under -p no:cacheprovider
    katas: dict[str, int] = {}  # in the order they were collected
    for item in keep:
        if item.nodeid in run.files:
            katas.setdefault(run.files[item.nodeid].kata, len(katas))

    def place(item: pytest.Item) -> tuple:
        address = run.files.get(item.nodeid)
        if address is None:
            return (0,)
        return address.stage, katas[address.kata], ranks.of(item.nodeid)

    keep.sort(key=place)
    items[:] = keep


@pytest.fixture
def solution(request: pytest.FixtureRequest) -> type | None:
    """The solution's class (e.g. ``LRUCache``) for the kata of this test file."""
    run = request.config.stash[RUN]
    address = run.files.get(request.node.nodeid)
    if address is None:
        raise pytest.UsageError(f"{request.node.nodeid}: not a stage suite test")
    return run.load(address.kata).cls


@pytest.fixture
def solution_dir(request: pytest.FixtureRequest) -> Path:
    """The folder of the solution under test (``katas/<kata>/`` by default)."""
    run = request.config.stash[RUN]
    address = run.files[request.node.nodeid]
    return run.load(address.kata).folder


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only when the test says so: ``fake_clock.advance(5)``."""
    return FakeClock()


def _stage_test(item: pytest.Item) -> tuple[DojoRun, StageFile | None]:
    """The run, and the suite address of ``item`` (None for a test outside stages/)."""
    run = item.config.stash[RUN]
    return run, run.files.get(item.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run, address = _stage_test(item)
    if address is None:
        return
    before, run.running = run.running, address
    # A hang says one kata's solution is broken, not the next one's; the cost
    # checks' large states served the stage before.
    if before is None or before.kata != address.kata:
        WATCHDOG.reset()
    if before != address:
        complexity.forget_prepared()
    locked_by = run.lock_of(address)
    if locked_by is not None:
        run.locked.add(item.nodeid)
        pytest.skip(LOCKED_REASON.format(stage=locked_by, kata=address.kata))
    if run.has_stopped(address):
        run.stopped.add(item.nodeid)
        pytest.skip(ordering.STOPPED.format(stage=address.stage, count=run.stop_after))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item):
    run, address = _stage_test(item)
    if address is None:
        return (yield)
    loaded = run.load(address.kata)
    if loaded.problem is not None:
        pytest.fail(f"cannot import the solution: {loaded.problem}", pytrace=False)
    with discards.watch(loaded.folder) as asked:
        result = yield
    if asked:
        pytest.fail(discards.DISCARDED.format(where=asked[0]), pytrace=False)
    return result


# Innermost, inside Hypothesis's own wrapper: for a @given test that wrapper sets a
# reporter of its own, which would otherwise print what the filter keeps out.
@pytest.hookimpl(wrapper=True, trylast=True, specname="pytest_runtest_call")
def pytest_runtest_call_without_shrink_notes(item: pytest.Item):
    if _stage_test(item)[1] is None:
        return (yield)
    with shrinking.watched():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    run, address = _stage_test(item)
    if address is None:
        return report
    if report.skipped and item.nodeid not in run.locked and item.nodeid not in run.stopped:
        # Not the harness's lock: the solution's code skipped (or xfailed) the test.
        report.longrepr = SKIPPED_BY_SOLUTION.format(reason=_skip_reason(report))
        report.outcome = "failed"
        report.dojo_skip = True
        if hasattr(report, "wasxfail"):
            del report.wasxfail
    elif report.failed and call.excinfo is not None and call.excinfo.errisinstance(NotImplementedError):
        # The stub's own message already says what to write; a traceback adds nothing.
        message = str(call.excinfo.value) or "a method raised NotImplementedError"
        run.unwritten.add(item.nodeid)
        report.longrepr = NOT_IMPLEMENTED.format(
            message=message, folder=display(run.load(address.kata).folder)
        )
    elif report.failed and call.excinfo is not None:
        failed = call.excinfo.value
        if isinstance(failed, pytest.fail.Exception) and not failed.pytrace:
            # pytest.fail(message, pytrace=False): the message is the whole report, as text,
            # so that its first line (what broke) is the one the live line and summary show.
            report.longrepr = str(failed.msg)
    run.record(item.nodeid, address, report)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    run = session.config.stash[RUN]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        session.config.pluginmanager.register(LiveFailures(run.files, run.failures, reporter), "dojo-live")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config: pytest.Config):
    # Outermost wrapper: the report comes after pytest's short summary, as the
    # last thing the learner reads before the final counts.
    yield
    run = config.stash[RUN]
    lines = render(run.results(), run.catalog, run.rerun_options(), display)
    for address, count in sorted(Counter(run.files[nodeid] for nodeid in run.stopped).items()):
        lines.append(ordering.STOPPED_NOTE.format(address=address, count=run.stop_after, tests=count))
    if run.quiet and run.asked:
        lines += welcome(run.catalog, run.quiet, display, everything=not run.files)
    if not lines:
        return
    terminalreporter.write_sep("=", "kata-dojo")
    for line in lines:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash[RUN]
    if run.quiet and run.asked and not run.files and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        # Every kata is still its stub: a welcome, not a failed install.
        session.exitstatus = exitstatus = pytest.ExitCode.OK
    run.exitstatus = int(exitstatus)
    if run.ranks is not None:
        failed = {nodeid for nodeid, outcome in run.outcomes.items() if outcome in FAILING}
        passed = {nodeid for nodeid, outcome in run.outcomes.items() if outcome == Outcome.PASSED}
        run.ranks.remember(run.durations, failed, passed)
    if not any(nodeid in run.files for nodeid in run.outcomes):
        return  # --co, or nothing ran: nothing to say, nothing to overwrite
    wanted = session.config.getoption("dojo_json")
    learners = run.is_learners_code()
    if not (wanted or learners):
        return
    results = as_json(run)  # one set of results, whichever files it goes to
    if wanted:
        _save(results, session.config.invocation_params.dir / wanted)
    if learners:
        _log(run, results)


def as_json(run: DojoRun, max_failures: int | None = None) -> dict:
    """The run's results as ``--dojo-json`` writes them (schema ``run-v1``)."""
    try:
        when = progress.clock()
    except ValueError:  # a bad $DOJO_NOW is the dojo command's to report
        when = datetime.now(UTC)
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "event": "run",
        "finished_at": when.isoformat(timespec="microseconds"),
        "solution": str(run.solution_base),
        "not_started": list(run.quiet),
        "katas": {r.name: r.as_json(*([max_failures] if max_failures else [])) for r in run.results()},
    }


def _save(results: dict, path: Path) -> None:
    try:
        progress.write_json(path, results)
    except OSError as exc:  # a read-only checkout must not fail the run
        print(f"kata-dojo: could not save results to {path}: {exc.strerror}")


def _log(run: DojoRun, results: dict) -> None:
    """Append the run to the learner's run log (failures trimmed: it is a history)."""
    line = dict(results)
    line["katas"] = {r.name: r.as_json(LOG_FAILURES) for r in run.results()}
    path = progress.state_dir(run.catalog.root) / progress.RUN_LOG
    try:
        progress.append_line(path, line)
    except OSError as exc:
        print(f"kata-dojo: could not save progress to {path}: {exc.strerror}")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    # A deadlocked solution leaves non-daemon threads that would block interpreter
    # exit forever; the results are already reported, so leave now.
    stuck = [
        t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if stuck and run is not None:
        print(f"kata-dojo: {len(stuck)} thread(s) of the solution never finished; exiting anyway")
        os._exit(run.exitstatus)
