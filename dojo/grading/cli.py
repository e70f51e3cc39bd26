"""``dojo grade`` and ``dojo grade-many``: thin click wiring over the grader.

Exit codes (both commands): 0 every kata passed every stage and the suite is
trusted; 1 graded, but something did not pass (a failing stage, a timeout, a
crash, tampering, a modified suite); 2 bad options; 3 could not grade (the
suite is unreadable or could not run, or an output could not be written).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from dojo import layout, progress
from dojo.catalog import find_checkout
from dojo.grading import (
    CANNOT_GRADE,
    GRADED_ALL_PASS,
    GRADED_NOT_ALL,
    classroom,
    guard,
    junit,
    manifest,
    markdown,
    report,
    roster,
    verify,
)
from dojo.grading.grader import (
    ALL_PASSED,
    GRADE_ERROR,
    STOP,
    Grade,
    GradeOptions,
    GradeProblem,
    check_request,
)
from dojo.grading.grader import (
    grade as run_grade,
)
from dojo.grading.observe import COMPLETED
from dojo.grading.sandbox import Limits

NO_CHECKOUT = (
    "no katas/katas.toml in {start} or any folder above it: run inside a kata-dojo checkout or give --suite"
)
CANNOT_WRITE = "dojo grade: cannot write {path}: {why}"
GITHUB_FILE_CUT = "dojo grade: {path} was written to during grading; cut back to what it held before"
UPSTREAM_CHANGED = (
    "dojo grade-many: STOPPED: the upstream checkout {root} changed while {clone} "
    "was graded ({files}); grades after it cannot be trusted: restore the "
    "checkout (git status, git checkout .) and grade again"
)
NOT_GRADED_UPSTREAM = "not graded: the upstream checkout changed while another clone was graded"
LOG_LINES = 30

PathDir = click.Path(file_okay=False, path_type=Path)
PathFile = click.Path(dir_okay=False, path_type=Path)


def _limit_options(func):
    """The options shared by both commands: limits and points."""
    for option in reversed(
        [
            click.option(
                "--kata",
                "katas",
                multiple=True,
                metavar="NAME",
                help="Grade only this kata (repeatable; default: every kata).",
            ),
            click.option(
                "--points",
                "points_spec",
                default=None,
                metavar="SPEC",
                help="Points per stage, e.g. 'lru_cache=10,20,30,40;inmemory_db=25' "
                "(default: 10 per stage). A stage counts only when it and every "
                "earlier one pass.",
            ),
            click.option(
                "--test-timeout",
                type=click.FloatRange(min=0.1),
                default=20.0,
                show_default=True,
                help="Seconds per test.",
            ),
            click.option(
                "--kata-timeout",
                type=click.FloatRange(min=1),
                default=300.0,
                show_default=True,
                help="Wall-clock seconds for all of a kata's stages.",
            ),
            click.option(
                "--memory-mb",
                type=click.IntRange(min=64),
                default=2048,
                show_default=True,
                help="Address-space limit of the graded process.",
            ),
        ]
    ):
        func = option(func)
    return func


def _options(
    solution: Path,
    suite: Path,
    upstream: bool,
    katas,
    points_spec,
    test_timeout,
    kata_timeout,
    memory_mb,
    jobs: int = 1,
) -> GradeOptions:
    return GradeOptions(
        # Absolute, but not resolved: a solution folder that is a symlink is refused.
        solution=Path(os.path.abspath(solution)),
        suite=suite.resolve(),
        upstream=upstream,
        katas=tuple(katas),
        points_spec=points_spec,
        test_timeout=test_timeout,
        limits=Limits(wall_clock=kata_timeout, memory_mb=memory_mb),
        jobs=jobs,
    )


def exit_code(grade: Grade) -> int:
    if grade.status == GRADE_ERROR:
        return CANNOT_GRADE
    return GRADED_ALL_PASS if grade.status == ALL_PASSED else GRADED_NOT_ALL


def summary_lines(grade: Grade) -> list[str]:
    """What ``dojo grade`` prints: one line per kata, then the total."""
    lines = []
    for kata in grade.katas:
        where = f" at {kata.where.nodeid}" if kata.where is not None else ""
        broke = "" if kata.outcome == COMPLETED else f" [{kata.outcome}{where}: {kata.detail}]"
        lines.append(
            f"{kata.name}: stage {kata.highest_stage}/{len(kata.stages)}, "
            f"{kata.score:g}/{kata.max_score:g} points{broke}"
        )
    suite = grade.suite
    lines.append(f"suite: {suite.source}, {suite.status} ({suite.hash[:12]}); isolation: {grade.isolation}")
    lines.append(f"grade: {grade.score:g}/{grade.max_score:g} points ({grade.status})")
    return lines


def _write(path: Path, text: str) -> None:
    try:
        progress.write_text(path, text)
    except OSError as exc:
        click.echo(CANNOT_WRITE.format(path=path, why=exc.strerror or exc), err=True)
        raise SystemExit(CANNOT_GRADE) from None


def _show_logs(grade: Grade) -> None:
    for kata in grade.katas:
        if kata.log:
            tail = kata.log.rstrip().splitlines()[-LOG_LINES:]
            click.echo(f"--- {kata.name}: {kata.outcome}; last lines of the graded process ---", err=True)
            click.echo("\n".join(tail), err=True)


@click.command("grade")
@click.option(
    "--solution",
    type=PathDir,
    default=None,
    help="Folder laid out like katas/ holding the solution (default: katas/ of the checkout you are in).",
)
@click.option(
    "--suite",
    type=PathDir,
    default=None,
    help="A pristine checkout of the upstream repository: its stage suites grade "
    "the solution, so the fork's own suites cannot change the grade. Without it, "
    "the fork's suites are checked against the shipped hashes.",
)
@click.option(
    "--json",
    "json_path",
    type=PathFile,
    default=None,
    help="Write the JSON report (schema dojo/grading/schema/grade-v1.json) here.",
)
@click.option(
    "--junit",
    "junit_path",
    type=PathFile,
    default=None,
    help="Write JUnit XML here (one testsuite per kata and stage).",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=PathFile,
    default=None,
    help='Write the Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").',
)
@click.option(
    "--classroom",
    "classroom_result",
    is_flag=True,
    help="Emit the GitHub Classroom autograding result: 'result=<base64>' into "
    "$GITHUB_OUTPUT, or on stdout outside Actions.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Katas graded at the same time."
)
@click.option(
    "--verify",
    "verify_path",
    type=PathFile,
    default=None,
    metavar="REPORT.json",
    help="Re-grade --solution with the report's katas, points and limits and say "
    "whether the report holds (exit 0) or not (exit 1).",
)
@_limit_options
def grade(
    solution,
    suite,
    json_path,
    junit_path,
    markdown_path,
    classroom_result,
    jobs,
    verify_path,
    katas,
    points_spec,
    test_timeout,
    kata_timeout,
    memory_mb,
) -> None:
    """Grade a solution against the stage suites, each kata in a sandboxed process.

    Exit codes: 0 all passed; 1 graded, not all passed; 2 bad options; 3 could
    not grade. With --verify: 0 the report holds; 1 it does not.
    """
    guard.harden(STOP.set)
    outputs = guard.Outputs()  # before any graded code runs
    here = find_checkout(Path.cwd())
    root = suite or here
    if root is None:
        raise click.UsageError(NO_CHECKOUT.format(start=Path.cwd()))
    if solution is None:
        if here is None:
            raise click.UsageError("--solution: not in a checkout; give the solution folder")
        solution = layout.solutions(here)
    if verify_path is not None:
        _verify(verify_path, solution, root, suite is not None)
    options = _options(
        solution, root, suite is not None, katas, points_spec, test_timeout, kata_timeout, memory_mb, jobs
    )
    try:
        result = run_grade(options)
    except GradeProblem as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        click.echo(f"dojo grade: {exc}", err=True)
        raise SystemExit(CANNOT_GRADE) from None
    except OSError as exc:  # the grader's own files: a full disk, a read-only folder
        click.echo(f"dojo grade: cannot grade: {exc}", err=True)
        raise SystemExit(CANNOT_GRADE) from None
    _show_logs(result)
    for line in summary_lines(result):
        click.echo(line)
    for path in outputs.restore():
        click.echo(GITHUB_FILE_CUT.format(path=path), err=True)
    if json_path:
        _write(json_path, report.to_json(result))
    if junit_path:
        _write(junit_path, junit.to_xml(result))
    if markdown_path:
        _write_append(markdown_path, markdown.to_markdown(result))
    if classroom_result:
        classroom.emit(result, click.echo)
    raise SystemExit(exit_code(result))


def _verify(path: Path, solution: Path, root: Path, upstream: bool) -> None:
    """Re-grade and compare with the report at ``path``; exits 0 (holds) or 1."""
    try:
        claimed = verify.load(path)
        upstream = upstream or claimed.get("suite", {}).get("source") == "upstream"
        regraded = run_grade(verify.options(claimed, solution, root, upstream))
    except GradeProblem as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        click.echo(f"dojo grade: {exc}", err=True)
        raise SystemExit(CANNOT_GRADE) from None
    except OSError as exc:
        click.echo(f"dojo grade: cannot grade: {exc}", err=True)
        raise SystemExit(CANNOT_GRADE) from None
    wrong = verify.mismatches(claimed, regraded)
    for line in summary_lines(regraded):
        click.echo(line)
    if wrong:
        click.echo(f"verify: {path} does NOT hold:")
        for line in wrong:
            click.echo(f"  - {line}")
        raise SystemExit(GRADED_NOT_ALL)
    click.echo(
        f"verify: {path} holds: the same solution files, suite and grade "
        f"({regraded.score:g}/{regraded.max_score:g} points)"
    )
    raise SystemExit(GRADED_ALL_PASS)


def _write_append(path: Path, text: str) -> None:
    """Markdown replaces the file, except ``$GITHUB_STEP_SUMMARY``, which collects every
    step's text and is appended to."""
    if str(path) != os.environ.get("GITHUB_STEP_SUMMARY"):
        _write(path, text)
        return
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        click.echo(CANNOT_WRITE.format(path=path, why=exc.strerror or exc), err=True)
        raise SystemExit(CANNOT_GRADE) from None


