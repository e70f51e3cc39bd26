"""The harness as a learner meets it: pytest runs inside pytest on a toy kata."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from dojo import ordering

MANIFEST = """
format = 1

[[kata]]
name = "toy"
title = "Toy"
module = "toy"
class = "Toy"
stages = ["One", "Two", "Three"]

[[kata]]
name = "other"
title = "Other"
module = "other"
class = "Other"
stages = ["One", "Two", "Three"]
"""

GOOD = "class Toy:\n    def value(self):\n        return 1\n"


@pytest.fixture
def repo(pytester: pytest.Pytester):
    """A repository with two katas of three stages; every test asks for value() == 1."""
    pytester.makefile(".toml", pyproject="[tool.pytest.ini_options]\ntestpaths = ['stages']\n")
    pytester.makeconftest('pytest_plugins = ["dojo.plugin"]')
    (pytester.path / "katas").mkdir()
    (pytester.path / "katas" / "katas.toml").write_text(MANIFEST)
    for kata in ("toy", "other"):
        folder = pytester.path / "katas" / kata
        (folder / "tasks").mkdir(parents=True)
        (folder / "README.md").write_text("# stage 1\n")
        Class = kata.capitalize()
        (folder / f"{kata}.py").write_text(GOOD.replace("Toy", Class))
        for stage in (1, 2, 3):
            stage_dir = pytester.path / "stages" / f"stage{stage}"
            stage_dir.mkdir(parents=True, exist_ok=True)
            (stage_dir / "__init__.py").touch()
            (stage_dir / f"test_{kata}.py").write_text(
                textwrap.dedent(
                    f"""
                    def test_stage{stage}_value(solution):
                        assert solution().value() == 1, "value() must be 1"

                    def test_stage{stage}_folder(solution_dir):
                        assert solution_dir.name == "{kata}"
                    """
                )
            )
    (pytester.path / "stages" / "__init__.py").touch()
    return pytester


def write_toy(repo: pytest.Pytester, source: str, root: str = "katas") -> None:
    path = repo.path / root / "toy"
    path.mkdir(parents=True, exist_ok=True)
    (path / "toy.py").write_text(source)


def test_asking_for_a_stage_runs_the_earlier_stages_first(repo):
    result = repo.runpytest_subprocess("stages/stage2", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(
        [
            "*stage1/test_other.py::test_stage1_value PASSED*",
            "*stage1/test_toy.py::test_stage1_value PASSED*",
            "*stage2/test_other.py::test_stage2_value PASSED*",
        ]
    )


def test_asking_for_one_file_brings_only_that_katas_earlier_stages(repo):
    result = repo.runpytest_subprocess("stages/stage3/test_toy.py", "-v")
    result.assert_outcomes(passed=6)
    assert "test_other" not in result.stdout.str()


def test_a_failing_stage_locks_the_later_stages_of_that_kata_only(repo):
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    result = repo.runpytest_subprocess("stages/stage3", "-rs")
    result.assert_outcomes(passed=7, failed=1, skipped=4)
    result.stdout.fnmatch_lines(["*locked: stage 1 of toy has failures*"])
    result.stdout.fnmatch_lines(
        [
            "*kata-dojo*",
            "toy (Toy)",
            "  stage 1  One * failed (1 of 2)",
            "  stage 2  Two * locked",
            "  stage 3  Three * locked",
            "  Next: make stage 1 pass (task: katas/toy/README.md), then rerun: pytest stages/stage1",
        ]
    )


def test_the_report_names_the_next_stage_text_when_a_stage_passes(repo):
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    result.stdout.fnmatch_lines(
        [
            "  stage 1  One * passed (2 of 2)",
            "  stage 2  Two * not run",
            "  Stage 1 passed. Stage 2 (Two) is unlocked: read katas/toy/tasks/stage2.md,"
            " then run: pytest stages/stage2",
        ]
    )


def test_kata_option_restricts_the_run(repo):
    result = repo.runpytest_subprocess("stages/stage2", "--kata", "other", "-v")
    result.assert_outcomes(passed=4)
    assert "test_toy" not in result.stdout.str()


def test_an_unknown_kata_is_a_one_line_usage_error(repo):
    result = repo.runpytest_subprocess("stages/stage1", "--kata", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--kata nope: unknown kata; the katas are: toy, other*"])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class Toy(:\n", "katas/toy/toy.py, line 1: SyntaxError: *"),
        ("import math\nx = 1 / 0\n", "katas/toy/toy.py, line 2: ZeroDivisionError: division by zero*"),
        ("import sys\nsys.exit(3)\n", "katas/toy/toy.py, line 2: SystemExit: 3*"),
        ("class NotToy:\n    pass\n", "katas/toy/toy.py: defines no class Toy"),
        ("from .missing import Helper\n", "katas/toy/toy.py, line 1: ModuleNotFoundError: *"),
    ],
)
def test_a_solution_that_cannot_be_imported_fails_each_test_with_one_line(repo, source, expected):
    write_toy(repo, source)
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([f"cannot import the solution: {expected}"])
    assert "Traceback" not in result.stdout.str()


def test_a_missing_solution_folder_is_named(repo):
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py", "--solution", "elsewhere")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["cannot import the solution: elsewhere/toy: no such folder (is --solution right?)"]
    )


def test_an_edit_that_keeps_the_size_and_the_second_still_runs_the_new_code(repo, monkeypatch):
    # Python's bytecode cache trusts a .pyc whose source has the same size and
    # modification second: the harness must not run the code before the edit.
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    source = repo.path / "katas" / "toy" / "toy.py"
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    stamp = source.stat().st_mtime_ns
    repo.runpytest_subprocess("stages/stage1/test_toy.py").assert_outcomes(failed=1, passed=1)
    write_toy(repo, GOOD)
    os.utime(source, ns=(stamp, stamp))
    repo.runpytest_subprocess("stages/stage1/test_toy.py").assert_outcomes(passed=2)


def test_a_failure_shows_as_it_happens_once_per_distinct_message(repo):
    suite = repo.path / "stages" / "stage1" / "test_toy.py"
    suite.write_text(suite.read_text() + "\ndef test_stage1_value_again(solution):\n"
                     "    assert solution().value() == 1, \"value() must be 1\"\n")
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py", "-p", "no:randomly")
    result.assert_outcomes(failed=2, passed=1)
    out = result.stdout.str()
    live = "  stage 1, test_stage1_value: value() must be 1"
    assert out.count(live) == 1 and "test_stage1_value_again: value()" not in out
    assert out.index(live) < out.index("= FAILURES =")


def test_a_parametrized_test_failing_case_after_case_shows_its_first_case_only(repo):
    suite = repo.path / "stages" / "stage1" / "test_toy.py"
    suite.write_text(suite.read_text() + "\nimport pytest\n\n@pytest.mark.parametrize('n', [1, 2, 3])\n"
                     "def test_stage1_value_times(solution, n):\n"
                     "    assert solution().value() * n == n, f'value() * {n} must be {n}'\n")
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    out = repo.runpytest_subprocess("stages/stage1/test_toy.py", "-p", "no:randomly").stdout.str()
    assert "  stage 1, test_stage1_value_times[1]: value() * 1 must be 1" in out
    assert "test_stage1_value_times[2]: " not in out.partition("= FAILURES =")[0]


def test_a_solution_may_span_several_modules(repo):
    write_toy(repo, "from .helper import ONE\n\nclass Toy:\n    def value(self):\n        return ONE\n")
    (repo.path / "katas" / "toy" / "helper.py").write_text("ONE = 1\n")
    repo.runpytest_subprocess("stages/stage1/test_toy.py").assert_outcomes(passed=2)


def test_the_stubs_not_implemented_error_is_one_line(repo):
    write_toy(repo, 'class Toy:\n    def value(self):\n        raise NotImplementedError("toy: implement value()")\n')
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        ["toy: implement value() (the method still raises NotImplementedError: write it in katas/toy)"]
    )


def test_the_report_counts_a_failure_message_that_many_tests_share(repo):
    write_toy(repo, 'class Toy:\n    def value(self):\n        raise NotImplementedError("toy: implement value()")\n')
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("n", range(3))
            def test_value(solution, n):
                assert solution().value() == 1

            def test_alone(solution):
                assert False, "a message of its own"
            """
        )
    )
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines(
        [
            "  stage 1  One * failed (4 of 4)",
            "      3 tests: toy: implement value() (the method still raises NotImplementedError: write it in katas/toy)",
            "      and 1 more with other messages (see the failures above)",
            "  stage 2  Two * locked",
        ]
    )


