"""The ``dojo`` command end to end, in a temporary copy of the repository.

The copy holds a stand-in kata, ``tally`` (three stages, tiny suites), and a
second one, ``echo``, so the tests depend neither on the real katas' suites
(still being written, and slower) nor on there being exactly one kata: the
command must be generic over whatever ``katas/katas.toml`` declares. The
copy is written by ``tests/cli_standin.py``; the ``repo`` fixture gives each
test a fresh one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dojo.cli import cli
from tests.cli_standin import REFERENCE, STUB


def dojo(*args: str, input: str | None = None, now: str | None = None):
    """Run ``dojo ARGS`` in-process (click's runner) in the working folder."""
    env = {"DOJO_NOW": now} if now else {}
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


_runs = iter(range(1, 10_000))


def stage_entry(status: str) -> dict:
    passed = status == "passed"
    return {"status": status, "complete": True, "total": 2, "ran": 2, "passed": 2 if passed else 1,
            "failed": 0 if passed else 1, "skipped_by_solution": 0, "locked": 0, "not_run": 0,
            "note": None,
            "failures": [] if passed else [{"test": "t::test_x", "message": "assert 1 == 2"}]}


def record_run(root: Path, passed: int, failed: int | None = None, kata: str = "tally",
               when: str | None = None) -> None:
    """Append a run to ``.dojo/runs.jsonl`` as the plugin does after a run of the learner's code.

    Stages 1..``passed`` passed and ``failed`` (if any) failed. For tests about
    what commands do with results; the tests of ``dojo run`` and of plain
    ``pytest`` runs prove that real runs produce such lines.
    """
    stages = {str(s): stage_entry("passed") for s in range(1, passed + 1)}
    if failed is not None:
        stages[str(failed)] = stage_entry("failed")
    data = {"schema": "kata-dojo/run", "version": 1, "event": "run",
            "finished_at": when or f"2026-01-01T00:00:{next(_runs) % 60:02d}+00:00",
            "solution": str(root / "katas"), "not_started": [],
            "katas": {kata: {"highest_stage": passed, "fingerprint": None, "stages": stages}}}
    (root / ".dojo").mkdir(exist_ok=True)
    with open(root / ".dojo" / "runs.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps(data) + "\n")


def solve(root: Path, stage: int, source: str | None = None) -> None:
    """Put the reference of ``stage`` (or ``source``) in the learner's place."""
    (root / "katas" / "tally" / "tally.py").write_text(source or REFERENCE[stage])


# --- errors and help ---------------------------------------------------------

@pytest.mark.parametrize("command", ["status", "task", "hint", "run", "watch", "compare",
                                     "interview", "reset"])
def test_every_command_has_help_with_an_example(repo, command):
    result = dojo(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output, f"dojo {command} --help:\n{result.output}"


def test_an_unknown_kata_is_one_line_listing_the_katas_with_exit_code_2(repo):
    for command in ("task", "hint", "compare", "interview", "reset", "status", "run"):
        result = dojo(command, "nope")
        assert result.exit_code == 2, (command, result.output)
        assert result.output == "dojo: unknown kata 'nope'; the katas are: tally, echo\n"


def test_an_unknown_stage_is_one_line_listing_the_stages_with_exit_code_2(repo):
    result = dojo("task", "tally", "--stage", "9")
    assert result.exit_code == 2
    assert result.output == "dojo: tally has no stage 9; its stages are: 1, 2, 3\n"


def test_outside_a_repository_the_error_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = dojo("status")
    assert result.exit_code == 2
    assert result.output.startswith("dojo: no katas/katas.toml in ")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["nope"], "dojo: no such command 'nope'; the commands are: compare, grade, "
                   "grade-many, hint, interview, new, reset, run, status, task, watch (see: dojo --help)"),
        (["task"], "dojo: Missing argument 'KATA'. (see: dojo task --help)"),
        (["task", "tally", "--stage", "two"],
         "dojo: Invalid value for '--stage': 'two' is not a valid integer. (see: dojo task --help)"),
        (["task", "nope"], "dojo: unknown kata 'nope'; the katas are: tally, echo"),
    ],
)
def test_the_console_script_gives_every_usage_error_as_one_line_and_exit_code_2(repo, args, line):
    proc = subprocess.run([sys.executable, "-m", "dojo.cli", *args], cwd=repo,
                          capture_output=True, text=True)
    assert (proc.returncode, proc.stderr, proc.stdout) == (2, line + "\n", "")


