"""``dojo grade`` against the zoo of hostile and broken solutions (tests/hostile/).

Every case is graded once, all in parallel, against the stand-in suite of
``tests/hostile/standin.py``; each test then checks one case's report: how
the run ended, the test where it broke, the stage it reached, its score,
and that every output format still renders and parses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from dojo.grading import (
    classroom,
    files,
    guard,
    isolation,
    junit,
    manifest,
    markdown,
    observe,
    report,
)
from dojo.grading import report as report_module
from dojo.grading.cli import grade as grade_command
from dojo.grading.grader import GradeOptions, grade
from dojo.grading.observe import (
    COMPLETED,
    CRASHED,
    KILLED_MEMORY,
    TAMPERED,
    TIMED_OUT,
    EventReader,
)
from dojo.grading.sandbox import Limits
from tests.hostile import standin


@dataclass(frozen=True)
class Case:
    """What the grade of one hostile solution must say."""

    outcome: str
    highest_stage: int
    where_stage: int | None = None  # the stage of the test where the run broke
    detail: str = ""  # a fragment of the kata's detail, or of the failing test's message
    test_timeout: float = 5.0
    wall_clock: float = 60.0


CASES = {
    "loops_forever": Case(TIMED_OUT, 1, 2, "per-test timeout", test_timeout=2),
    "loops_ignoring_alarm": Case(TIMED_OUT, 1, 2, "wall-clock limit of 20 s", wall_clock=20),
    "deadlocks": Case(TIMED_OUT, 1, 2, "per-test timeout", test_timeout=2),
    "os_exit_at_import": Case(CRASHED, 0, 1, "exited with code 0"),
    "os_exit_in_method": Case(CRASHED, 1, 2, "exited with code 0"),
    "sys_exit_at_import": Case(COMPLETED, 0, None, "SystemExit: 0 (raised while importing"),
    "sys_exit_in_method": Case(COMPLETED, 1, None, "SystemExit: 0"),
    "keyboard_interrupt_in_method": Case(CRASHED, 1, 2, "KeyboardInterrupt"),
    "system_exit_in_method": Case(COMPLETED, 1, None, "SystemExit: toy: bye"),
    "allocates_without_bound": Case(KILLED_MEMORY, 1, 2, "memory limit of 256 MB", test_timeout=20),
    "recurses_without_bound": Case(COMPLETED, 1, None, "RecursionError"),
    "recurses_past_the_stack": Case(CRASHED, 1, 2, "killed by SIGSEGV", test_timeout=20),
    "prints_megabytes": Case(COMPLETED, 1, None, "must return 2"),
    "writes_fake_reports": Case(COMPLETED, 0, None, "expected 1"),
    "forges_the_channel": Case(TAMPERED, 0, None, "not signed by the grader"),
    # A skip or xfail from the solution's code fails the test: no stage is earned by skipping.
    "skips_unwritten_methods": Case(COMPLETED, 1, None, "the solution skipped this test"),
    "xfails_unwritten_methods": Case(COMPLETED, 1, None, "the solution skipped this test (xfail"),
    "skips_inside_returned_values": Case(COMPLETED, 1, None, "the solution skipped this test"),
    # The suite copy is read-only to the graded process: its edits fail, it earns nothing.
    "edits_the_suite": Case(COMPLETED, 0, None, "expected 1"),
}
MEMORY_MB = 256  # the stand-in run needs about 55 MB of address space
# The fixtures grade dozens of runs up front (in parallel); under a loaded
# machine that takes minutes, so the first test that uses one gets the time.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def suite_root(tmp_path_factory) -> Path:
    return standin.make_suite(tmp_path_factory.mktemp("upstream"))


@pytest.fixture(scope="module")
def zoo(suite_root, tmp_path_factory) -> dict:
    """Every hostile case graded once (kata ``toy`` only), in parallel."""
    base = tmp_path_factory.mktemp("zoo")

    def one(name: str):
        case = CASES[name]
        solution = standin.solution(base / name / "katas", standin.hostile(name))
        options = GradeOptions(
            solution=solution, suite=suite_root, upstream=True, katas=("toy",),
            test_timeout=case.test_timeout,
            limits=Limits(wall_clock=case.wall_clock, memory_mb=MEMORY_MB),
        )
        return name, grade(options)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, sorted(CASES, key=lambda n: -CASES[n].wall_clock)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_solution_gets_the_right_report(zoo, name):
    case, graded = CASES[name], zoo[name]
    kata = graded.katas[0]
    said = f"{name}: outcome {kata.outcome!r} ({kata.detail}), highest stage {kata.highest_stage}"
    assert kata.outcome == case.outcome, said
    assert kata.highest_stage == case.highest_stage, said
    if case.where_stage is None:
        assert kata.where is None, said
    else:
        assert kata.where is not None and kata.where.stage == case.where_stage, said
        assert kata.where.message and kata.where.message, said
    words = [kata.detail or ""] + [t.message or "" for s in kata.stages for t in s.tests]
    assert any(case.detail in w for w in words), f"{said}: no {case.detail!r} in {words}"
    expected_score = 0 if case.outcome == TAMPERED else 10 * case.highest_stage
    assert kata.score == expected_score, said
    # A run that broke leaves no test of a later stage counted as passed.
    if kata.where is not None:
        later = [t for s in kata.stages[kata.where.stage:] for t in s.tests]
        assert all(t.outcome in ("not run", "locked") for t in later), said


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_solution_report_renders_in_every_format(zoo, name):
    graded = zoo[name]
    data = report.to_dict(graded)
    jsonschema.validate(data, report.schema())
    json.loads(json.dumps(data))
    root = ET.fromstring(junit.to_xml(graded))
    assert len(root.findall("testsuite")) == 3  # toy has three stages
    result = classroom.decode(classroom.encode(classroom.result(graded)))
    assert sum(t["score"] for t in result["tests"]) == graded.score
    text = markdown.to_markdown(graded)
    assert "| toy | " in text


def test_megabytes_of_output_pass_through_the_grader_without_harm(zoo):
    """pytest shows the captured 10 MB of the failing tests; the grader reads it all,
    keeps at most its cap, and grades the failures by their messages."""
    kata = zoo["prints_megabytes"].katas[0]
    assert kata.output_bytes > 10 * 1024 * 1024
    assert kata.stages[1].failures()[0].message.startswith("AssertionError: Toy().grow()")


def test_a_suite_edited_by_the_solution_does_not_change_the_next_kata(suite_root, tmp_path):
    """Graded without --suite, the fork's own suite is edited at import; the other
    kata (graded after toy, from the snapshot) is still graded by the real tests."""
    fork = tmp_path / "fork"
    shutil.copytree(suite_root, fork)
    standin.solution(fork / "katas", standin.hostile("edits_the_suite"), standin.STUB_OTHER)
    graded = grade(GradeOptions(solution=fork / "katas", suite=fork, upstream=False,
                                test_timeout=5, limits=Limits(memory_mb=MEMORY_MB)))
    toy, other = graded.katas
    assert toy.outcome in (COMPLETED, TAMPERED) and toy.highest_stage == 0
    assert other.outcome == COMPLETED and other.highest_stage == 0, "the stub must fail stage 1"
    assert graded.score == 0
    assert manifest.check(fork, upstream=False).status == manifest.INTACT, "the fork was edited"


def test_fake_report_files_next_to_the_report_are_overwritten(suite_root, tmp_path):
    """The solution plants "all passed" files where the grader's report goes;
    the grader's own report, written last and atomically, says stage 0."""
    fork = tmp_path / "fork"
    standin.solution(fork / "katas", standin.hostile("writes_fake_reports"))
    out = fork / "grade.json"
    victim = fork / "victim.txt"
    victim.write_text("keep me")
    out.symlink_to(victim)  # planted before the grade: must be replaced, not followed
    result = CliRunner().invoke(grade_command, [
        "--suite", str(suite_root), "--solution", str(fork / "katas"), "--kata", "toy",
        "--json", str(out), "--junit", str(fork / "junit.xml"), "--memory-mb", str(MEMORY_MB),
    ])
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text())
    assert data["katas"]["toy"]["highest_stage"] == 0 and data["score"] == 0
    assert not out.is_symlink() and victim.read_text() == "keep me"
    junit_root = ET.fromstring((fork / "junit.xml").read_text())
    assert int(junit_root.get("failures")) == 2