def _solution_of(clone: Path) -> Path:
    """A clone's solution: its katas/ folder, or the folder itself if laid out like katas/."""
    return layout.solutions(clone) if layout.solutions(clone).is_dir() else clone


def _names(clones: list[Path]) -> list[str]:
    names = [c.resolve().name for c in clones]
    return [n if names.count(n) == 1 else str(c) for n, c in zip(names, clones, strict=True)]


@click.command("grade-many")
@click.argument("clones", nargs=-1, required=True, type=PathDir)
@click.option(
    "--suite",
    type=PathDir,
    default=None,
    help="The pristine checkout whose suites grade every clone (default: the checkout you are in).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Clones graded at the same time (each one kata at a time).",
)
@click.option("--csv", "csv_path", type=PathFile, default=None, help="Write the roster as CSV.")
@click.option(
    "--markdown", "markdown_path", type=PathFile, default=None, help="Write the roster as Markdown."
)
@click.option(
    "--json-dir", type=PathDir, default=None, help="Write each clone's JSON report here, as <name>.json."
)
@_limit_options
def grade_many(
    clones,
    suite,
    jobs,
    csv_path,
    markdown_path,
    json_dir,
    katas,
    points_spec,
    test_timeout,
    kata_timeout,
    memory_mb,
) -> None:
    """Grade many local clones against one suite and write a roster.

    Each CLONE is a fork's checkout (its katas/ folder is graded) or a folder
    laid out like katas/. Exit codes: 0 every clone passed everything; 1 some
    did not; 2 bad options; 3 some clone could not be graded.
    """
    guard.harden(STOP.set)
    root = suite or find_checkout(Path.cwd())
    if root is None:
        raise click.UsageError(NO_CHECKOUT.format(start=Path.cwd()))
    root = root.resolve()
    clones = list(clones)
    try:  # bad options fail once, before any grading
        catalog, _, _ = check_request(root.resolve(), tuple(katas), points_spec)
    except GradeProblem as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        click.echo(f"dojo grade-many: {exc}", err=True)
        raise SystemExit(CANNOT_GRADE) from None

    pristine = manifest.file_hashes(root)
    poisoned: list[str] = []  # set once: the upstream checkout changed

    def one(pair: tuple[str, Path]) -> roster.Entry:
        name, clone = pair
        if poisoned:
            return roster.Entry(name, str(clone), problem=NOT_GRADED_UPSTREAM)
        try:
            options = _options(
                _solution_of(clone), root, True, katas, points_spec, test_timeout, kata_timeout, memory_mb
            )
            entry = roster.Entry(name, str(clone), grade=run_grade(options))
        except Exception as exc:  # noqa: BLE001 - one clone never takes the roster down
            entry = roster.Entry(name, str(clone), problem=_reason(exc))
        changed = manifest.differences(pristine, manifest.file_hashes(root))
        if changed and not poisoned:
            poisoned.append(UPSTREAM_CHANGED.format(root=root, clone=name, files=", ".join(changed[:5])))
            click.echo(poisoned[0], err=True)
        return entry

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        entries = list(pool.map(one, zip(_names(clones), clones, strict=True)))
    cols = roster.columns(catalog, list(katas))
    for entry in entries:
        if entry.grade is not None:
            click.echo(
                f"{entry.name}: {entry.grade.score:g}/{entry.grade.max_score:g} points ({entry.grade.status})"
            )
        else:
            click.echo(f"{entry.name}: cannot grade: {entry.problem}")
        if json_dir is not None and entry.grade is not None:
            _write(json_dir / f"{entry.name.replace('/', '_')}.json", report.to_json(entry.grade))
    if csv_path:
        _write(csv_path, roster.to_csv(entries, cols))
    if markdown_path:
        _write(markdown_path, roster.to_markdown(entries, cols))
    if not csv_path and not markdown_path:
        click.echo(roster.to_markdown(entries, cols))
    if poisoned:
        click.echo(poisoned[0], err=True)  # again, last: it must not scroll away
        raise SystemExit(CANNOT_GRADE)
    if any(e.grade is None or e.grade.status == GRADE_ERROR for e in entries):
        raise SystemExit(CANNOT_GRADE)
    # ALL_PASSED already means every stage of every kata passed.
    raise SystemExit(
        GRADED_ALL_PASS
        if all(e.grade is not None and e.grade.status == ALL_PASSED for e in entries)
        else GRADED_NOT_ALL
    )


def _reason(exc: BaseException) -> str:
    """One line for why a clone could not be graded."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def main() -> None:  # pragma: no cover - for ``python -m dojo.grading.cli`` until dojo.cli lands
    group = click.Group("dojo", commands={"grade": grade, "grade-many": grade_many})
    group()


if __name__ == "__main__":  # pragma: no cover
    main()
