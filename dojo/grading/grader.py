"""The whole grade of one solution: every kata, each in its own sandboxed run.

Before any run, the suite (``--suite`` or the fork's own) is copied into a
private folder and hashed there: that snapshot is what every kata runs and
what the report's suite hash describes, so a solution that edits suite files
while it runs changes neither its own grade nor the next kata's. Each kata
gets a fresh copy of the snapshot as its working folder; after the run the
copy is hashed again, and any change grades the kata ``tampered``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dojo
from dojo.catalog import Catalog, CatalogError, Kata, load_catalog
from dojo.grading import channel, manifest, observe, points, sandbox
from dojo.grading.observe import KataGrade
from dojo.judge import engine as judge
from dojo.report import PASSED

CHANNEL_MODULE = "_dojo_grade_channel"
SOLUTION_DIR = "solution"  # the copy of the solution, inside the graded process's suite copy
GRADER_MANIFEST = Path(__file__).resolve().parent / "suite-hashes.json"

# Overall statuses of a grade.
ALL_PASSED = "passed"  # every graded kata passed every stage, suite trusted
NOT_ALL_PASSED = "not passed"
SUITE_MODIFIED = "suite modified"
GRADE_ERROR = "error"  # a kata's suite could not run at all

NO_SOLUTION = "--solution {path}: no such folder"
NO_SUITE = "--suite {path}: no katas/katas.toml there (is it a kata-dojo checkout?)"
UNKNOWN_KATA = "--kata {name}: unknown kata; the katas are: {names}"
NO_STAGES = "no stage suites for {kata} under {root}/stages"
REPORT_DISAGREES = (
    "the graded process's own results file disagrees with what the grader observed"
    " (stage {stage}: {claimed} passed claimed, {seen} observed); it was ignored"
)
SUITE_CHANGED = "the suite at {root} changed while it was graded: {files}"


class GradeProblem(Exception):
    """The grade cannot be made as asked; ``usage`` tells bad input from a broken suite."""

    def __init__(self, message: str, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class GradeOptions:
    """What to grade, against which suite, within which limits."""

    solution: Path  # a folder laid out like katas/
    suite: Path  # the root of the checkout whose suites grade it
    upstream: bool = False  # the suite is a pristine upstream checkout (--suite)
    katas: tuple[str, ...] = ()  # empty: every kata
    points_spec: str | None = None
    test_timeout: float = 20.0
    limits: sandbox.Limits = sandbox.Limits()
    jobs: int = 1


@dataclass
class Grade:
    """A solution's grade: the suite it used and each kata's result."""

    solution: Path
    suite: manifest.SuiteCheck
    katas: list[KataGrade]
    points: dict[str, list[float]]
    limits: sandbox.Limits
    test_timeout: float
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    tool_version: str = dojo.__version__

    @property
    def score(self) -> float:
        return sum(k.score for k in self.katas)

    @property
    def max_score(self) -> float:
        return sum(k.max_score for k in self.katas)

    @property
    def status(self) -> str:
        if any(k.outcome == observe.ERROR for k in self.katas):
            return GRADE_ERROR
        if not self.suite.trusted:
            return SUITE_MODIFIED
        every = all(k.highest_stage == len(k.stages) and k.outcome == observe.COMPLETED
                    for k in self.katas)
        return ALL_PASSED if every else NOT_ALL_PASSED


def check_request(suite: Path, katas: tuple[str, ...], points_spec: str | None
                  ) -> tuple[Catalog, list[Kata], dict[str, list[float]]]:
    """The suite's catalog, the katas asked for and their points, or a GradeProblem."""
    try:
        catalog = load_catalog(suite)
    except CatalogError as exc:
        if not (suite / "katas" / "katas.toml").exists():
            raise GradeProblem(NO_SUITE.format(path=suite)) from None
        raise GradeProblem(str(exc), usage=False) from None
    for name in katas:
        if name not in catalog.names():
            raise GradeProblem(UNKNOWN_KATA.format(name=name, names=", ".join(catalog.names())))
    try:
        table = points.parse(points_spec, catalog)
    except points.PointsError as exc:
        raise GradeProblem(str(exc)) from None
    return catalog, [k for k in catalog.katas if not katas or k.name in katas], table


def resolve(options: GradeOptions) -> tuple[Catalog, list[Kata], dict[str, list[float]]]:
    """Check the options; the catalog, the katas to grade and their points."""
    if not options.solution.is_dir():
        raise GradeProblem(NO_SOLUTION.format(path=options.solution))
    return check_request(options.suite, options.katas, options.points_spec)


def _copy_suite(source: Path, target: Path) -> None:
    for rel in manifest.suite_paths(source):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)


def _remove(path: Path) -> None:
    """Remove a private folder, even one the solution left read-only."""

    def retry(func, name, _exc):
        try:
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
            func(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)


def _last_stage(snapshot: Path, kata: Kata) -> int | None:
    found = [s for s in kata.stages
             if (snapshot / "stages" / f"stage{s}" / f"test_{kata.name}.py").is_file()]
    return max(found, default=None)