# --- the grader's own process, files and channel, at every isolation level ---------
#
# Each level this machine can run grades the whole set below once: one
# ``grade-many`` subprocess (every clone, two at a time) and one ``grade``
# subprocess writing GitHub's files. The grader runs as a subprocess so that
# an attack on it (signals, /proc) hits a real grader, never the test runner.

LEVELS = isolation.available()
SECRET = "s3cret-" + os.urandom(6).hex()


@dataclass(frozen=True)
class Attack:
    """What the grade of one hostile clone must say (kata toy; other is GOOD_OTHER)."""

    toy_stage: int  # the stage its behaviour earns
    toy_outcome: tuple[str, ...] = (COMPLETED,)
    note: str = ""  # a fragment of a note on toy, or of its detail


ATTACKS = {
    "honest": Attack(3),
    "poisons_the_snapshot": Attack(0, (COMPLETED, TAMPERED)),
    "plants_symlinks": Attack(3),
    "reads_secrets": Attack(0),
    "signals_the_grader": Attack(0),
    "rewrites_the_report_later": Attack(0),
    "floods_the_channel": Attack(0, (TAMPERED,), note="flooded"),
    "chatty_but_correct": Attack(3),
    "symlinked_kata_folder": Attack(0, note="the kata folder is a symlink"),
    "devices_and_fifos": Attack(3, note="devices, FIFOs or sockets"),
    "nested_3000_deep": Attack(3, note="folders deeper than"),
}
ATTACK_FILES = {"poisons_the_snapshot", "plants_symlinks", "reads_secrets", "signals_the_grader",
                "rewrites_the_report_later", "floods_the_channel", "chatty_but_correct",
                "writes_github_files"}


