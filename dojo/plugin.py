"""The pytest plugin: stages in order, locks, imports solutions, reports.

Loaded by the repository's root ``conftest.py``. Hooks are in lifecycle
order; the run's state lives in ``config.stash``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dojo import profiles, progress
from dojo.catalog import Catalog, CatalogError, load_catalog
from dojo.loader import Loaded, display, load_solution
from dojo.report import (
    FAILED,
    LOCKED,
    LOCKED_REASON,
    PASSED,
    SKIPPED,
    StageTally,
    render,
    runs_for,
)
from dojo.stages import StageFile, classify, expand_args

SOLUTION_HELP = (
    "folder laid out like katas/ whose <kata>/ subfolder is the solution "
    "(default: katas/). 'reference' picks the reference solution of the "
    "highest stage in the run."
)
KATA_HELP = "run only this kata (repeatable)."
JSON_HELP = "also write this run's per-kata, per-stage results as JSON to PATH."
NOT_IMPLEMENTED = "{message} (the method still raises NotImplementedError: write it in {folder})"


@dataclass
class DojoRun:
    """Everything the plugin learns during one pytest run."""

    catalog: Catalog
    solution_base: Path
    solution_arg: str | None
    only: list[str] | None
    files: dict[str, StageFile] = field(default_factory=dict)  # nodeid -> suite address
    tallies: dict[tuple[str, int], StageTally] = field(default_factory=dict)
    loaded: dict[str, Loaded] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> outcome
    failures: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    exitstatus: int = 0

    def highest_stage(self, kata: str) -> int:
        return max((s for (name, s) in self.tallies if name == kata), default=1)

    def solution_root(self, kata: str) -> Path:
        """The solution folder; for a folder of stageN/ trees, the run's highest."""
        per_stage = self.solution_base / f"stage{self.highest_stage(kata)}"
        if not (self.solution_base / kata).exists() and per_stage.is_dir():
            return per_stage
        return self.solution_base

    def load(self, kata: str) -> Loaded:
        if kata not in self.loaded:
            self.loaded[kata] = load_solution(
                self.catalog.get(kata), self.solution_root(kata)
            )
        return self.loaded[kata]

    def lock_of(self, address: StageFile) -> int | None:
        """The earliest earlier stage of the same kata that has failures."""
        for stage in range(1, address.stage):
            tally = self.tallies.get((address.kata, stage))
            if tally and tally.failed:
                return stage
        return None

    def record(self, nodeid: str, address: StageFile, report: pytest.TestReport) -> None:
        """Count each test once: failed if any phase failed, else by its outcome."""
        tally = self.tallies[(address.kata, address.stage)]
        before = self.outcomes.get(nodeid)
        if report.failed:
            outcome = FAILED
        elif report.skipped:
            outcome = LOCKED if self.lock_of(address) else SKIPPED
        elif report.when == "call":
            outcome = PASSED
        else:
            return
        if before == FAILED or before == outcome:
            return
        if before is not None:
            setattr(tally, before, getattr(tally, before) - 1)
        self.outcomes[nodeid] = outcome
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        if outcome == FAILED:
            self.failures.setdefault((address.kata, address.stage), []).append(
                {"test": nodeid, "message": _first_line(report)}
            )

    def is_learners_code(self) -> bool:
        return self.solution_base.resolve() == (self.catalog.root / "katas").resolve()

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
    return (lines[-1] if lines else "failed")[:500]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dojo", "kata-dojo")
    group.addoption("--solution", metavar="DIR", default=None, help=SOLUTION_HELP)
    group.addoption("--kata", metavar="NAME", action="append", default=None, help=KATA_HELP)
    group.addoption("--dojo-json", metavar="PATH", default=None, help=JSON_HELP)


