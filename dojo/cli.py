"""The learner's command line, ``dojo``: thin wiring over :mod:`dojo.learner`.

Each command finds the repository, folds any new test run into the progress
(:func:`dojo.learner.interview.observe`), calls one function that returns a
result, and prints it. Exit codes: 0 ok, 1 tests failing (or a stage not yet
passed), 2 usage error (unknown kata or stage, no repository, bad option).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.text import Text

from dojo import scaffold, stubs
from dojo.catalog import Kata
from dojo.learner import compare as compare_
from dojo.learner import hints, runs, state, tasks, views
from dojo.learner import interview as interview_
from dojo.learner import reset as reset_
from dojo.learner import status as status_
from dojo.learner.workspace import FAILING, OK, USAGE, Problem, Workspace
from dojo.live import LINE as LIVE

EXIT_CODES = "Exit codes: 0 ok, 1 tests failing (or a stage not yet passed), 2 usage error."
UNKNOWN_COMMAND = "no such command {name!r}; the commands are: {commands}"
USAGE_LINE = "dojo: {message} (see: {command} --help)"
RESET_IN_INTERVIEW = (
    "an interview of {kata} is running: a reset would leave it behind; "
    "end it first (dojo interview {kata} --stop), then reset"
)
# The instructors' commands, loaded only when asked for: they bring pytest and the
# grader, which a learner's `dojo status` should not wait for.
GRADING_COMMANDS = {"grade": "grade", "grade-many": "grade_many"}  # name -> dojo.grading.cli attribute


class DojoGroup(click.Group):
    """A group whose commands' :class:`Problem` becomes one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Problem as exc:
            click.echo(f"dojo: {exc}", err=True)
            ctx.exit(exc.code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *GRADING_COMMANDS])

    def get_command(self, ctx: click.Context, name: str):
        if name in GRADING_COMMANDS:
            from dojo.grading import cli as grading

            return getattr(grading, GRADING_COMMANDS[name])
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            commands = ", ".join(self.list_commands(ctx))
            raise click.UsageError(UNKNOWN_COMMAND.format(name=name, commands=commands), ctx)
        return super().resolve_command(ctx, args)


def open_workspace() -> Workspace:
    """The repository around the working folder, with any new run folded in."""
    ws = Workspace.discover()
    out = views.console()
    for note in interview_.observe(ws):
        out.print(views.note_view(note))
    return ws


def pick(ws: Workspace, name: str | None) -> Kata:
    """``name``'s kata; without one, the kata run most recently (else the first)."""
    if name is not None:
        return ws.kata(name)
    ran = [p for p in status_.status(ws) if p.ran]
    if ran:
        return max(ran, key=lambda p: p.finished_at or "").kata
    return ws.kata(ws.catalog.names()[0] if ws.catalog.katas else None)


