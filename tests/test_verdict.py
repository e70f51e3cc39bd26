"""The one verdict, through real pytest runs: a stage passes only when its whole
suite ran in that run and passed; the solution's skips are failures; katas not
started stay quiet."""

from __future__ import annotations

import json
import textwrap

import jsonschema
import pytest

from dojo import stubs
from dojo.catalog import load_catalog
from dojo.results import SCHEMA_VERSION
from tests.test_harness import GOOD, repo, write_toy  # noqa: F401 - the pytester repository

SCHEMA = json.loads((stubs.Path(stubs.__file__).parent / "schema" / "run-v1.json").read_text())
PARTIAL_1 = "partial run: 1 of 2 tests of stage 1 ran; run the whole stage to pass it"
SKIPPED = "the solution skipped this test"


@pytest.fixture
def state(repo, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DOJO_STATE_DIR", str(repo.path / "state"))
    return repo.path / "state"


def run(repo, *args, json_out=True):  # noqa: F811
    """pytest ARGS in the pytester repository; the results it wrote (checked against the schema)."""
    extra = ("--dojo-json", "out.json") if json_out else ()
    result = repo.runpytest_subprocess(*args, *extra, "-p", "no:cacheprovider")
    path = repo.path / "out.json"
    data = json.loads(path.read_text()) if path.exists() else None
    if data is not None:
        jsonschema.validate(data, SCHEMA)
        path.unlink()
    return result, data


def logged(state) -> list[dict]:
    path = state / "runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- partial runs never pass ------------------------------------------------

def test_a_whole_stage_that_passes_is_passed_and_unlocks(repo, state):  # noqa: F811
    result, data = run(repo, "stages/stage1/test_toy.py")
    toy = data["katas"]["toy"]
    assert data["version"] == SCHEMA_VERSION
    assert toy["highest_stage"] == 1
    assert toy["stages"]["1"] | {"failures": []} == {
        "status": "passed", "complete": True, "total": 2, "ran": 2, "passed": 2, "failed": 0,
        "skipped_by_solution": 0, "locked": 0, "not_run": 0, "note": None, "failures": []}
    assert "Stage 2 (Two) is unlocked" in result.stdout.str()
    assert logged(state)[-1]["katas"]["toy"]["highest_stage"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["stages/stage1/test_toy.py::test_stage1_value"],
        ["stages/stage1/test_toy.py", "-k", "value"],
        ["stages/stage1/test_toy.py", "-m", "not nothing", "-k", "not folder"],
        ["stages/stage1/test_toy.py", "--deselect", "stages/stage1/test_toy.py::test_stage1_folder"],
    ],
    ids=["node id", "-k", "-m and -k", "--deselect"],
)
def test_a_selection_of_one_test_is_a_partial_run_that_never_passes(repo, state, args):  # noqa: F811
    result, data = run(repo, *args)
    result.assert_outcomes(passed=1)
    stage = data["katas"]["toy"]["stages"]["1"]
    assert (stage["status"], stage["complete"], stage["ran"], stage["total"]) == ("partial", False, 1, 2)
    assert stage["note"] == PARTIAL_1
    assert data["katas"]["toy"]["highest_stage"] == 0
    out = result.stdout.str()
    assert "Partial run: 1 of 2 tests of stage 1 ran; run the whole stage to pass it" in out
    assert "unlocked" not in out and "passed (" not in out
    assert result.ret == 0  # the test that ran passed
    assert logged(state)[-1]["katas"]["toy"]["stages"]["1"]["status"] == "partial"


def test_a_node_id_of_a_later_stage_runs_only_that_test_and_passes_no_stage(repo, state):  # noqa: F811
    result, data = run(repo, "stages/stage2/test_toy.py::test_stage2_value")
    result.assert_outcomes(passed=3)  # stage 1 whole, then the one test asked for
    toy = data["katas"]["toy"]
    assert toy["stages"]["1"]["status"] == "passed"
    assert toy["stages"]["2"]["note"] == PARTIAL_1.replace("stage 1", "stage 2")
    assert toy["highest_stage"] == 1


def test_a_node_id_that_names_no_test_is_a_usage_error(repo):  # noqa: F811
    result, _ = run(repo, "stages/stage1/test_toy.py::test_nothing_of_the_sort")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*stages/stage1/test_toy.py::test_nothing_of_the_sort: no such test*"])