def test_solution_reference_picks_the_highest_stage_of_the_run(repo):
    write_toy(repo, GOOD.replace("return 1", "return 2"), root="reference/stage1")
    write_toy(repo, GOOD, root="reference/stage2")
    result = repo.runpytest_subprocess("stages/stage2/test_toy.py", "--solution", "reference")
    result.assert_outcomes(passed=4)
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py", "--solution", "reference")
    result.assert_outcomes(failed=1, passed=1)


def test_results_are_written_as_json_and_learner_progress_is_saved(repo, monkeypatch):
    monkeypatch.setenv("DOJO_STATE_DIR", str(repo.path / "state"))
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    repo.runpytest_subprocess("stages/stage2", "--dojo-json", "out.json")
    results = json.loads((repo.path / "out.json").read_text())
    toy = results["katas"]["toy"]
    assert toy["highest_stage"] == 0
    assert toy["stages"]["1"]["status"] == "failed"
    assert toy["stages"]["1"]["failures"][0]["message"].startswith("AssertionError: value() must be 1")
    assert toy["stages"]["2"]["status"] == "locked"
    assert results["katas"]["other"]["highest_stage"] == 2
    [saved] = [json.loads(line) for line in (repo.path / "state" / "runs.jsonl").read_text().splitlines()]
    assert saved["katas"]["other"] == results["katas"]["other"]
    assert saved["katas"]["toy"]["stages"]["1"]["status"] == "failed"


