"""How results look: rich renderables for each command's result.

Colour comes from rich, which drops it when ``NO_COLOR`` is set or the output
is not a terminal; every view reads the same without colour (words, not only
colours, carry the status).
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.progress_bar import ProgressBar
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from dojo.learner import api
from dojo.learner.compare import Comparison
from dojo.learner.hints import Hint
from dojo.learner.interview import ALL_PASSED, Note, Report, Started
from dojo.learner.runs import RunOutcome
from dojo.learner.state import KataProgress
from dojo.learner.status import next_step
from dojo.learner.tasks import TaskText
from dojo.results import Outcome, StageResult

STYLE = {Outcome.PASSED: "green", Outcome.FAILED: "red", Outcome.LOCKED: "yellow", Outcome.PARTIAL: "yellow"}
CHANGED = ", code changed since"


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def result_text(result: StageResult, changed: bool = False) -> Text:
    words = result.describe() + (CHANGED if changed and result.outcome == Outcome.PASSED else "")
    return Text(words, style=STYLE.get(result.outcome, "dim"))


def when_text(result: StageResult) -> str:
    """When a verdict was seen, as the learner's clock reads it (UTC): ``2026-01-31 10:12``."""
    return result.at[:16].replace("T", " ") if result.at else ""


def stage_bar(p: KataProgress, width: int = 30) -> Table:
    """A progress bar across every stage of the kata: those the latest run passed."""
    passed = p.highest_passed()
    grid = Table.grid(padding=(0, 1))
    grid.add_row(
        Text("Progress"),
        ProgressBar(total=p.last_stage, completed=passed, width=width),
        Text(f"{passed} of {p.last_stage} stages pass"),
    )
    return grid


def status_table(
    progresses: list[KataProgress],
    interviews: dict[str, int] | None = None,
    not_started: tuple[str, ...] = (),
) -> Group:
    """Per stage, the latest verdict of a full run (or a failure), when, and on which code."""
    interviews = interviews or {}
    table = Table(title="kata-dojo status", title_justify="left")
    table.add_column("Kata")
    table.add_column("Stage", justify="right")
    table.add_column("Title")
    table.add_column("Latest verdict")
    table.add_column("When (UTC)")
    for p in progresses:
        for stage in p.kata.stages:
            shown = p.shown(stage)
            words = result_text(shown, p.changed_since(stage))
            if stage == 1 and not p.ran and p.kata.name in not_started:
                words = Text(str(Outcome.NOT_STARTED), style="dim")
            table.add_row(
                p.kata.name if stage == 1 else "",
                str(stage),
                p.kata.stage_title(stage),
                words,
                when_text(shown),
                end_section=stage == p.last_stage,
            )
    steps = [Text(f"{p.kata.name}: {next_step(p, interviews.get(p.kata.name))}") for p in progresses]
    return Group(table, *steps)


def run_summary(outcome: RunOutcome, p: KataProgress) -> Group:
    """A compact summary of a run: each stage, the first failure, the progress bar."""
    kata = outcome.kata
    lines: list[RenderableType] = []
    grid = Table.grid(padding=(0, 2))
    for stage in kata.stages:
        ran = outcome.results.stages.get(stage)
        grid.add_row(
            f"stage {stage}", kata.stage_title(stage), result_text(ran if ran is not None else p.shown(stage))
        )
    lines.append(grid)
    for stage in sorted(outcome.results.stages):
        note = outcome.results.stages[stage].note()
        if note:
            lines.append(Text(note, style="yellow"))
    first = outcome.first_failure()
    if first is not None:
        stage, failure = first
        lines.append(Text(f"First failure (stage {stage}): {failure.get('test', '?')}", style="bold"))
        lines.append(Text(f"  {failure.get('message', '')}", style="red"))
    elif outcome.passed:
        passing = "Stage 1 passes." if outcome.stage == 1 else f"Stages 1 to {outcome.stage} pass."
        lines.append(Text(passing, style="green"))
    elif not outcome.results.stages:
        lines.append(
            Text(
                f"No tests ran for {kata.name} (is there a stages/stage1/test_{kata.name}.py?)",
                style="yellow",
            )
        )
    lines.append(stage_bar(p))
    lines.append(Text(next_step(p)))
    return Group(*lines)


def task_view(task: TaskText, terminal: bool) -> RenderableType:
    header = Text(
        f"{task.kata.name}, stage {task.stage}: {task.title}  "
        f"({task.path.relative_to(task.kata.folder.parent.parent)})",
        style="bold",
    )
    body = Markdown(task.text) if terminal else Text(task.text.rstrip("\n"))
    return Group(header, Text(""), body)


def hints_view(shown: list[Hint], kata_name: str, stage: int) -> Group:
    """The hints of the stage already revealed, none more."""
    if not shown:
        return Group(
            Text(
                f"No hint of stage {stage} of {kata_name} revealed yet; "
                f"dojo hint {kata_name} shows the first."
            )
        )
    parts: list[RenderableType] = []
    for hint in shown:
        parts.append(
            Text(f"Hint {hint.number} of {hint.total} for stage {hint.stage} of {kata_name}:", style="bold")
        )
        parts.append(Text(f"  {hint.text}"))
    if not shown[-1].last:
        parts.append(Text(f"(dojo hint {kata_name} reveals the next)", style="dim"))
    return Group(*parts)


def hint_view(hint: Hint) -> Group:
    tail = "that was the last hint" if hint.last else f"dojo hint {hint.kata.name} shows the next"
    return Group(
        Text(f"Hint {hint.number} of {hint.total} for stage {hint.stage} of {hint.kata.name}:", style="bold"),
        Text(f"  {hint.text}"),
        Text(f"({tail})", style="dim"),
    )


