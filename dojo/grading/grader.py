"""The whole grade of one solution: every kata, each in its own sandboxed run.

Before any run, the suite (``--suite`` or the fork's own) is copied into a
private folder and hashed there: that snapshot is what every kata runs and
what the report's suite hash describes, so a solution that edits suite files
while it runs changes neither its own grade nor the next kata's. Each kata
gets a fresh copy of the snapshot as its working folder, checked against the
snapshot's hashes before it runs; the solution's kata folder is copied in as
regular files only (``files.copy_solution``). Both are read-only to the graded
process (``isolation``); it writes only to its own output folder and private
tmp folders. After the run the copy is checked again: any changed, added or
planted file (a symlink, a ``__pycache__``) grades the kata ``tampered``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dojo
from dojo import layout
from dojo.catalog import Catalog, CatalogError, Kata, load_catalog
from dojo.grading import channel, files, isolation, manifest, observe, points, sandbox
from dojo.grading.observe import PASSED, KataGrade
from dojo.judge import engine as judge

CHANNEL_MODULE = "_dojo_grade_channel"
NO_JUDGE = "no outside judge is declared for this kata yet: its grade rests on the in-process suite alone"
SOLUTION_DIR = "solution"  # the copy of the solution, inside the graded process's suite copy
GRADER_MANIFEST = Path(__file__).resolve().parent / "suite-hashes.json"

# Overall statuses of a grade.
ALL_PASSED = "passed"  # every graded kata passed every stage, suite trusted
NOT_ALL_PASSED = "not passed"
SUITE_MODIFIED = "suite modified"
GRADE_ERROR = "error"  # a kata's suite could not run at all

NO_SOLUTION = "--solution {path}: no such folder"
SOLUTION_SYMLINK = "--solution {path}: refused: it is a symlink; a solution is graded only from plain files"
NO_SUITE = "--suite {path}: no katas/katas.toml there (is it a kata-dojo checkout?)"
UNKNOWN_KATA = "--kata {name}: unknown kata; the katas are: {names}"
NO_STAGES = "no stage suites for {kata} under {root}/stages"
REPORT_DISAGREES = (
    "the graded process's own results file disagrees with what the grader observed"
    " (stage {stage}: {claimed} passed claimed, {seen} observed); it was ignored"
)
SUITE_CHANGED = "the suite at {root} changed while it was graded: {files}"
COPY_CHANGED = "the fresh copy of the suite differs from the snapshot: {files}"
PLANTED = "the graded process left {what} in the suite: {files}"
STOPPED = "not graded: the grader was stopped ({why}) before this kata ran"
RESULTS_LIMIT = 8 * 1024 * 1024  # the graded process's own results file, read for notes only


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
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    jobs: int = 1
    isolation: str | None = None  # None: the strongest this machine has (isolation.level)
    caps: files.Caps = field(default_factory=files.Caps)


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
    isolation: str = isolation.PROCESS  # the walls the katas ran in
    solution_hash: str = ""  # of the solution files that were graded (files.content_hash)

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
        every = all(k.highest_stage == len(k.stages) and k.outcome == observe.COMPLETED for k in self.katas)
        return ALL_PASSED if every else NOT_ALL_PASSED


def check_request(
    suite: Path, katas: tuple[str, ...], points_spec: str | None
) -> tuple[Catalog, list[Kata], dict[str, list[float]]]:
    """The suite's catalog, the katas asked for and their points, or a GradeProblem."""
    try:
        catalog = load_catalog(suite)
    except CatalogError as exc:
        if not layout.catalog(suite).exists():
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
    if options.solution.is_symlink():
        raise GradeProblem(SOLUTION_SYMLINK.format(path=options.solution), usage=False)
    if not options.solution.is_dir():
        raise GradeProblem(NO_SOLUTION.format(path=options.solution))
    return check_request(options.suite, options.katas, options.points_spec)


def _copy_suite(source: Path, target: Path) -> dict[str, str]:
    """Copy the suite files (regular files only, never through a symlink); their hashes."""
    hashes = {}
    for rel in manifest.suite_paths(source):
        data = files.read_regular(source / rel)
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        hashes[rel] = hashlib.sha256(data).hexdigest()
    return hashes


class Stop:
    """Set when the grader is asked to stop (a signal): katas not yet run are not run."""

    def __init__(self) -> None:
        self.why: str | None = None

    def set(self, why: str) -> None:
        self.why = why
        sandbox.stop_all()


STOP = Stop()


def _last_stage(snapshot: Path, kata: Kata) -> int | None:
    found = [s for s in kata.stages if layout.suite_file(snapshot, s, kata.name).is_file()]
    return max(found, default=None)


PRIVATE_DIRS = ("home", "tmp", "state")  # the child's own, size-capped under namespaces