def _solution_base(config: pytest.Config, catalog: Catalog) -> Path:
    given = config.getoption("solution")
    if given is None:
        return catalog.root / "katas"
    path = config.invocation_params.dir / given
    if not path.exists() and (catalog.root / given).exists():
        path = catalog.root / given
    return path.resolve()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stage(n): set by kata-dojo on every stage test")
    profiles.load_default_unless_chosen(config.getoption("hypothesis_profile", None))
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
    config.stash[RUN] = DojoRun(
        catalog=catalog,
        solution_base=_solution_base(config, catalog),
        solution_arg=config.getoption("solution"),
        only=only,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    run = session.config.stash[RUN]
    session.config.args[:] = expand_args(
        list(session.config.args), session.config.invocation_params.dir, run.catalog
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash[RUN]
    keep, drop = [], []
    for item in items:
        address = classify(item.path, run.catalog)
        if address is not None and run.only and address.kata not in run.only:
            drop.append(item)
            continue
        keep.append(item)
        if address is not None:
            run.files[item.nodeid] = address
            item.add_marker(pytest.mark.stage(address.stage))
            run.tallies.setdefault((address.kata, address.stage), StageTally()).total += 1
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Earlier stages first, whatever order the arguments came in.
    keep.sort(key=lambda item: run.files[item.nodeid].stage if item.nodeid in run.files else 0)
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


def _stage_test(item: pytest.Item) -> tuple[DojoRun, StageFile | None]:
    """The run, and the suite address of ``item`` (None for a test outside stages/)."""
    run = item.config.stash[RUN]
    return run, run.files.get(item.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run, address = _stage_test(item)
    if address is None:
        return
    locked_by = run.lock_of(address)
    if locked_by is not None:
        pytest.skip(LOCKED_REASON.format(stage=locked_by, kata=address.kata))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    run, address = _stage_test(item)
    if address is None:
        return
    problem = run.load(address.kata).problem
    if problem is not None:
        pytest.fail(f"cannot import the solution: {problem}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    run, address = _stage_test(item)
    if address is None:
        return report
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(NotImplementedError):
        # The stub's own message already says what to write; a traceback adds nothing.
        message = str(call.excinfo.value) or "a method raised NotImplementedError"
        report.longrepr = NOT_IMPLEMENTED.format(
            message=message, folder=display(run.load(address.kata).folder)
        )
    run.record(item.nodeid, address, report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config: pytest.Config):
    # Outermost wrapper: the report comes after pytest's short summary, as the
    # last thing the learner reads before the final counts.
    yield
    run = config.stash[RUN]
    messages = {
        where: [failure["message"] for failure in failures]
        for where, failures in run.failures.items()
    }
    runs = runs_for(run.catalog, run.tallies, messages)
    if not runs:
        return
    terminalreporter.write_sep("=", "kata-dojo")
    for line in render(runs, run.rerun_options(), display):
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash[RUN]
    run.exitstatus = int(exitstatus)
    wanted = session.config.getoption("dojo_json")
    learners = bool(run.tallies) and run.is_learners_code()
    if not (wanted or learners):
        return
    results = _results(run)  # one set of results, whichever files it goes to
    if wanted:
        _save(results, session.config.invocation_params.dir / wanted)
    if learners:
        _save(results, progress.state_dir(run.catalog.root) / progress.LAST_RUN)


def _results(run: DojoRun) -> dict:
    katas = {
        r.kata.name: {
            "highest_stage": r.highest_passed(),
            "stages": {
                str(s): t.as_dict() | {"failures": run.failures.get((r.kata.name, s), [])}
                for s, t in sorted(r.stages.items())
            },
        }
        for r in runs_for(run.catalog, run.tallies)
    }
    return {
        "format": progress.STATE_FORMAT,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "solution": str(run.solution_base),
        "katas": katas,
    }


def _save(results: dict, path: Path) -> None:
    try:
        progress.write_json(path, results)
    except OSError as exc:  # a read-only checkout must not fail the run
        print(f"kata-dojo: could not save results to {path}: {exc.strerror}")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    # A deadlocked solution leaves non-daemon threads that would block interpreter
    # exit forever; the results are already reported, so leave now.
    stuck = [
        t for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if stuck and run is not None:
        print(f"kata-dojo: {len(stuck)} thread(s) of the solution never finished; exiting anyway")
        os._exit(run.exitstatus)
