"""Smoke test of the benchmarks: ``python -m benchmarks --quick`` runs and yields every table.

No timing assertions: the quick mode's workloads are far too small to
measure anything, and the machine is shared. What is checked is that the
one documented command runs each concern end to end, measures every
contender the issue names, evaluates every target, and writes the plot.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from benchmarks.table import markdown
from tests.support import REPO, check_passes_every_stage, run_stages

for module in ("cachetools", "lru", "boltons", "matplotlib"):
    pytest.importorskip(module, reason="the bench extra is not installed: pip install -e '.[bench]'")

LRU_CONTENDERS = {
    "reference stage 1", "reference stage 2", "reference stage 3", "reference stage 4",
    "tuned stage 4 (not for copying)",
    "lru.LRU (lru-dict, C)", "cachetools.LRUCache", "boltons.cacheutils.LRU",
    "dict (no eviction, floor)",
}
TARGETS = {
    "LRU stage 2 per operation vs lru.LRU",
    "LRU stage 2 vs cachetools.LRUCache",
    "boltons.cacheutils.LRU vs LRU stage 4 (how many times faster stage 4 is)",
    "DB stage 4 get vs dict",
    "DB stage 4 set vs dict",
    "DB stage 4 scan of 10 keys vs bare SortedList bisect + slice",
    "DB stage 4 scan of 10 keys vs sqlite3 range query",
    "DB stage 4 begin/set/rollback at depth 1: large vs small database",
    "DB stage 4 begin/set/rollback at depth 5: large vs small database",
    "a learner's passing pytest stages/stage4 per kata, default profile: wall (slowest)",
    "... and its CPU time (slowest)",
    "a learner's passing pytest stages/stage1 per kata, default profile: wall (slowest)",
    "a failing learner's run, stage 1: seconds until its first failure shows",
    "a failing learner's run, stage 4: seconds until its first failure shows",
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--plot", str(out / "growth.png"),
         "--json", str(out / "results.json")],
        cwd=REPO, capture_output=True, text=True, timeout=170,
    )
    assert proc.returncode == 0, f"python -m benchmarks --quick failed:\n{proc.stderr[-3000:]}"
    return proc.stdout, json.loads((out / "results.json").read_text()), out / "growth.png"


@pytest.mark.timeout(180)
def test_quick_run_measures_every_lru_contender_on_every_workload(quick_run):
    _, results, _ = quick_run
    found = list(results["lru"])
    assert len(found) == 4, f"expected uniform and zipf at two capacities, got {found}"
    for workload, contenders in results["lru"].items():
        assert set(contenders) == LRU_CONTENDERS, f"{workload}: contenders {sorted(contenders)}"
        for name, measured in contenders.items():
            assert len(measured["samples_ns"]) == 2, f"{workload} / {name}: one sample per repeat"
            assert measured["median_ns"] > 0, f"{workload} / {name}: no time measured"


@pytest.mark.timeout(180)
def test_quick_run_measures_every_database_workload(quick_run):
    _, results, _ = quick_run
    names = list(results["db"])
    for start in ("get,", "set (overwrite),", "mix ", "TTL churn", "begin/set/rollback, depth 1,",
                  "begin/set/rollback, depth 5,", "scan, 10 of", "scan, 1,000 of", "scan, 10,000 of"):
        assert any(name.startswith(start) for name in names), f"no workload {start!r} in {names}"
    scan = next(v for k, v in results["db"].items() if k.startswith("scan, 10 of"))
    assert {"reference stage 4", "SortedList bisect + slice (keys only)", "sqlite3 (:memory:)"} <= set(scan)
    get = next(v for k, v in results["db"].items() if k.startswith("get,"))
    assert {"reference stage 1", "reference stage 4", "tuned stage 4 (not for copying)", "dict (floor)",
            "sqlite3 (:memory:)"} <= set(get)


@pytest.mark.timeout(180)
def test_quick_run_evaluates_every_target_and_names_the_machine(quick_run):
    stdout, results, _ = quick_run
    assert {t["name"] for t in results["targets"]} == TARGETS
    assert results["machine"]["processor"] and results["machine"]["cores"] >= 1
    for heading in ("### Targets", "### LRU cache", "### In-memory database", "### Growth",
                    "### The suites"):
        assert heading in stdout, f"the printed results lack {heading!r}"


@pytest.mark.timeout(180)
def test_quick_run_writes_the_growth_plot_and_times_a_suite(quick_run):
    _, results, plot = quick_run
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{plot} is not a PNG"
    assert all(len(by_size) == 2 for by_size in results["growth"].values())
    bare, suite, *failing = results["suites"]
    # Bare pytest's start-up is measured in the same run, for comparison.
    assert bare["label"].startswith("bare pytest") and bare["status"] == "passed (1 test)", bare
    assert 0 < bare["cpu"], bare
    # The suite ran and reported: whether the reference passes is the curriculum's test, not this one.
    ran = re.fullmatch(r"passed \(\d+ tests\)|failed \(\d+ of \d+\)", suite["status"])
    assert suite["wall"] > 0 and ran, f"the timed suite run reported no results: {suite}"
    # Failing runs (zoo entries as the learner's code) fail, and show a failure before they end.
    assert [run["stage"] for run in failing] == [1, 4], failing
    for run in failing:
        assert run["status"].startswith("failed") and 0 < run["first_failure"] <= run["wall"], run


def test_table_renderer_lines_up_columns_and_aligns_numbers_right():
    text = markdown(("name", "ns/op"), [("a", 1234.0), ("longer name", 0.5)])
    assert text.splitlines() == [
        "| name        | ns/op |",
        "| ----------- | ----: |",
        "| a           | 1,234 |",
        "| longer name |  0.50 |",
    ]


def test_bad_option_is_one_usage_error_not_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--repeats", "0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--repeats must be at least 1, got 0" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_examples_table_shows_per_model_test_the_most_examples_any_entry_needed():
    from benchmarks.examples import Probe, table

    probes = [
        Probe("toy", "s1_a", 1, "test_model", 0, 4),
        Probe("toy", "s1_a", 1, "test_model", 1, 30),
        Probe("toy", "s1_b", 1, "test_model", 0, 7),
        Probe("toy", "s2_c", 2, "test_model2", 0, None),
    ]
    rows = table(probes, [0, 1]).splitlines()[2:]
    assert len(rows) == 2, rows
    assert " 30 |" in rows[0] and "s1_a (seed 1)" in rows[0], rows[0]
    assert "not caught" in rows[1] and "s2_c (seed 0)" in rows[1], rows[1]


# The tuned contenders are correct solutions too, or their speed would mean nothing:
# a suite change that breaks one shows here, not as a silently wrong benchmark row.
TUNED = REPO / "benchmarks" / "tuned"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kata", sorted(p.name for p in TUNED.iterdir() if p.is_dir()))
def test_each_tuned_contender_passes_every_stage(kata, tmp_path):
    run = run_stages(kata, 4, TUNED, tmp_path, timeout=600)
    check_passes_every_stage(kata, f"benchmarks/tuned/{kata}", range(1, 5), run)