def test_progress_is_not_saved_for_another_solution_folder(repo, monkeypatch):
    monkeypatch.setenv("DOJO_STATE_DIR", str(repo.path / "state"))
    write_toy(repo, GOOD, root="elsewhere")
    repo.runpytest_subprocess("stages/stage1", "--solution", "elsewhere", "--kata", "toy")
    assert not (repo.path / "state").exists()


def test_hypothesis_profiles_dojo_by_default_and_grade_on_request(repo):
    repo.makepyfile(
        test_profile="""
        from hypothesis import settings
        def test_profile():
            print("PROFILE", settings.default.max_examples, settings.default.derandomize)
        """
    )
    result = repo.runpytest_subprocess("test_profile.py", "-s")
    # Derandomization is left to hypothesis: on for CI (CI set), off elsewhere.
    result.stdout.fnmatch_lines(["*PROFILE 100 *"])
    result = repo.runpytest_subprocess("test_profile.py", "-s", "--hypothesis-profile", "grade")
    result.stdout.fnmatch_lines(["*PROFILE 300 True"])


def test_a_property_test_that_shrinks_past_the_budget_shows_its_example_without_hypothesis_notes(
    repo,
):
    """Past the budget Hypothesis stops shrinking and writes notes meant for a five-minute
    limit; a @given test's own reporter must not bring them back."""
    repo.makeconftest(
        'pytest_plugins = ["dojo.plugin"]\n'
        "from dojo import profiles\n"
        'profiles.SHRINK_SECONDS["dojo"] = 0.1  # a budget this slow property outlasts\n'
    )
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text(textwrap.dedent(
        """
        import time
        from hypothesis import given, settings, strategies as st

        @settings(database=None)
        @given(st.lists(st.integers(0, 3), min_size=10, max_size=40))
        def test_stage1_sum(numbers):
            time.sleep(0.002)  # slow to try: shrinking to seven 3s takes seconds
            assert sum(numbers) <= 20
        """
    ))
    result = repo.runpytest_subprocess("stages/stage1", "--kata", "toy")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failing test case: test_stage1_sum(*"])  # Hypothesis's own note stays
    output = result.stdout.str() + result.stderr.str()
    assert "five minutes" not in output and "too long to shrink" not in output, output


def test_a_deadlocked_thread_cannot_keep_the_run_from_ending(repo):
    repo.makepyfile(
        test_stuck="""
        import threading
        def test_leaves_a_thread_blocked_forever():
            threading.Thread(target=threading.Event().wait).start()
        """
    )
    result = repo.runpytest_subprocess("test_stuck.py", timeout=60)
    result.stdout.fnmatch_lines(["*1 passed*", "kata-dojo: 1 thread(s) of the solution never finished; exiting anyway"])
    assert result.ret == 0


FIVE_FAILING_FUNCTIONS = "\n".join(
    f"def test_{n}(solution):\n    assert solution().value() == 1, 'value() must be 1 ({n})'\n"
    for n in ("a", "b", "c", "d", "e")
)


def test_a_failing_stage_stops_after_three_different_failures_in_the_default_profile(repo):
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text(FIVE_FAILING_FUNCTIONS)
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    result = repo.runpytest_subprocess("stages/stage2/test_toy.py", "--dojo-json", "out.json")
    result.assert_outcomes(failed=3, skipped=2 + 2)  # two stopped, stage 2's two locked
    result.stdout.fnmatch_lines([
        "  stage 1  One * failed (3 of 5, 2 not run)",
        "  toy stage 1 stopped after 3 different failures (2 tests not run): fix those first,"
        " or run every test with --stop-after 0",
    ])
    stage = json.loads((repo.path / "out.json").read_text())["katas"]["toy"]["stages"]["1"]
    assert (stage["status"], stage["failed"], stage["not_run"], stage["complete"]) == ("failed", 3, 2, False)
    # Every test runs on request, and always in any profile named on the command line (grade).
    for every in (["--stop-after", "0"], ["--hypothesis-profile", "grade"]):
        repo.runpytest_subprocess("stages/stage1/test_toy.py", *every).assert_outcomes(failed=5)


def test_failures_that_share_one_message_do_not_stop_a_stage(repo):
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text("\n".join(
        f"def test_{n}(solution):\n    assert solution().value() == 1, 'value() must be 1'\n" for n in "abcde"
    ))
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    repo.runpytest_subprocess("stages/stage1/test_toy.py").assert_outcomes(failed=5)


def test_methods_the_stub_still_lacks_never_stop_a_stage(repo):
    # A half-written kata: three methods still raise the stub's error, each its own message;
    # the report lists them all, and the one bug of the written code still shows.
    (repo.path / "stages" / "stage1" / "test_toy.py").write_text("\n".join(
        f"def test_{n}(solution):\n    solution().{n}()\n" for n in ("a", "b", "c", "value")
    ))
    write_toy(repo, GOOD.replace("return 1", "raise KeyError('bug')") + "".join(
        f"\n    def {n}(self):\n        raise NotImplementedError('toy: implement {n}()')\n" for n in "abc"
    ))
    result = repo.runpytest_subprocess("stages/stage1/test_toy.py")
    result.assert_outcomes(failed=4)


def test_parametrized_cases_of_one_function_count_once_towards_the_stop(repo):
    suite = repo.path / "stages" / "stage1" / "test_toy.py"
    suite.write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(4))\ndef test_cases(solution, n):\n"
        "    assert solution().value() == 1\n\n" + FIVE_FAILING_FUNCTIONS
    )
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    repo.runpytest_subprocess(suite, "-p", "no:cacheprovider").assert_outcomes(failed=4 + 2, skipped=3)