def test_output_that_is_not_a_terminal_has_no_colour_even_without_no_color(repo, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    record_run(repo, passed=1, failed=2)
    proc = subprocess.run([sys.executable, "-m", "dojo.cli", "status"], cwd=repo,
                          capture_output=True, text=True)
    assert "failed (1 of 2)" in proc.stdout
    assert "\x1b[" not in proc.stdout


def test_commands_work_from_a_subfolder(repo, monkeypatch):
    monkeypatch.chdir(repo / "katas" / "tally" / "tasks")
    result = dojo("task", "tally")
    assert result.exit_code == 0, result.output
    assert "count keys with add() and count()" in result.output


# --- run and status ----------------------------------------------------------

def test_status_before_any_run_says_not_run_and_what_to_do(repo):
    result = dojo("status")
    assert result.exit_code == 0
    assert re.search(r"tally\s+│\s+1 │ Counting\s+│ not run", result.output), result.output
    assert "tally: Next: read the task (dojo task tally), then run the tests (dojo run tally)" in result.output


def test_the_stub_fails_stage_1_and_status_shows_it(repo):
    run = dojo("run", "tally")
    assert run.exit_code == 1
    result = dojo("status", "tally")
    assert re.search(r"1 │ Counting\s+│ failed \(2 of 2\)", result.output), result.output
    assert re.search(r"2 │ Totals\s+│ locked", result.output), result.output
    assert "make stage 1 pass (dojo task tally --stage 1)" in result.output
    assert "echo" not in result.output  # only the kata asked for


def test_a_plain_pytest_run_counts_like_dojo_run(repo):
    solve(repo, 1)
    proc = subprocess.run([sys.executable, "-m", "pytest", "stages/stage1", "--kata", "tally",
                           "-q", "-p", "no:cacheprovider"], cwd=repo, capture_output=True)
    assert proc.returncode == 0, proc.stdout.decode()
    result = dojo("status", "tally")
    assert re.search(r"1 │ Counting\s+│ passed \(2 of 2\)", result.output), result.output
    assert "Stage 1 passed. Stage 2 (Totals) is unlocked: dojo task tally" in result.output


def test_run_at_stage_2_brings_stage_1_and_exits_0_when_all_pass(repo):
    solve(repo, 2)
    assert dojo("run", "tally").exit_code == 0  # stage 1
    assert dojo("run", "tally").exit_code == 0  # now stage 2 is current
    result = dojo("status", "tally")
    assert re.search(r"2 │ Totals\s+│ passed \(2 of 2\)", result.output), result.output
    assert re.search(r"3 │ Removal\s+│ not run", result.output)


def test_run_accepts_another_solution_folder(repo, tmp_path):
    other = tmp_path / "other" / "tally"
    other.mkdir(parents=True)
    (other / "tally.py").write_text(REFERENCE[3])
    result = dojo("run", "tally", "--stage", "3", "--solution", str(other.parent))
    assert result.exit_code == 0, result.output
    assert re.search(r"stage 3\s+Removal\s+passed \(1 of 1\)", result.output), result.output
    assert not (repo / ".dojo" / "runs.jsonl").exists()  # not the learner's code: no progress


def test_a_corrupt_log_line_is_skipped_with_a_one_line_warning(repo):
    solve(repo, 1)
    record_run(repo, passed=1)
    with open(repo / ".dojo" / "runs.jsonl", "a") as log:
        log.write('{"event": "run", "katas": {"tal\n')
    result = CliRunner().invoke(cli, ["status", "tally"])
    assert result.exit_code == 0
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "1 unreadable line(s) skipped (line 2)" in warnings[0], result.output
    assert (repo / "katas" / "tally" / "tally.py").read_text() == REFERENCE[1]
    assert "passed (2 of 2)" in result.output  # the readable lines still count


# --- task texts --------------------------------------------------------------

def test_task_shows_stage_1_and_refuses_locked_stages(repo):
    result = dojo("task", "tally")
    assert result.exit_code == 0
    assert "tally, stage 1: Counting" in result.output
    assert "Stage 1: count keys" in result.output
    locked = dojo("task", "tally", "--stage", "2")
    assert locked.exit_code == 1
    assert locked.output == (
        "dojo: stage 2 of tally is locked: pass stage 1 first "
        "(its text: dojo task tally --stage 1)\n"
    )
    assert "add(key, n=1)" not in locked.output


def test_passing_a_stage_unlocks_the_next_text(repo):
    record_run(repo, passed=1)
    result = dojo("task", "tally")
    assert "tally, stage 2: Totals" in result.output and "add(key, n=1)" in result.output
    assert dojo("task", "tally", "--stage", "1").exit_code == 0
    assert dojo("task", "tally", "--stage", "3").exit_code == 1


# --- hints -------------------------------------------------------------------

def test_hints_come_one_at_a_time_in_order_and_are_remembered(repo):
    outputs = [dojo("hint", "tally").output for _ in range(4)]
    assert outputs[0].startswith("Hint 1 of 3 for stage 1 of tally:\n  Think about what you need")
    assert "Hint 2 of 3" in outputs[1] and "A dict maps keys" in outputs[1]
    assert "Hint 3 of 3" in outputs[2] and "dict.get" in outputs[2]
    assert "that was the last hint" in outputs[2]
    assert "Hint 3 of 3" in outputs[3]
    state = json.loads((repo / ".dojo" / "hints.json").read_text())
    assert state["katas"]["tally"] == {"1": 3}


def test_hints_follow_the_current_stage(repo):
    dojo("hint", "tally")
    record_run(repo, passed=1)
    assert "Hint 1 of 3 for stage 2 of tally" in dojo("hint", "tally").output


def test_a_stage_without_hints_is_a_one_line_error(repo):
    result = dojo("hint", "echo")
    assert result.exit_code == 2
    assert result.output.startswith("dojo: ") and result.output.count("\n") == 1


# --- compare -----------------------------------------------------------------

def test_compare_refuses_a_stage_not_yet_passed(repo):
    nothing = dojo("compare", "tally")
    assert nothing.exit_code == 1
    assert "no stage of tally has passed yet" in nothing.output and "no spoilers" in nothing.output
    record_run(repo, passed=1, failed=2)
    ahead = dojo("compare", "tally", "--stage", "2")
    assert ahead.exit_code == 1
    assert ahead.output == (
        "dojo: stage 2 of tally has not passed yet (the best so far is stage 1); "
        "its reference is shown only once it has (no spoilers)\n"
    )
    assert "total" not in ahead.output


def test_compare_shows_a_diff_and_a_benchmark_for_a_passed_stage(repo):
    source = REFERENCE[1].replace("self._counts", "self.seen")
    solve(repo, 1, source)
    record_run(repo, passed=1)
    result = dojo("compare", "tally")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "tally, stage 1: your code beside the reference" in out
    assert "--- yours: katas/tally/tally.py" in out
    assert "+++ reference: reference/stage1/tally/tally.py" in out
    assert "-        self.seen = {}" in out and "+        self._counts = {}" in out
    assert "Benchmark: the same workload (4,000 operations)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 4}
    assert re.search(r"│\s+[\d,]+ │\s+1\.00x │", rows["yours"]), out
    assert re.search(r"│\s+[\d,]+ │\s+\d+\.\d\dx │", rows["reference (stage 1)"]), out
    assert re.search(r"│\s+[\d,]+ │\s+\d+\.\d\dx │", rows["dict"]), out
    assert "not installed: pip install nosuchlib" in rows["nosuchlib"]


def test_compare_of_identical_code_says_so_and_can_skip_the_benchmark(repo):
    solve(repo, 1)
    record_run(repo, passed=1)
    result = dojo("compare", "tally", "--stage", "1", "--no-bench")
    assert "tally.py: identical to the reference" in result.output
    assert "Benchmark" not in result.output


# --- reset -------------------------------------------------------------------

def test_reset_asks_backs_up_and_restores_the_stub(repo):
    solve(repo, 2)
    record_run(repo, passed=2)
    dojo("hint", "tally")
    (repo / "katas" / "tally" / "helpers.py").write_text("X = 1\n")
    declined = dojo("reset", "tally", input="n\n")
    assert declined.exit_code == 1
    assert (repo / "katas" / "tally" / "tally.py").read_text() == REFERENCE[2]
    result = dojo("reset", "tally", input="y\n", now="2026-01-31T10:00:00+00:00")
    assert result.exit_code == 0, result.output
    assert "Backed up katas/tally/ to .dojo/backups/tally-20260131-100000" in result.output
    assert "restored katas/tally/tally.py" in result.output
    assert "moved out katas/tally/helpers.py (it is in the backup)" in result.output
    assert (repo / "katas" / "tally" / "tally.py").read_text() == STUB
    backup = repo / ".dojo" / "backups" / "tally-20260131-100000"
    assert (backup / "tally.py").read_text() == REFERENCE[2]
    assert (backup / "helpers.py").read_text() == "X = 1\n"
    assert "Progress and hints of tally start afresh" in result.output
    assert "tally, stage 1: Counting" in dojo("task", "tally").output
    assert "Hint 1 of 3 for stage 1" in dojo("hint", "tally").output
    again = dojo("reset", "tally", "--yes", now="2026-01-31T10:00:00+00:00")
    assert "katas/tally/ already was the stub." in again.output
    assert (repo / ".dojo" / "backups" / "tally-20260131-100000-2").is_dir()


def test_reset_outside_git_is_a_clear_error_that_touches_nothing(repo):
    shutil.rmtree(repo / ".git")
    solve(repo, 1)
    result = dojo("reset", "tally", "--yes")
    assert result.exit_code == 2
    assert result.output.startswith("dojo: cannot find the stub of tally: ")
    assert (repo / "katas" / "tally" / "tally.py").read_text() == REFERENCE[1]


# --- interview ---------------------------------------------------------------

T0 = "2026-01-31T10:00:00+00:00"


def at(minutes: int) -> str:
    return f"2026-01-31T{10 + minutes // 60:02d}:{minutes % 60:02d}:00+00:00"


def test_a_full_interview_with_time_travel(repo):
    start = dojo("interview", "tally", "--minutes", "60", now=T0)
    assert start.exit_code == 0, start.output
    assert "Interview of tally started at 10:00:00 UTC: 60 minutes, ends at 11:00:00 UTC." in start.output
    assert "Stage 1: count keys" in start.output  # stage 1's text
    assert "add(key, n=1)" not in start.output
    assert dojo("run", "tally", now=at(5)).exit_code == 1  # the stub
    dojo("hint", "tally", now=at(6))
    solve(repo, 1)
    passed = dojo("run", "tally", now=at(12))
    assert passed.exit_code == 0
    assert "interview: stage 1 of tally passed at 0:12:00 into the round; stage 2 is unlocked" in passed.output
    assert "add(key, n=1)" in passed.output  # the next stage's text, as the stage passes
    middle = dojo("interview", "tally", now=at(20))
    assert "Interview of tally: 0:40:00 left; stages passed: 1 of 3; working on stage 2." in middle.output
    solve(repo, 2)
    dojo("run", "tally", now=at(30))
    solve(repo, 3)
    final = dojo("run", "tally", now=at(41))
    assert "interview of tally is over (all stages passed)" in final.output
    report = dojo("interview", "tally", "--report", now=at(50)).output
    assert "Interview report: tally (Tally counter), ended (all stages passed)" in report
    assert "stages reached: 3 of 3" in report
    assert re.search(r"│\s+1 │ Counting\s+│ 0:12:00\s+│ 0:12:00\s+│\s+2 │\s+1 │", report), report
    assert re.search(r"│\s+2 │ Totals\s+│ 0:30:00\s+│ 0:18:00\s+│\s+1 │\s+0 │", report), report
    assert re.search(r"│\s+3 │ Removal\s+│ 0:41:00\s+│ 0:11:00\s+│\s+1 │\s+0 │", report), report
    assert "API stability" in report
    assert "changes since stage 1: 3 additive, 0 breaking." in report
    assert "additive  Tally.add: new optional parameter 'n'" in report
    assert "additive  Tally.total: new method total()" in report
    assert "additive  Tally.remove: new method remove(key)" in report
    assert "Your stage 1 design survived" in report


def test_an_interview_ends_when_time_is_up_and_later_passes_do_not_count(repo):
    dojo("interview", "tally", "--minutes", "30", now=T0)
    solve(repo, 1)
    late = dojo("run", "tally", now=at(45))
    assert "interview of tally is over (time up)" in late.output
    assert "stage 1 of tally passed" not in late.output
    report = dojo("interview", "tally", now=at(46)).output
    assert "ended (time up)" in report and "stages reached: 0 of 3" in report
    assert re.search(r"1 │ Counting\s+│ not passed\s+│ 0:30:00 \(unfinished\)", report), report
    assert "No API recorded: stage 1 never passed in this round." in report
    assert "a new one: dojo interview tally --new" in report
    again = dojo("interview", "tally", "--new", now=at(50))
    assert "Interview of tally started at 10:50:00 UTC" in again.output


def test_stop_ends_the_round_and_a_second_start_is_refused(repo):
    dojo("interview", "tally", now=T0)
    assert dojo("interview", "tally", "--new", now=at(1)).exit_code == 2
    stopped = dojo("interview", "tally", "--stop", now=at(3))
    assert stopped.exit_code == 0
    assert "ended (stopped)" in stopped.output
    assert re.search(r"1 │ Counting\s+│ not passed\s+│ 0:03:00 \(unfinished\)", stopped.output)
    nothing = dojo("interview", "tally", "--stop", now=at(4))
    assert nothing.exit_code == 2
    assert nothing.output == ("dojo: no interview of tally is running; its last report: "
                              "dojo interview tally --report\n")


def test_the_api_report_classes_breaking_changes(repo):
    stage1 = REFERENCE[1].replace(
        "    def count(self, key):",
        "    def keys(self):\n        return list(self._counts)\n\n    def count(self, key):",
    )
    # Stage 2 passes its tests but renames keys() to names() (breaking) and
    # gives count() a new keyword with a default (additive).
    stage2 = REFERENCE[2].replace(
        "    def count(self, key):",
        "    def names(self):\n        return list(self._counts)\n\n"
        "    def count(self, key, *, strict=False):",
    )
    dojo("interview", "tally", now=T0)
    solve(repo, 1, stage1)
    record_run(repo, passed=1, when=at(10))  # the API is read when a dojo command sees the run
    dojo("status", now=at(10))
    solve(repo, 2, stage2)
    record_run(repo, passed=2, when=at(20))
    dojo("status", now=at(20))
    report = dojo("interview", "tally", "--stop", now=at(25)).output
    assert "changes since stage 1: 3 additive, 1 breaking." in report, report
    assert "breaking  Tally.keys: renamed to names" in report
    assert "additive  Tally.count: new optional parameter 'strict'" in report
    assert "A breaking change means code written against your stage 1 API stops working" in report


# --- one verdict: plain pytest runs, partial runs, interviews, reset ----------

def plain_pytest(root: Path, *args: str, now: str | None = None) -> subprocess.CompletedProcess:
    """``pytest ARGS`` typed by the learner (not through dojo), at the time ``now``."""
    env = dict(os.environ, **({"DOJO_NOW": now} if now else {}))
    return subprocess.run([sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, env=env)


def test_plain_pytest_runs_during_an_interview_each_count_and_only_full_runs_pass(repo):
    dojo("interview", "tally", "--minutes", "60", now=T0)
    assert plain_pytest(repo, "stages/stage1", now=at(3)).returncode == 1  # the stub
    solve(repo, 1)
    one = plain_pytest(repo, "stages/stage1/test_tally.py::test_add_counts_one_more", now=at(7))
    assert one.returncode == 0 and "partial run: 1 of 2 tests of stage 1 ran" in one.stdout.lower()
    middle = dojo("interview", "tally", now=at(8)).output
    assert "stages passed: 0 of 3; working on stage 1." in middle  # a partial run earns nothing
    plain_pytest(repo, "stages/stage1", now=at(11))
    seen = dojo("status", now=at(15)).output
    assert "interview: stage 1 of tally passed at 0:11:00 into the round" in seen
    assert "tally: Interview running: stage 2 (Totals)" in seen
    assert "tally, stage 2: Totals" in dojo("task", "tally", now=at(15)).output
    assert "for stage 2 of tally" in dojo("hint", "tally", now=at(15)).output
    report = dojo("interview", "tally", "--report", now=at(16)).output
    assert re.search(r"│\s+1 │ Counting\s+│ 0:11:00\s+│ 0:11:00\s+│\s+3 │\s+0 │", report), report


def test_reset_during_an_interview_refuses_with_one_line_and_changes_nothing(repo):
    dojo("interview", "tally", now=T0)
    solve(repo, 1)
    plain_pytest(repo, "stages/stage1", now=at(5))
    dojo("status", now=at(6))
    result = dojo("reset", "tally", "--yes", now=at(7))
    assert result.exit_code == 2
    assert result.output == ("dojo: an interview of tally is running: a reset would leave it "
                             "behind; end it first (dojo interview tally --stop), then reset\n")
    assert (repo / "katas" / "tally" / "tally.py").read_text() == REFERENCE[1]
    assert "tally: Interview running: stage 2" in dojo("status", now=at(8)).output
    assert "tally, stage 2: Totals" in dojo("task", "tally", now=at(8)).output
    dojo("interview", "tally", "--stop", now=at(9))
    assert dojo("reset", "tally", "--yes", now=at(10)).exit_code == 0
    assert "tally, stage 1: Counting" in dojo("task", "tally", now=at(11)).output
    status = dojo("status", "tally", now=at(11)).output
    assert re.search(r"1 │ Counting\s+│ not run", status), status


def test_status_keeps_later_verdicts_and_says_when_the_code_changed_since(repo):
    solve(repo, 2)
    plain_pytest(repo, "stages/stage2", "--kata", "tally", now="2026-01-31T10:00:00+00:00")
    plain_pytest(repo, "stages/stage1", "--kata", "tally", now="2026-01-31T10:05:00+00:00")
    status = dojo("status", "tally").output
    assert re.search(r"1 │ Counting\s+│ passed \(2 of 2\)\s+│ 2026-01-31 10:05", status), status
    assert re.search(r"2 │ Totals\s+│ passed \(2 of 2\)\s+│ 2026-01-31 10:00", status), status
    solve(repo, 2, REFERENCE[2] + "\n# tidied\n")
    status = dojo("status", "tally").output
    assert re.search(r"2 │ Totals\s+│ passed \(2 of 2\), code changed since", status), status


def test_collect_only_does_not_change_status(repo):
    solve(repo, 1)
    plain_pytest(repo, "stages/stage1", "--kata", "tally")
    before = dojo("status", "tally").output
    assert plain_pytest(repo, "stages/stage1", "--co").returncode == 0
    assert dojo("status", "tally").output == before


def test_hint_all_shows_the_hints_revealed_and_reveals_none(repo):
    assert "No hint of stage 1 of tally revealed yet" in dojo("hint", "tally", "--all").output
    dojo("hint", "tally")
    dojo("hint", "tally")
    shown = dojo("hint", "tally", "--list").output
    assert "Hint 1 of 3" in shown and "Hint 2 of 3" in shown and "Hint 3 of 3" not in shown
    assert "(dojo hint tally reveals the next)" in shown
    state = json.loads((repo / ".dojo" / "hints.json").read_text())
    assert state["katas"]["tally"] == {"1": 2}


def test_status_says_not_started_for_a_kata_still_its_shipped_stub(repo):
    from dojo import stubs
    from dojo.catalog import load_catalog

    stubs.write(repo, load_catalog(repo))
    assert re.search(r"1 │ Counting\s+│ not started", dojo("status", "tally").output)
    solve(repo, 1)
    assert re.search(r"1 │ Counting\s+│ not run", dojo("status", "tally").output)