def test_stopping_early_with_x_leaves_the_rest_not_run(repo, state):  # noqa: F811
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    result, data = run(repo, "stages/stage2/test_toy.py", "-x")
    result.assert_outcomes(failed=1)
    toy = data["katas"]["toy"]["stages"]
    assert (toy["1"]["status"], toy["1"]["ran"], toy["1"]["not_run"]) == ("failed", 1, 1)
    assert toy["2"]["status"] == "not run"
    assert data["katas"]["toy"]["highest_stage"] == 0


def test_last_failed_reruns_are_partial_until_the_whole_stage_runs(repo, state):  # noqa: F811
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    first = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    first.assert_outcomes(failed=1, passed=1)
    write_toy(repo, GOOD)
    again = repo.runpytest_subprocess("stages/stage1", "--lf", "--dojo-json", "out.json")
    again.assert_outcomes(passed=1)
    data = json.loads((repo.path / "out.json").read_text())
    jsonschema.validate(data, SCHEMA)
    stage = data["katas"]["toy"]["stages"]["1"]
    assert (stage["status"], stage["ran"], stage["total"]) == ("partial", 1, 2)
    assert data["katas"]["toy"]["highest_stage"] == 0
    whole = repo.runpytest_subprocess("stages/stage1/test_toy.py", "--dojo-json", "out.json")
    whole.assert_outcomes(passed=2)
    assert json.loads((repo.path / "out.json").read_text())["katas"]["toy"]["highest_stage"] == 1


def test_collect_only_and_runs_without_tests_write_nothing(repo, state):  # noqa: F811
    run(repo, "stages/stage1")
    before = (state / "runs.jsonl").read_text()
    result, data = run(repo, "stages/stage1", "--co")
    assert result.ret == 0 and data is None
    result, data = run(repo, "stages/stage1", "-k", "no_such_test")
    assert data is None
    assert (state / "runs.jsonl").read_text() == before


# --- the solution's skips are failures --------------------------------------

SLY = {
    "pytest.skip": "import pytest\nclass Toy:\n    def value(self):\n        pytest.skip('later')\n",
    "pytest.xfail": "import pytest\nclass Toy:\n    def value(self):\n        pytest.xfail('later')\n",
    "unittest.SkipTest": "import unittest\nclass Toy:\n    def value(self):\n        raise unittest.SkipTest('later')\n",
    "skip at construction": "import pytest\nclass Toy:\n    def __init__(self):\n        pytest.skip('later')\n    def value(self):\n        return 1\n",
    "skip in __eq__ of a value": textwrap.dedent("""
        import pytest
        class Sly:
            def __eq__(self, other):
                pytest.skip("later")
        class Toy:
            def value(self):
                return Sly()
        """),
    "skip in __bool__ of a value": textwrap.dedent("""
        import pytest
        class Maybe:
            def __bool__(self):
                pytest.skip("later")
        class Sly:
            def __eq__(self, other):
                return Maybe()
        class Toy:
            def value(self):
                return Sly()
        """),
    "skip in __repr__ of a value": textwrap.dedent("""
        import unittest
        class Sly:
            def __eq__(self, other):
                return False
            def __repr__(self):
                raise unittest.SkipTest("later")
        class Toy:
            def value(self):
                return Sly()
        """),
    "a skip that claims to be the lock": "import pytest\nclass Toy:\n    def value(self):\n        pytest.skip('locked: stage 1 of toy has failures')\n",
}