def _child_env(private: Path, channel_spec: str) -> dict[str, str]:
    """A minimal environment: no secrets of the CI job, no ``GITHUB_*`` path reaches
    the solution; bytecode is neither written nor wanted."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(private / "home"),
        "TMPDIR": str(private / "tmp"),
        "PYTHONPATH": str(private / "plugin"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "DOJO_STATE_DIR": str(private / "state"),
        channel.CHANNEL_ENV: channel_spec,
    }
    for name in (*PRIVATE_DIRS, "plugin"):
        (private / name).mkdir(parents=True, exist_ok=True)
    return env


def _copy_solution(solution: Path, kata: Kata, target: Path, caps: files.Caps) -> files.Copied:
    """The kata's folder of the solution, copied beside the suite as regular files only:
    the graded process never learns where the fork is, and messages name
    ``solution/<kata>/...``."""
    target.mkdir(parents=True, exist_ok=True)
    return files.copy_solution(solution / kata.name, target / kata.name, kata.name, caps)


def _planted(suite: Path, expected: set[str]) -> list[str]:
    """What the graded process added to its suite copy: files, symlinks, caches."""
    found = []
    for entry in files.walk(suite, max_depth=32, skip_dirs=()):
        if entry.rel == SOLUTION_DIR or entry.rel.startswith(SOLUTION_DIR + "/"):
            continue
        if entry.kind == "dir" and entry.rel.rsplit("/", 1)[-1] not in files.SKIP_DIRS:
            continue
        if entry.kind == "file" and entry.rel in expected:
            continue
        found.append(entry.rel if entry.kind == "file" else f"{entry.rel} ({entry.kind})")
    return found


def _command(kata: Kata, last: int, options: GradeOptions, out: Path) -> list[str]:
    return [
        sys.executable,
        "-B",
        "-m",
        "pytest",
        layout.stage_arg(last),
        "--kata",
        kata.name,
        "--solution",
        SOLUTION_DIR,
        "--hypothesis-profile",
        "grade",
        "-p",
        "no:cacheprovider",
        "-p",
        CHANNEL_MODULE,
        "--dojo-json",
        str(out / "results.json"),
        "--junitxml",
        str(out / "junit.xml"),
        "--timeout",
        f"{options.test_timeout:g}",
        "-o",
        "timeout_method=signal",
        "-q",
        "--tb=short",
        "-rN",
        # No capture: what the solution prints goes straight to the grader's pipe,
        # which drops what is past its cap; a capture file could fill up and make
        # print() raise inside the solution.
        "--capture=no",
    ]


def _cross_check(grade: KataGrade, results: Path) -> None:
    """Compare the child's own results file with the observed events; note any lie."""
    try:  # the child's file: never through a symlink, never more than a cap
        claimed = json.loads(files.read_regular(results, limit=RESULTS_LIMIT))
        stages = claimed["katas"][grade.name]["stages"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return
    for stage in grade.stages:
        entry = stages.get(str(stage.stage)) if isinstance(stages, dict) else None
        said = entry.get("passed") if isinstance(entry, dict) else None
        seen = stage.count(PASSED)
        if said is not None and said != seen and grade.outcome == observe.COMPLETED:
            grade.notes.append(REPORT_DISAGREES.format(stage=stage.stage, claimed=said, seen=seen))
            return


def _not_graded(kata: Kata, outcome: str, detail: str) -> KataGrade:
    return KataGrade(
        kata.name,
        kata.title,
        outcome,
        [observe.StageGrade(s, kata.stage_title(s)) for s in kata.stages],
        detail=detail,
    )


def grade_kata(
    kata: Kata, options: GradeOptions, snapshot: Path, expected: dict[str, str], private: Path, level: str
) -> tuple[KataGrade, dict[str, str]]:
    """Run one kata's stages in a sandbox and grade what was observed; also the
    hashes of the solution files that were graded."""
    if STOP.why is not None:
        return _not_graded(kata, observe.ERROR, STOPPED.format(why=STOP.why)), {}
    suite = private / "suite"
    _copy_suite(snapshot, suite)
    before = manifest.file_hashes(suite)
    drift = manifest.differences(expected, before)
    if drift:  # the snapshot changed since it was hashed: nothing from it can be trusted
        raise GradeProblem(COPY_CHANGED.format(files=", ".join(drift[:5])), usage=False)
    copied = _copy_solution(options.solution, kata, suite / SOLUTION_DIR, options.caps)
    solution_hashes = {f"{kata.name}/{rel}": sha for rel, sha in copied.hashes.items()}
    if copied.refused:
        solution_hashes[f"{kata.name}/"] = "refused"
    last = _last_stage(suite, kata)
    if last is None:
        return _not_graded(
            kata, observe.ERROR, NO_STAGES.format(kata=kata.name, root=options.suite)
        ), solution_hashes
    events_read, events_write = os.pipe()
    key_read, key_write = os.pipe()
    key = secrets.token_hex(32).encode()
    os.write(key_write, key)  # 64 bytes: fits any pipe buffer
    os.close(key_write)
    env = _child_env(private, f"{events_write},{key_read}")
    shutil.copyfile(Path(channel.__file__), private / "plugin" / f"{CHANNEL_MODULE}.py")
    reader = observe.EventReader(events_read, key)
    # Nothing of the host is writable: under namespaces the private folders are
    # size-capped tmpfs mounts (the results file there is the child's own, read
    # for notes only, and only under the process fallback).
    walls = isolation.Walls(
        readonly=(suite, private / "plugin"),
        private=tuple(private / name for name in PRIVATE_DIRS),
        private_mb=options.limits.file_size_mb,
    )

    def started(_pid: int) -> None:
        os.close(events_write)
        os.close(key_read)

    try:
        finished = sandbox.run(
            _command(kata, last, options, private / "tmp"),
            cwd=suite,
            env=env,
            limits=options.limits,
            walls=walls,
            level=level,
            pass_fds=(events_write, key_read),
            started=started,
        )
    except OSError as exc:  # the interpreter itself could not start
        for fd in (events_write, key_read):
            try:
                os.close(fd)
            except OSError:
                pass
        finished = sandbox.Finished(None, False, 0.0, f"cannot start: {exc}", 0, level)
    reader.wait()
    grade = observe.observe(
        kata,
        reader,
        finished,
        wall_clock=options.limits.wall_clock,
        cpu_limit=options.limits.cpu,
        memory_mb=options.limits.memory_mb,
    )
    grade.notes.extend(copied.notes)
    edited = manifest.differences(before, manifest.file_hashes(suite))
    planted = _planted(suite, set(before))
    if (edited or planted) and grade.outcome != observe.TAMPERED:
        grade.outcome = observe.TAMPERED
        grade.detail = (
            observe.SUITE_EDITED.format(files=", ".join(edited[:5]))
            if edited
            else PLANTED.format(what="files", files=", ".join(planted[:5]))
        )
        grade.where = None
    _cross_check(grade, private / "tmp" / "results.json")
    if STOP.why is not None and grade.outcome != observe.COMPLETED:
        grade.notes.append(f"the grader was stopped ({STOP.why}) during this kata")
    # The outside judge: a stage counts only when the judge, from its own process, agrees.
    if grade.highest_stage:
        judged = _copy_solution(options.solution, kata, private / "judged", options.caps)
        if not judged.refused:
            verdicts = judge.judge_kata(
                kata,
                private / "judged",
                grade.highest_stage,
                seed=secrets.randbits(32),
                suite_root=snapshot,
                level=level,
            )
            if verdicts is None:
                grade.notes.append(NO_JUDGE)
            judge.apply(grade, verdicts)
    if grade.outcome != observe.COMPLETED:
        grade.log = finished.output  # for the grader's stderr, never the report
    return grade, solution_hashes


def grade(options: GradeOptions) -> Grade:
    """Grade the solution against the suite, kata by kata (``jobs`` at a time)."""
    begin = time.monotonic()
    _catalog, katas, table = resolve(options)
    level = isolation.level(options.isolation)
    workdir = Path(tempfile.mkdtemp(prefix="dojo-grade-"))
    os.chmod(workdir, 0o711)  # a fallback child under its own uid may pass, not list
    try:
        snapshot = workdir / "snapshot"
        expected = _copy_suite(options.suite, snapshot)
        shipped = manifest.load_manifest(GRADER_MANIFEST.parents[2])
        suite = manifest.check(snapshot, upstream=options.upstream, shipped=shipped)
        suite.root = options.suite

        def one(kata: Kata) -> tuple[KataGrade, dict[str, str]]:
            private = workdir / kata.name
            try:
                return grade_kata(kata, options, snapshot, expected, private, level)
            finally:
                files.remove_tree(private)  # no kata's leftovers reach the next one

        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            results = list(pool.map(one, katas))
        graded = [g for g, _ in results]
        solution_files = {k: v for _, hashes in results for k, v in hashes.items()}
        notes = []
        after = manifest.differences(expected, manifest.file_hashes(options.suite))
        if after:
            notes.append(SUITE_CHANGED.format(root=options.suite, files=", ".join(after[:5])))
    finally:
        files.remove_tree(workdir)
    for kata in graded:
        kata.max_score = sum(table[kata.name])
        counts = suite.trusted and kata.outcome != observe.TAMPERED
        kata.score = points.score(table[kata.name], kata.highest_stage) if counts else 0
        for stage in kata.stages:
            stage.max_points = table[kata.name][stage.stage - 1]
            stage.counted = counts and stage.stage <= kata.highest_stage
            stage.points = stage.max_points if stage.counted else 0
    return Grade(
        solution=options.solution.resolve(),
        suite=suite,
        katas=graded,
        points=table,
        limits=options.limits,
        test_timeout=options.test_timeout,
        duration=time.monotonic() - begin,
        notes=notes,
        isolation=level,
        solution_hash=files.content_hash(solution_files),
    )