@click.group(cls=DojoGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
def cli() -> None:
    """kata-dojo: progress, stage texts, hints, watch mode, interviews; grading for instructors.

    \b
    Example:
      dojo status                 where you stand, kata by stage
      dojo task lru_cache         the text of the stage to work on
      dojo watch lru_cache        rerun the tests whenever you save
      dojo grade --json grade.json   grade every kata (instructors, CI)

    Plain `pytest stages/stage1` works too; dojo reads its results.
    """


@cli.command()
@click.argument("kata", required=False)
def status(kata: str | None) -> None:
    """A table, kata by stage, of each stage's latest verdict, and the next step.

    A stage's verdict is its latest full run that passed it, or a run in
    which it failed; a later run of fewer stages keeps it, and a pass seen on
    code that has changed since says so. Plain pytest runs count alike.

    \b
    Example:
      $ dojo status lru_cache
      lru_cache  1  Basic operations     passed (12 of 12)   2026-01-31 10:12
                 2  From scratch, O(1)   failed (2 of 9)     2026-01-31 10:30
      ...
    """
    ws = open_workspace()
    progresses = status_.status(ws, kata)
    rounds = {
        p.kata.name: interview_.unlocked_stage(ws, p.kata)
        for p in progresses
        if interview_.running(ws, p.kata) is not None
    }
    quiet = tuple(stubs.not_started(ws.catalog, ws.solutions()))
    views.console().print(views.status_table(progresses, rounds, quiet))


@cli.command()
@click.argument("kata")
@click.option("--stage", type=int, help="an unlocked stage (default: the current one)")
def task(kata: str, stage: int | None) -> None:
    """The text of the current stage of KATA (or of --stage N, once it is unlocked).

    A locked stage's text is not shown: pass the stages before it first.
    The texts are in the repository; the reveal is only for focus.

    \b
    Example:
      $ dojo task lru_cache --stage 2
      lru_cache, stage 2: From scratch, O(1)  (katas/lru_cache/tasks/stage2.md)
    """
    ws = open_workspace()
    out = views.console()
    out.print(views.task_view(tasks.task(ws, ws.kata(kata), stage), out.is_terminal))


@cli.command()
@click.argument("kata")
@click.option(
    "--all",
    "--list",
    "show_all",
    is_flag=True,
    help="show again the hints already revealed for the current stage (none more)",
)
def hint(kata: str, show_all: bool) -> None:
    """The next hint for the current stage of KATA (the design nudge first).

    Each call shows one more; the count is remembered in .dojo/hints.json.
    --all shows again those already revealed, without revealing another.

    \b
    Example:
      $ dojo hint lru_cache
      Hint 1 of 3 for stage 1 of lru_cache:
        ...
      $ dojo hint lru_cache --all
    """
    ws = open_workspace()
    chosen = ws.kata(kata)
    if show_all:
        stage, shown = hints.revealed(ws, chosen)
        views.console().print(views.hints_view(shown, chosen.name, stage))
        return
    views.console().print(views.hint_view(hints.next_hint(ws, chosen)))


@cli.command()
@click.argument("kata", required=False)
@click.option("--stage", type=int, help="run stages 1..N (default: the current stage)")
@click.option(
    "--solution",
    type=click.Path(exists=True, file_okay=False),
    help="a folder laid out like katas/ to test instead of yours",
)
@click.option("--verbose", "-v", is_flag=True, help="show pytest's own output as well")
def run(kata: str | None, stage: int | None, solution: str | None, verbose: bool) -> None:
    """Run the current stage of KATA (with the stages before it) and sum it up.

    The same as `pytest stages/stageN --kata KATA`, shown compactly: each
    stage's result, the first failure, a progress bar and the next step.
    Without KATA: the kata you ran last. Exit code 0 when every stage run
    passes, 1 when a test fails.

    \b
    Example:
      $ dojo run lru_cache
      stage 1  Basic operations    failed (3 of 58)
      stage 2  From scratch, O(1)  locked
      ...
      First failure (stage 1): stages/stage1/test_lru_cache.py::test_...
    """
    ws = open_workspace()
    chosen = pick(ws, kata)
    stage = ws.check_stage(chosen, stage) if stage else interview_.unlocked_stage(ws, chosen)
    out = views.console()

    def as_it_comes(line: str) -> None:
        """pytest's output as it is written (-v), or else each failure's line the moment it happens."""
        if verbose:
            out.print(line, markup=False, highlight=False)
        elif LIVE.match(line):
            out.print(Text(line, style="red"))

    outcome = runs.run_stage(
        ws,
        chosen,
        stage,
        solution=Path(solution) if solution else None,
        extra=() if verbose else ("--tb=no",),
        on_line=as_it_comes,
    )
    notes = interview_.observe(ws)
    progress = state.kata_progress(ws, chosen)
    if solution is not None or not progress.ran:  # not the learner's code: this run only
        progress = state.progress_of(chosen, [(state.now(), outcome.results)])
    out.print(views.run_summary(outcome, progress))
    for note in notes:
        out.print(views.note_view(note))
        if note.kind == "passed" and note.stage + 1 == interview_.unlocked_stage(ws, chosen):
            out.print(views.task_view(tasks.read(ws, chosen, note.stage + 1), out.is_terminal))
    sys.exit(outcome.exit_code)


@cli.command()
@click.argument("kata", required=False)
def watch(kata: str | None) -> None:
    """Rerun the current stage of KATA whenever a file of katas/KATA/ changes.

    Shows each stage's result, the first failure and a progress bar; keys:
    h (next hint), t (task text), r (rerun), q (quit). Ctrl-C also quits.

    \b
    Example:
      $ dojo watch lru_cache
      dojo watch: lru_cache (LRU cache), run 1 at 10:02:13; watching katas/lru_cache
      stage 1  Basic operations  failed (3 of 12)
      ...
    """
    from dojo.learner import watch as watch_

    ws = open_workspace()
    sys.exit(watch_.watch(ws, pick(ws, kata), views.console()))


@cli.command()
@click.argument("kata")
@click.option("--stage", type=int, help="a stage you have passed (default: the best one)")
@click.option("--no-bench", is_flag=True, help="only the diff, no benchmark")
def compare(kata: str, stage: int | None, no_bench: bool) -> None:
    """Your code beside the reference of a stage you passed, and a benchmark.

    The benchmark runs the workload of benchmarks/compare/KATA.py on your code, the
    reference and well-known libraries, in one process: ops/s and ratios.
    A stage you have not passed is refused (no spoilers).

    \b
    Example:
      $ dojo compare lru_cache --stage 2
      lru_cache, stage 2: your code beside the reference
      --- yours: katas/lru_cache/lru_cache.py
      +++ reference: reference/stage2/lru_cache/lru_cache.py
      ...
    """
    ws = open_workspace()
    out = views.console()
    result = compare_.compare(ws, ws.kata(kata), stage, bench=not no_bench)
    out.print(views.compare_view(result, out.is_terminal))


@cli.command()
@click.argument("kata")
@click.option(
    "--minutes", type=click.IntRange(1, 24 * 60), default=90, show_default=True, help="length of the round"
)
@click.option("--stop", is_flag=True, help="end the running interview and show the report")
@click.option("--report", is_flag=True, help="show the report of the latest interview")
@click.option("--new", is_flag=True, help="start a new round after a finished one")
def interview(kata: str, minutes: int, stop: bool, report: bool, new: bool) -> None:
    """A timed round of KATA, as in a real interview, and its report.

    The first call starts the clock and shows stage 1's text; later calls
    show the time left and the stage now unlocked. The round ends when the
    time is up, the last stage passes, or with --stop; the report gives time
    and test runs per stage, hints used, and how your stage 1 API survived
    (each change additive or breaking).

    \b
    Example:
      $ dojo interview lru_cache --minutes 90
      Interview of lru_cache started at 10:00:00 UTC: 90 minutes, ends at 11:30:00 UTC.
      $ dojo interview lru_cache --stop
      Interview report: lru_cache (LRU cache), ended (stopped)
    """
    ws = open_workspace()
    chosen = ws.kata(kata)
    out = views.console()
    if stop:
        interview_.stop(ws, chosen)
        out.print(views.report_view(interview_.report(ws, chosen)))
        return
    if report:
        out.print(views.report_view(interview_.report(ws, chosen)))
        return
    current = interview_.record(ws, chosen)
    if current is not None and current.get("ended_at") and not new:
        out.print(views.report_view(interview_.report(ws, chosen)))
        out.print(f"This round is over; a new one: dojo interview {chosen.name} --new")
        return
    if current is None or current.get("ended_at") or new:
        started = interview_.start(ws, chosen, minutes)
        out.print(views.started_view(started))
        out.print(views.task_view(tasks.read(ws, chosen, 1), out.is_terminal))
        return
    now = state.now()
    ends = state.parse_time(current["ends_at"])
    reached = interview_.derive(chosen, current, ws=ws).reached
    stage = min(reached + 1, len(chosen.stage_titles))
    out.print(
        f"Interview of {chosen.name}: {interview_.elapsed(now, ends)} left; "
        f"stages passed: {reached} of {len(chosen.stage_titles)}; "
        f"working on stage {stage}."
    )
    out.print(views.task_view(tasks.read(ws, chosen, stage), out.is_terminal))


@cli.command()
@click.argument("kata")
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
def reset(kata: str, yes: bool) -> None:
    """Put back the stub of KATA, after a backup of your files that it names.

    \b
    Example:
      $ dojo reset lru_cache
      Replace katas/lru_cache/ with the stub? Your files go to a backup first. [y/N]: y
      Backed up katas/lru_cache/ to .dojo/backups/lru_cache-20260131-100000
    """
    ws = open_workspace()
    chosen = ws.kata(kata)
    if interview_.running(ws, chosen) is not None:
        raise Problem(RESET_IN_INTERVIEW.format(kata=chosen.name), USAGE)
    folder = ws.show(ws.solutions() / chosen.name)
    if not yes and not click.confirm(
        f"Replace {folder}/ with the stub? Your files go to a backup first.", default=False
    ):
        raise Problem("nothing changed", FAILING)
    result = reset_.reset(ws, chosen)
    out = views.console()
    out.print(f"Backed up {folder}/ to {ws.show(result.backup)}")
    for path in result.restored:
        out.print(f"restored {ws.show(path)}")
    for path in result.moved_out:
        out.print(f"moved out {ws.show(path)} (it is in the backup)")
    if not result.restored and not result.moved_out:
        out.print(f"{folder}/ already was the stub.")
    out.print(f"Progress and hints of {chosen.name} start afresh: dojo task {chosen.name}")


@cli.command()
@click.argument("kata")
@click.option("--title", help="the kata's title (default: from its name)")
@click.option("--class", "class_name", help="the class learners write (default: KATA in CamelCase)")
@click.option("--stage", "stages", multiple=True, help="a stage's title, once per stage, in order")
def new(kata: str, title: str | None, class_name: str | None, stages: tuple[str, ...]) -> None:
    """Scaffold a new kata (for kata authors): declaration, stub, texts, hints, suites, references, zoo.

    Every file says what is left to write, and the curriculum tests fail on
    each until it is written. Nothing is overwritten: if a file exists, no
    file is written.

    \b
    Example:
      $ dojo new rate_limiter --title "Rate limiter" --stage "Token bucket" --stage "Per-key limits"
    """
    try:
        made = scaffold.NewKata.make(kata, title, class_name, stages)
        written = scaffold.scaffold(made, Path.cwd())
    except scaffold.ScaffoldError as exc:
        raise Problem(str(exc), USAGE) from None
    out = views.console()
    root = written[0].parents[1]
    for path in written:
        out.print(f"wrote {path.relative_to(root)}")
    out.print(
        f"Next: write the stage texts and hints, then the suites and references stage by stage;"
        f" `pytest tests/test_curriculum.py -k {made.name}` says what is left."
    )


# Grading lives in its own package; the group only wires its commands in.


def main() -> None:
    """The ``dojo`` console script: every usage error as one line, exit code 2."""
    try:
        result = cli.main(prog_name="dojo", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "dojo"
        click.echo(USAGE_LINE.format(message=exc.format_message(), command=command), err=True)
        sys.exit(USAGE)
    except click.Abort:
        click.echo("dojo: aborted", err=True)
        sys.exit(FAILING)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else OK)


if __name__ == "__main__":
    main()