@pytest.mark.parametrize("source", list(SLY.values()), ids=list(SLY))
def test_a_skip_or_xfail_from_the_solution_fails_the_test_and_the_stage(repo, state, source):  # noqa: F811
    write_toy(repo, source)
    result, data = run(repo, "stages/stage3/test_toy.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    toy = data["katas"]["toy"]
    assert toy["highest_stage"] == 0
    assert toy["stages"]["1"]["status"] == "failed"
    assert toy["stages"]["2"]["status"] == toy["stages"]["3"]["status"] == "locked"
    if "__repr__" not in source:  # pytest's saferepr swallows that one: a plain failure
        assert toy["stages"]["1"]["skipped_by_solution"] >= 1
        assert SKIPPED in toy["stages"]["1"]["failures"][0]["message"]
        assert SKIPPED in result.stdout.str()


# --- the solution's discards of hypothesis examples are failures -------------

DISCARDED = "the solution told hypothesis to discard an example"
PROPERTY = textwrap.dedent(
    """
    from hypothesis import HealthCheck, given, settings, strategies as st

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(n=st.integers(0, 20))
    def test_stage1_double(solution, n):
        assert solution().double(n) == 2 * n
    """
)
# Each doubles right only for small n, and hides the other examples from hypothesis.
DISCARDING = {
    "assume": "from hypothesis import assume\nclass Toy:\n    def double(self, n):\n"
              "        assume(n < 3)\n        return 2 * n\n",
    "reject": "import hypothesis\nclass Toy:\n    def double(self, n):\n"
              "        if n >= 3:\n            hypothesis.reject()\n        return 2 * n\n",
    "raise UnsatisfiedAssumption": "from hypothesis.errors import UnsatisfiedAssumption\nclass Toy:\n"
              "    def double(self, n):\n        if n >= 3:\n            raise UnsatisfiedAssumption\n"
              "        return 2 * n\n",
}


@pytest.mark.parametrize("source", list(DISCARDING.values()), ids=list(DISCARDING))
def test_a_solution_that_discards_hypothesis_examples_fails_the_test(repo, state, source):  # noqa: F811
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text(PROPERTY)
    write_toy(repo, source)
    result, data = run(repo, "stages/stage1/test_toy.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    stage = data["katas"]["toy"]["stages"]["1"]
    assert stage["status"] == "failed"
    assert DISCARDED in stage["failures"][0]["message"]
    assert "toy.py, line" in stage["failures"][0]["message"]


def test_a_suite_may_discard_its_own_examples(repo, state):  # noqa: F811
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text(PROPERTY.replace(
        "    assert solution()", "    from hypothesis import assume\n    assume(n % 2 == 0)\n    assert solution()"))
    write_toy(repo, "class Toy:\n    def double(self, n):\n        return 2 * n\n")
    result, data = run(repo, "stages/stage1/test_toy.py")
    assert data["katas"]["toy"]["stages"]["1"]["status"] == "passed", result.stdout.str()


# --- katas not started stay quiet -------------------------------------------

STUB = 'class Toy:\n    def value(self):\n        raise NotImplementedError("toy: implement value()")\n'


@pytest.fixture
def stubbed(repo):  # noqa: F811
    """Both katas are shipped stubs, with their fingerprints."""
    write_toy(repo, STUB)
    (repo.path / "katas" / "other" / "other.py").write_text(STUB.replace("Toy", "Other").replace("toy", "other"))
    stubs.write(repo.path, load_catalog(repo.path))
    return repo


def test_a_fresh_clone_welcomes_and_exits_0(stubbed, state):
    result, data = run(stubbed, "stages/stage1")
    assert result.ret == 0
    out = result.stdout.str()
    assert "failed" not in out
    result.stdout.fnmatch_lines([
        "*Welcome to kata-dojo. No kata is started yet; pick one and run its stage 1:",
        "  toy    Toy: read katas/toy/README.md, then run: pytest stages/stage1 --kata toy",
        "  other  Other: read katas/other/README.md, then run: pytest stages/stage1 --kata other",
    ])
    assert data is None and not (state / "runs.jsonl").exists()


def test_a_started_kata_runs_and_the_untouched_one_is_one_line(stubbed, state):
    write_toy(stubbed, GOOD)  # the learner started toy and passes stage 1
    result, data = run(stubbed, "stages/stage1")
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["other: not started; begin with: pytest stages/stage1 --kata other"])
    assert "test_other" not in result.stdout.str()
    assert data["not_started"] == ["other"] and list(data["katas"]) == ["toy"]


def test_naming_a_kata_not_started_runs_it(stubbed, state):
    result, data = run(stubbed, "stages/stage1", "--kata", "other")
    result.assert_outcomes(failed=1, passed=1)
    assert data["katas"]["other"]["stages"]["1"]["status"] == "failed"
    result, data = run(stubbed, "stages/stage1/test_other.py")
    result.assert_outcomes(failed=1, passed=1)


def test_a_touched_stub_is_started(stubbed, state):
    write_toy(stubbed, STUB + "\n# my notes\n")
    result, data = run(stubbed, "stages/stage1")
    result.assert_outcomes(failed=1, passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert list(data["katas"]) == ["toy"] and data["not_started"] == ["other"]


def test_another_solution_folder_is_never_quiet(stubbed):
    write_toy(stubbed, STUB, root="elsewhere")
    other = stubbed.path / "elsewhere" / "other"
    other.mkdir()
    (other / "other.py").write_text((stubbed.path / "katas" / "other" / "other.py").read_text())
    result, _ = run(stubbed, "stages/stage1", "--solution", "elsewhere")
    result.assert_outcomes(failed=2, passed=2)