def _layout(name: str, clone: Path, spare: Path) -> None:
    """The clones whose attack is their layout, not their code."""
    katas = clone / "katas"
    if name == "honest":
        standin.solution(katas, standin.GOOD_TOY)
    elif name in ATTACK_FILES:
        standin.solution(katas, standin.hostile(name))
    else:
        standin.solution(katas, standin.GOOD_TOY)
    if name == "symlinked_kata_folder":  # a perfect Toy, but not committed as files
        standin.write_solution(spare, "toy", standin.GOOD_TOY)
        shutil.rmtree(katas / "toy")
        (katas / "toy").symlink_to(spare / "toy")
    elif name == "devices_and_fifos":
        toy = katas / "toy"
        standin.write_solution(katas, "toy", standin.GOOD_TOY)
        (toy / "zero.py").symlink_to("/dev/zero")
        (toy / "pagemap").symlink_to("/proc/self/pagemap")
        os.mkfifo(toy / "fifo")
        os.mknod(toy / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    elif name == "nested_3000_deep":
        standin.write_solution(katas, "toy", standin.GOOD_TOY)
        fd = os.open(katas / "toy", os.O_RDONLY | os.O_DIRECTORY)
        for _ in range(3000):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(fd)


def _cli(*args: str, env: dict, timeout: float = 400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dojo.grading.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=standin.REPO,
                          check=False)


def _env(level: str, **extra: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(standin.REPO), isolation.FORCE_ENV: level,
           "DOJO_TEST_SECRET": SECRET, "GITHUB_TOKEN": SECRET, **extra}
    env.pop("GITHUB_OUTPUT", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    return {**env, **extra}


@dataclass
class Roster:
    """One grade-many run over every attack, and what it left behind."""

    done: subprocess.CompletedProcess
    reports: dict[str, dict]
    written: dict[str, bytes]  # each report's bytes as grade-many left them
    later: dict[str, bytes]  # ... and a few seconds later
    upstream_intact: bool


def _grade_many(level: str, suite: Path, base: Path) -> Roster:
    clones = []
    for name in ATTACKS:
        clone = base / name
        _layout(name, clone, base / "spare" / name)
        clones.append(str(clone))
    out = base / "reports"
    done = _cli("grade-many", "--suite", str(suite), "--jobs", "3", "--json-dir", str(out),
                "--kata", "toy",
                "--memory-mb", str(MEMORY_MB), "--test-timeout", "10", "--kata-timeout", "60",
                *clones, env=_env(level))
    written = {p.stem: p.read_bytes() for p in out.glob("*.json")}
    time.sleep(4)  # the double-forked rewriter would rewrite every 0.2 s for 10 s
    later = {p.stem: p.read_bytes() for p in out.glob("*.json")}
    files.remove_tree(base / "nested_3000_deep")
    return Roster(done, {k: json.loads(v) for k, v in written.items()}, written, later,
                  manifest.check(suite, upstream=False).status == manifest.INTACT)


@dataclass
class GithubRun:
    done: subprocess.CompletedProcess
    output: str
    summary: str
    report: dict


def _grade_with_github_files(level: str, suite: Path, base: Path) -> GithubRun:
    """``writes_github_files`` graded by ``dojo grade``; GitHub's files are writable by
    anyone here, so that only the grader's guard stands between them and the child."""
    gh = base / "gh"
    gh.mkdir(parents=True)
    output, summary = gh / "output.txt", gh / "summary.md"
    for path in (output, summary):
        path.write_text("before\n")
        path.chmod(0o666)
    standin.solution(base / "katas", standin.hostile("writes_github_files"))
    done = _cli("grade", "--suite", str(suite), "--solution", str(base / "katas"),
                "--json", str(base / "grade.json"), "--markdown", str(summary), "--classroom",
                "--memory-mb", str(MEMORY_MB),
                env=_env(level, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary)))
    return GithubRun(done, output.read_text(), summary.read_text(),
                     json.loads((base / "grade.json").read_text()))


def _grade_after_poison(level: str, suite: Path, base: Path) -> dict:
    """``poisons_the_snapshot`` with an untouched stub as the other kata, graded one
    kata after the other: the poison must not reach the second kata."""
    standin.solution(base / "katas", standin.hostile("poisons_the_snapshot"), standin.STUB_OTHER)
    done = _cli("grade", "--suite", str(suite), "--solution", str(base / "katas"), "--jobs", "1",
                "--json", str(base / "grade.json"), "--memory-mb", str(MEMORY_MB), env=_env(level))
    assert done.returncode == 1, done.stderr[-2000:]
    return json.loads((base / "grade.json").read_text())


@pytest.fixture(scope="module")
def attacked(suite_root, tmp_path_factory) -> dict:
    """Every level's grade-many roster, GitHub-files run and poisoned run, in parallel."""
    base = tmp_path_factory.mktemp("attacks")
    jobs = {}
    with ThreadPoolExecutor(max_workers=3 * len(LEVELS)) as pool:
        for level in LEVELS:
            jobs[level, "roster"] = pool.submit(_grade_many, level, suite_root, base / level)
            jobs[level, "github"] = pool.submit(_grade_with_github_files, level, suite_root,
                                                base / f"{level}-gh")
            jobs[level, "poison"] = pool.submit(_grade_after_poison, level, suite_root,
                                                base / f"{level}-poison")
        return {key: job.result() for key, job in jobs.items()}


def test_the_hostile_set_covers_every_attack_file():
    files_here = {p.stem for p in standin.HOSTILE.glob("*.py")} - {"__init__", "standin"}
    assert files_here == set(CASES) | ATTACK_FILES


@pytest.mark.parametrize("level", LEVELS)
def test_grade_many_survives_every_attack_and_loses_no_report(attacked, level):
    roster = attacked[level, "roster"]
    done = roster.done
    said = f"[{level}] exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert roster.done.returncode == 1, said  # graded, not all passed; never 3
    assert "cannot grade" not in roster.done.stdout, said
    assert set(roster.reports) == set(ATTACKS), said
    assert roster.upstream_intact, f"[{level}] the upstream checkout was modified"
    assert "STOPPED" not in roster.done.stderr, said


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_gets_exactly_the_grade_its_behaviour_earns(attacked, level, name):
    report = attacked[level, "roster"].reports[name]
    attack = ATTACKS[name]
    jsonschema.validate(report, report_module.schema())
    assert report["isolation"] == level
    toy = report["katas"]["toy"]
    said = (f"[{level}] {name}: {toy['outcome']} ({toy['detail']}), "
            f"stage {toy['highest_stage']}, notes {toy['notes']}")
    assert toy["outcome"] in attack.toy_outcome, said
    assert toy["highest_stage"] == attack.toy_stage, said
    assert toy["score"] == (10 * attack.toy_stage if toy["outcome"] == COMPLETED else 0), said
    if attack.note:
        assert any(attack.note in n for n in [toy["detail"] or "", *toy["notes"]]), said


@pytest.mark.parametrize("level", LEVELS)
def test_a_poisoned_snapshot_or_upstream_reaches_no_later_kata(attacked, level):
    report = attacked[level, "poison"]
    assert report["score"] == 0, report
    assert report["katas"]["other"]["highest_stage"] == 0, "the stub got a stage"
    assert not report["notes"], report["notes"]  # the upstream checkout is unchanged


@pytest.mark.parametrize("level", LEVELS)
def test_no_secret_or_github_path_reaches_the_graded_process(attacked, level):
    roster = attacked[level, "roster"]
    everything = roster.done.stdout + roster.done.stderr + json.dumps(roster.reports)
    assert SECRET not in everything, f"[{level}] the secret leaked"
    message = roster.reports["reads_secrets"]["katas"]["toy"]["stages"]["1"]["failures"][0]
    assert message["message"].startswith("AssertionError: found:"), message
    assert "GITHUB_" not in message["message"] and "DOJO_TEST_SECRET" not in message["message"]


@pytest.mark.parametrize("level", LEVELS)
def test_nothing_the_graded_code_started_rewrites_a_report_later(attacked, level):
    roster = attacked[level, "roster"]
    assert roster.later == roster.written, f"[{level}] a report changed after grade-many exited"


@pytest.mark.parametrize("level", LEVELS)
def test_github_files_keep_only_what_the_grader_wrote(attacked, level):
    run = attacked[level, "github"]
    said = f"[{level}] {run.done.returncode}\n{run.done.stdout}\n{run.done.stderr[-2000:]}"
    assert run.done.returncode == 1, said
    lines = run.output.splitlines()
    assert lines[0] == "before" and len(lines) == 2 and lines[1].startswith("result="), said
    assert classroom.decode(lines[1].removeprefix("result="))["status"] == "fail"
    assert run.summary.startswith("before\n") and "FORGED" not in run.summary, said
    assert "<!--" not in run.summary.removeprefix("before\n"), said
    assert run.report["score"] == 20 and run.report["isolation"] == level


def test_the_event_channel_keeps_neither_too_many_events_nor_too_many_bytes():
    from dojo.grading.channel import Channel

    read, write = os.pipe()
    reader = EventReader(read, b"k" * 64)
    sender = Channel(write, b"k" * 64)

    def flood():
        for _ in range(40):
            sender.send("noise", padding="x" * (1 << 20))
        os.close(write)

    thread = threading.Thread(target=flood)
    thread.start()
    thread.join(60)
    reader.wait()
    assert reader.flooded and reader.bytes > observe.EVENTS_BYTES
    assert sum(len(json.dumps(e)) for e in reader.events) <= observe.EVENTS_BYTES


def test_github_files_are_cut_back_to_what_they_held(tmp_path):
    output, summary = tmp_path / "out", tmp_path / "summary"
    output.write_text("a=1\n")
    guarded = guard.Outputs({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})
    output.write_text("a=1\nresult=FORGED\n")
    summary.symlink_to("/etc/passwd")
    assert sorted(guarded.restore()) == sorted([str(output), str(summary)])
    assert output.read_text() == "a=1\n"
    assert not summary.is_symlink() and summary.read_text() == ""


def test_cleanup_survives_3000_nested_folders_and_folders_without_permissions(tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(3000):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    (top / "locked").mkdir()
    (top / "locked" / "f").write_text("x")
    (top / "locked").chmod(0)
    (top / "link").symlink_to(tmp_path)  # never followed
    os.close(fd)
    files.remove_tree(top)
    assert not top.exists() and tmp_path.exists()


def _children(pid: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


@pytest.mark.parametrize("level", LEVELS)
def test_sigterm_stops_the_grade_and_the_report_is_still_written(suite_root, tmp_path, level):
    standin.solution(tmp_path / "katas", standin.hostile("loops_forever"))
    report_path = tmp_path / "grade.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dojo.grading.cli", "grade", "--suite", str(suite_root),
         "--solution", str(tmp_path / "katas"), "--json", str(report_path),
         "--test-timeout", "60", "--memory-mb", str(MEMORY_MB), "--jobs", "1"],
        env=_env(level), cwd=standin.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _children(proc.pid) and time.monotonic() < deadline:  # a kata is running
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    data = json.loads(report_path.read_text())
    assert proc.returncode == 3, err
    assert data["status"] == "error" and data["score"] <= 10
    assert any("SIGTERM" in (k["detail"] or "") or any("SIGTERM" in n for n in k["notes"])
               for k in data["katas"].values()), data


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("level", LEVELS)
def test_the_graded_processes_die_with_the_grader(suite_root, tmp_path, level):
    standin.solution(tmp_path / "katas", standin.hostile("loops_forever"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dojo.grading.cli", "grade", "--suite", str(suite_root),
         "--solution", str(tmp_path / "katas"), "--test-timeout", "60",
         "--memory-mb", str(MEMORY_MB)],
        env=_env(level), cwd=standin.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(_descendants(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    graded = _descendants(proc.pid)
    assert graded, "no graded process started"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in graded) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in graded if _alive(p)], "graded processes outlived the grader"