def test_within_a_stage_last_runs_failures_come_first_then_the_cheapest_tests(repo):
    suite = repo.path / "stages" / "stage1" / "test_toy.py"
    suite.write_text(textwrap.dedent(
        """
        import time

        def test_slow(solution):
            time.sleep(0.3)

        def test_cheap(solution):
            pass

        def test_value(solution):
            assert solution().value() == 1, "value() must be 1"
        """
    ))
    order = lambda result: [  # noqa: E731
        line.split("::")[1].split()[0] for line in result.stdout.lines
        if line.startswith("stages/stage1/test_toy.py::") and line.split()[1] in ("PASSED", "FAILED")
    ]
    write_toy(repo, GOOD)
    first = repo.runpytest_subprocess(suite, "-v")
    assert order(first) == ["test_slow", "test_cheap", "test_value"]  # nothing timed yet: file order
    assert order(repo.runpytest_subprocess(suite, "-v")) == ["test_cheap", "test_value", "test_slow"]
    write_toy(repo, GOOD.replace("return 1", "return 2"))
    repo.runpytest_subprocess(suite).assert_outcomes(failed=1, passed=2)
    assert order(repo.runpytest_subprocess(suite, "-v")) == ["test_value", "test_cheap", "test_slow"]
    # Without pytest's cache (-p no:cacheprovider) nothing is remembered: file order.
    assert order(repo.runpytest_subprocess(suite, "-v", "-p", "no:cacheprovider"))[0] == "test_slow"



class FakeCache(dict):
    """pytest's cache, as ``dojo.ordering`` uses it: get with a default, and set."""

    def get(self, key, default):
        return super().get(key, default)

    def set(self, key, value):
        self[key] = value


def test_a_test_the_harness_did_not_run_keeps_its_last_failure_for_the_order():
    cache = FakeCache()
    ordering.Ranks(cache).remember({"a": 0.5, "b": 0.001}, failed={"a", "b"}, passed=set())
    # The next run: "a" was locked or stopped (neither failed nor passed), "b" passed.
    ordering.Ranks(cache).remember({"b": 0.001}, failed=set(), passed={"b"})
    ranks = ordering.Ranks(cache)
    assert ranks.failed == {"a"}
    assert ranks.of("a") < ranks.of("b")  # a failure first, however slow


@pytest.mark.parametrize("damaged", ["[" * 100_000, "not json", '{"x": "slow"}', "[1, 2]"])
def test_a_damaged_order_record_in_pytests_cache_is_ignored(repo, damaged):
    for key in (ordering.DURATIONS_KEY, ordering.FAILED_KEY):
        path = repo.path / ".pytest_cache" / "v" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(damaged)
    repo.runpytest_subprocess("stages/stage1/test_toy.py").assert_outcomes(passed=2)