def note_view(note: Note) -> Text:
    name = note.kata.name
    if note.kind == "passed":
        last = len(note.kata.stage_titles)
        unlocked = "" if note.stage >= last else f"; stage {note.stage + 1} is unlocked: dojo task {name}"
        return Text(
            f"interview: stage {note.stage} of {name} passed at {note.at} into the round{unlocked}",
            style="green",
        )
    return Text(
        f"interview of {name} is over ({note.reason}); the report: dojo interview {name} --report",
        style="bold",
    )


def started_view(started: Started) -> Text:
    name = started.kata.name
    lines = [
        f"Interview of {name} started at {started.started_at:%H:%M:%S} UTC: "
        f"{started.minutes} minutes, ends at {started.ends_at:%H:%M:%S} UTC.",
        f"Run the tests with dojo run {name} (or dojo watch {name}); each stage's text appears as "
        f"the one before it passes. dojo interview {name} shows the time left; "
        f"dojo interview {name} --stop ends the round.",
    ]
    if started.already_passing:
        lines.append(
            f"Note: your code already passed stage {started.already_passing} before the round; "
            f"for a fresh start: dojo reset {name}"
        )
    return Text("\n".join(lines))


def report_view(report: Report) -> Group:
    kata = report.kata
    if report.ended_at is None:
        state = "running"
    else:
        state = f"ended ({report.reason})"
    head = Text(
        f"Interview report: {kata.name} ({kata.title}), {state}\n"
        f"Started {report.started_at:%Y-%m-%d %H:%M:%S} UTC, {report.minutes} minutes; "
        f"stages reached: {report.reached} of {len(kata.stage_titles)}",
        style="bold",
    )
    table = Table(title="Stages", title_justify="left")
    for column in ("Stage", "Title", "Passed at", "Time on stage", "Test runs", "Hints"):
        table.add_column(column, justify="right" if column in ("Stage", "Test runs", "Hints") else "left")
    for line in report.stages:
        took: str | None  # a passed stage's time may be unknown: an empty cell
        if line.passed_at is None and line.took is None:
            passed, took = "-", "-"
        elif line.passed_at is None:
            passed, took = "not passed", f"{line.took} (unfinished)"
        else:
            passed, took = line.passed_at, line.took
        table.add_row(str(line.stage), line.title, passed, took, str(line.runs), str(line.hints))
    parts: list[RenderableType] = [head, table, api_view(report)]
    if report.reason == ALL_PASSED:
        parts.append(Text(f"Next: dojo compare {kata.name} shows the reference and a benchmark."))
    return Group(*parts)


def api_view(report: Report) -> Group:
    lines: list[RenderableType] = [Text("API stability", style="bold underline")]
    if 1 not in report.recorded:
        lines.append(Text("  No API recorded: stage 1 never passed in this round."))
        return Group(*lines)
    lines.append(
        Text(
            f"  Public API recorded at the first pass of stage{'s' if len(report.recorded) > 1 else ''} "
            f"{', '.join(map(str, report.recorded))}; "
            f"changes since stage 1: {report.additive} additive, {report.breaking} breaking."
        )
    )
    for stage, problem in sorted(report.problems.items()):
        lines.append(Text(f"  stage {stage}: the API could not be read: {problem}", style="yellow"))
    for stage, changes in sorted(report.changes.items()):
        if not changes:
            lines.append(Text(f"  stage {stage}: no change"))
            continue
        lines.append(Text(f"  stage {stage}:"))
        for change in changes:
            style = "red" if change.kind == api.BREAKING else "green"
            lines.append(Text(f"    {change.kind:<8}  {change.where}: {change.what}", style=style))
    if report.breaking:
        lines.append(
            Text(
                "  A breaking change means code written against your stage 1 API stops "
                "working: in a real round, that costs points.",
                style="dim",
            )
        )
    elif len(report.recorded) > 1:
        lines.append(
            Text("  Your stage 1 design survived: every later stage only added to it.", style="green")
        )
    return Group(*lines)


def compare_view(result: Comparison, terminal: bool) -> Group:
    kata = result.kata
    parts: list[RenderableType] = [
        Text(f"{kata.name}, stage {result.stage}: your code beside the reference", style="bold")
    ]
    for d in result.diffs:
        if not d.lines:
            parts.append(Text(f"{d.name}: identical to the reference"))
        elif terminal:
            parts.append(Syntax("\n".join(d.lines), "diff", theme="ansi_dark", word_wrap=True))
        else:
            parts.append(Text("\n".join(d.lines)))
    if result.bench_note:
        parts.append(Text(result.bench_note, style="yellow"))
    if result.bench:
        table = Table(
            title=f"Benchmark: the same workload ({result.ops:,} operations), best of a "
            f"few runs, measured now on this machine",
            title_justify="left",
        )
        table.add_column("Implementation")
        table.add_column("ops/s", justify="right")
        table.add_column("vs yours", justify="right")
        table.add_column("Note")
        for row in result.bench:
            rate = f"{row.ops_per_second:,.0f}" if row.ops_per_second else "-"
            ratio = f"{row.ratio:.2f}x" if row.ratio else "-"
            table.add_row(row.name, rate, ratio, row.note)
        parts.append(table)
        parts.append(
            Text(
                "Ratios are what to read: all ran the same operations in one process, "
                "interleaved; on a busy machine, differences under about 25% are noise.",
                style="dim",
            )
        )
    return Group(*parts)
