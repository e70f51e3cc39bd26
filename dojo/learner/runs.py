"""Run a kata's stage suites exactly as a learner would, and read the results.

``pytest stages/stageN --kata K`` in a subprocess from the repository root
(it brings stages 1..N-1 along first), with ``--dojo-json`` so the results
come back as data rather than as text to scrape.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dojo import layout
from dojo.catalog import Kata
from dojo.learner.workspace import FAILING, OK, USAGE, Workspace
from dojo.results import KataResult, Outcome

PYTEST_USAGE = 4


@dataclass
class RunOutcome:
    """One run of stages 1..``stage`` of a kata."""

    kata: Kata
    stage: int
    returncode: int
    results: KataResult
    output: str = ""

    @property
    def passed(self) -> bool:
        """Every stage up to the one asked for passed."""
        return all(self.results.result(s).outcome == Outcome.PASSED for s in range(1, self.stage + 1))

    @property
    def exit_code(self) -> int:
        if self.returncode == PYTEST_USAGE:
            return USAGE
        return OK if self.passed else FAILING

    def first_failure(self) -> tuple[int, dict] | None:
        """The first failing test of the earliest failing stage, with its stage."""
        for stage in self.kata.stages:
            failures = self.results.result(stage).failures
            if failures:
                return stage, failures[0]
        return None


def command(kata: Kata, stage: int, solution: Path | None = None) -> list[str]:
    """The pytest command line for stages 1..``stage`` of ``kata``."""
    line = [
        sys.executable,
        "-m",
        "pytest",
        layout.stage_arg(stage),
        "--kata",
        kata.name,
        "-p",
        "no:cacheprovider",
    ]
    if solution is not None:
        line += ["--solution", str(solution.resolve())]
    return line


def run_stage(
    ws: Workspace,
    kata: Kata,
    stage: int,
    *,
    solution: Path | None = None,
    extra: tuple[str, ...] = (),
    on_line: Callable[[str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RunOutcome:
    """Run stages 1..``stage`` of ``kata``, quietly, and collect what it printed.

    With ``on_line``, each line of the output is passed to it as it comes
    (``dojo watch`` shows failures while the run goes on). With ``cancel``,
    asked every tenth of a second, the run is stopped as soon as it says so,
    and ``Cancelled`` is raised (``dojo watch``: a newer save makes it stale).
    """
    with tempfile.TemporaryDirectory(prefix="dojo-run-") as tmp:
        report = Path(tmp) / "results.json"
        line = [*command(kata, stage, solution), "--dojo-json", str(report), *extra, "-q"]
        if on_line is None and cancel is None:
            proc = subprocess.run(line, cwd=ws.root, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            returncode, output = proc.returncode, (proc.stdout or "") + (proc.stderr or "")
        else:
            returncode, output = _streamed(line, ws.root, on_line or _ignore, cancel or _never)
        try:
            results = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results = {}
    entry = results.get("katas", {}).get(kata.name, {}) if isinstance(results, dict) else {}
    found = KataResult.from_json(kata.name, kata.stages, entry if isinstance(entry, dict) else {})
    return RunOutcome(kata, stage, returncode, found, output)


class Cancelled(Exception):
    """A streamed run was stopped before its end, as its ``cancel`` asked."""


def _ignore(line: str) -> None:
    pass


def _never() -> bool:
    return False


def _streamed(
    line: list[str], cwd: Path, on_line: Callable[[str], None], cancel: Callable[[], bool]
) -> tuple[int, str]:
    """Run ``line``, passing each output line to ``on_line``; its exit code and whole output."""
    lines: list[str] = []
    arrived: queue.Queue[str | None] = queue.Queue()
    env = dict(os.environ, PYTHONUNBUFFERED="1")  # each line as it is written, not when a buffer fills
    proc = subprocess.Popen(
        line,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",  # a solution may write any bytes to the terminal
    )

    def read() -> None:  # a thread, so that the loop below can ask cancel() while no line comes
        assert proc.stdout is not None  # asked for above
        try:
            for text in proc.stdout:
                arrived.put(text)
        finally:
            arrived.put(None)  # the end, however reading ended: the loop below must not wait forever

    threading.Thread(target=read, name="dojo-run-output", daemon=True).start()
    try:
        while True:
            try:
                text = arrived.get(timeout=0.1)
            except queue.Empty:
                text = ""
            if text is None:
                return proc.wait(), "".join(lines)
            if text:
                lines.append(text)
                on_line(text.rstrip("\n"))
            if cancel():
                raise Cancelled
    except BaseException:  # cancelled, or Ctrl-C in dojo watch: the run must not outlive it
        proc.kill()
        proc.wait()
        raise