def _child_env(private: Path, channel_spec: str) -> dict[str, str]:
    """A minimal environment: no secrets of the CI job reach the solution."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(private / "home"),
        "TMPDIR": str(private / "tmp"),
        "PYTHONPATH": str(private / "plugin"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "DOJO_STATE_DIR": str(private / "state"),
        channel.CHANNEL_ENV: channel_spec,
    }
    for name in ("home", "tmp", "plugin", "out", "state"):
        (private / name).mkdir(parents=True, exist_ok=True)
    return env


def _copy_solution(solution: Path, kata: Kata, target: Path) -> None:
    """The kata's folder of the solution, copied beside the suite: the graded process
    never learns where the fork is, and messages name ``solution/<kata>/...``."""
    source = solution / kata.name
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target / kata.name, symlinks=True, ignore=ignore)


def _command(kata: Kata, last: int, options: GradeOptions, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "pytest", f"stages/stage{last}",
        "--kata", kata.name,
        "--solution", SOLUTION_DIR,
        "--hypothesis-profile", "grade",
        "-p", "no:cacheprovider",
        "-p", CHANNEL_MODULE,
        "--dojo-json", str(out / "results.json"),
        "--junitxml", str(out / "junit.xml"),
        "--timeout", f"{options.test_timeout:g}",
        "-o", "timeout_method=signal",
        "-q", "--tb=short", "-rN",
    ]


def _cross_check(grade: KataGrade, results: Path) -> None:
    """Compare the child's own results file with the observed events; note any lie."""
    try:
        claimed = json.loads(results.read_text(encoding="utf-8"))
        stages = claimed["katas"][grade.name]["stages"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    for stage in grade.stages:
        entry = stages.get(str(stage.stage)) if isinstance(stages, dict) else None
        said = entry.get("passed") if isinstance(entry, dict) else None
        seen = stage.count(PASSED)
        if said is not None and said != seen and grade.outcome == observe.COMPLETED:
            grade.notes.append(REPORT_DISAGREES.format(stage=stage.stage, claimed=said, seen=seen))
            return


def grade_kata(kata: Kata, options: GradeOptions, snapshot: Path, private: Path) -> KataGrade:
    """Run one kata's stages in a sandbox and grade what was observed."""
    suite = private / "suite"
    shutil.copytree(snapshot, suite)
    before = manifest.file_hashes(suite)
    _copy_solution(options.solution, kata, suite / SOLUTION_DIR)
    last = _last_stage(suite, kata)
    if last is None:
        return KataGrade(kata.name, kata.title, observe.ERROR,
                         [observe.StageGrade(s, kata.stage_title(s)) for s in kata.stages],
                         detail=NO_STAGES.format(kata=kata.name, root=options.suite))
    events_read, events_write = os.pipe()
    key_read, key_write = os.pipe()
    key = secrets.token_hex(32).encode()
    os.write(key_write, key)  # 64 bytes: fits any pipe buffer
    os.close(key_write)
    env = _child_env(private, f"{events_write},{key_read}")
    shutil.copyfile(Path(channel.__file__), private / "plugin" / f"{CHANNEL_MODULE}.py")
    reader = observe.EventReader(events_read, key)

    def started(_pid: int) -> None:
        os.close(events_write)
        os.close(key_read)

    try:
        finished = sandbox.run(
            _command(kata, last, options, private / "out"),
            cwd=suite, env=env, limits=options.limits,
            pass_fds=(events_write, key_read), started=started,
        )
    except OSError as exc:  # the interpreter itself could not start
        for fd in (events_write, key_read):
            try:
                os.close(fd)
            except OSError:
                pass
        finished = sandbox.Finished(None, False, 0.0, f"cannot start: {exc}", 0)
    reader.wait()
    grade = observe.observe(
        kata, reader, finished,
        wall_clock=options.limits.wall_clock, cpu_limit=options.limits.cpu,
        memory_mb=options.limits.memory_mb,
    )
    edited = manifest.differences(before, manifest.file_hashes(suite))
    if edited and grade.outcome != observe.TAMPERED:
        grade.outcome = observe.TAMPERED
        grade.detail = observe.SUITE_EDITED.format(files=", ".join(edited[:5]))
        grade.where = None
    _cross_check(grade, private / "out" / "results.json")
    # -- outside judge (issue 11): a stage counts only when the judge, from its own process, agrees.
    if grade.highest_stage:
        _copy_solution(options.solution, kata, private / "judged")
        judge.apply(grade, judge.judge_kata(kata, private / "judged", grade.highest_stage,
                                            seed=secrets.randbits(32), suite_root=snapshot))
    if grade.outcome != observe.COMPLETED:
        grade.log = finished.output  # for the grader's stderr, never the report
    return grade


def grade(options: GradeOptions) -> Grade:
    """Grade the solution against the suite, kata by kata (``jobs`` at a time)."""
    begin = time.monotonic()
    catalog, katas, table = resolve(options)
    workdir = Path(tempfile.mkdtemp(prefix="dojo-grade-"))
    try:
        snapshot = workdir / "snapshot"
        _copy_suite(options.suite, snapshot)
        shipped = manifest.load_manifest(GRADER_MANIFEST.parents[2])
        suite = manifest.check(snapshot, upstream=options.upstream, shipped=shipped)
        suite.root = options.suite

        def one(kata: Kata) -> KataGrade:
            return grade_kata(kata, options, snapshot, workdir / kata.name)

        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            graded = list(pool.map(one, katas))
        notes = []
        after = manifest.differences(manifest.file_hashes(snapshot),
                                     manifest.file_hashes(options.suite))
        if after:
            notes.append(SUITE_CHANGED.format(root=options.suite, files=", ".join(after[:5])))
    finally:
        _remove(workdir)
    for kata in graded:
        kata.max_score = sum(table[kata.name])
        counts = suite.trusted and kata.outcome != observe.TAMPERED
        kata.score = points.score(table[kata.name], kata.highest_stage) if counts else 0
        for stage in kata.stages:
            stage.max_points = table[kata.name][stage.stage - 1]
            stage.counted = counts and stage.stage <= kata.highest_stage
            stage.points = stage.max_points if stage.counted else 0
    return Grade(
        solution=options.solution.resolve(), suite=suite, katas=graded, points=table,
        limits=options.limits, test_timeout=options.test_timeout,
        duration=time.monotonic() - begin, notes=notes,
    )
