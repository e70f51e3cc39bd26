"""``dojo grade`` against the zoo of hostile and broken solutions (tests/hostile/).

Every case is graded once, all in parallel, against the stand-in suite of
``tests/hostile/standin.py``; each test then checks one case's report: how
the run ended, the test where it broke, the stage it reached, its score,
and that every output format still renders and parses.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from dojo.grading import classroom, junit, manifest, markdown, report
from dojo.grading.cli import grade as grade_command
from dojo.grading.grader import GradeOptions, grade
from dojo.grading.observe import COMPLETED, CRASHED, KILLED_MEMORY, TAMPERED, TIMED_OUT
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
    "edits_the_suite": Case(TAMPERED, 0, None, "modified the suite files"),
}
MEMORY_MB = 256  # the stand-in run needs about 55 MB of address space
# The zoo fixture grades every case (four at a time) inside the first test's time
# limit: on a loaded two-core machine that takes longer than the default 60 s.
pytestmark = pytest.mark.timeout(600)


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


def test_every_hostile_solution_in_the_zoo_has_a_case():
    files = {p.stem for p in standin.HOSTILE.glob("*.py")} - {"__init__", "standin"}
    assert files == set(CASES), "tests/hostile/ and CASES must list the same solutions"


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
    assert toy.outcome == TAMPERED
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
