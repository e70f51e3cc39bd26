"""The suites' own speed: wall time of ``pytest stages/stageN`` with the reference.

Each run is what a learner types (``pytest stages/stageN --kata K``, which
also runs stages 1..N-1 first) with ``--solution reference``, in a fresh
process, in the default (``dojo``) profile and in the ``grade`` profile;
then the full grade: every kata, every stage, ``grade`` profile, one run.
Wall time is what the targets name; the CPU time of the pytest process is
shown beside it, because on a shared machine wall time also counts the
time spent waiting for a core. Bare pytest's start-up (one trivial test,
the same installed plugins) is measured in the same run, the floor any
suite run stands on.

Failing runs are timed too, as a learner meets them: a zoo entry as the
learner's code, the stage a learner would run, and the time until the run
shows its first failure (the live line, ``dojo.live``), beside the whole
run's.

Runs happen as on a learner's machine: Python may cache bytecode (a
``PYTHONDONTWRITEBYTECODE`` in the environment is dropped; with it, every
run would recompile pytest, hypothesis and the suites, about 2 s), and one
untimed run first fills that cache.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.references import REPO
from dojo.catalog import load_catalog
from dojo.live import LINE

PROFILES = ("default", "grade")
# Failing runs: (kata, zoo entry, the stage a learner runs, what it shows).
FAILING = (
    ("lru_cache", "s1_evicts_most_recently_used", 1, "a stage 1 bug"),
    ("lru_cache", "s4_factory_under_non_reentrant_lock", 4, "a deadlock at stage 4"),
)


@dataclass
class SuiteRun:
    """One timed pytest run."""

    label: str
    katas: tuple[str, ...]
    stage: int
    profile: str
    wall: float
    cpu: float
    status: str  # "passed", "failed (3 of 120)", "no suite yet", ...
    entry: str | None = None  # a failing run's zoo entry, as the learner's code
    first_failure: float | None = None  # ... and the seconds until the run showed its first failure

    def as_json(self) -> dict:
        return dict(self.__dict__, katas=list(self.katas))


def _learner_env(tmp: str) -> dict[str, str]:
    env = dict(os.environ, DOJO_STATE_DIR=str(Path(tmp) / "state"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, float | None]:
    """Wall and CPU seconds of ``command`` in a fresh process, its exit code, and when
    (seconds from the start) it showed its first failure's live line, if it did."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    first = None
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        for line in proc.stdout or ():
            if first is None and LINE.match(line):
                first = time.perf_counter() - start
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, first


def bare_pytest() -> SuiteRun:
    """pytest on one trivial test, outside the repository: start-up and nothing else."""
    with tempfile.TemporaryDirectory(prefix="dojo-bench-") as tmp:
        (Path(tmp) / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_nothing.py"]
        env = _learner_env(tmp)
        _timed(command, Path(tmp), env)  # fills the bytecode cache, untimed
        wall, cpu, returncode, _ = _timed(command, Path(tmp), env)
    status = "passed (1 test)" if returncode == 0 else f"exit {returncode}"
    return SuiteRun("bare pytest, one empty test", (), 0, "default", wall, cpu, status)


def _has_suite(kata: str, stage: int) -> bool:
    return (REPO / "stages" / f"stage{stage}" / f"test_{kata}.py").is_file()


def _run_stage(
    katas: tuple[str, ...], stage: int, profile: str, solution: str | Path, tmp: str
) -> tuple[float, float, str, float | None]:
    """``pytest stages/stage<stage>`` for ``katas`` on ``solution``: wall, CPU, status, first failure."""
    report = Path(tmp) / "results.json"
    command = [sys.executable, "-m", "pytest", f"stages/stage{stage}", "--solution", str(solution),
               "--dojo-json", str(report), "-p", "no:cacheprovider", "-q"]
    for kata in katas:
        command += ["--kata", kata]
    if profile != "default":
        command += ["--hypothesis-profile", profile]
    wall, cpu, returncode, first = _timed(command, REPO, _learner_env(tmp))
    return wall, cpu, _status(report, katas, returncode), first


def time_run(katas: tuple[str, ...], stage: int, profile: str, label: str) -> SuiteRun:
    """Run ``pytest stages/stage<stage>`` for ``katas`` with the reference; time it."""
    with tempfile.TemporaryDirectory(prefix="dojo-bench-") as tmp:
        wall, cpu, status, _ = _run_stage(katas, stage, profile, "reference", tmp)
    return SuiteRun(label, katas, stage, profile, wall, cpu, status)


def _status(report: Path, katas, returncode: int) -> str:
    try:
        results = json.loads(report.read_text())
    except (OSError, ValueError):
        return f"no results (exit {returncode})"
    total = failed = 0
    for kata in katas:
        for outcome in results.get("katas", {}).get(kata, {}).get("stages", {}).values():
            total += outcome.get("total", 0)
            failed += outcome.get("failed", 0)
    return f"failed ({failed} of {total})" if failed else f"passed ({total} tests)"


def time_failing(kata: str, entry: str, stage: int, what: str) -> SuiteRun:
    """Run ``pytest stages/stage<stage>`` on a zoo entry as the learner's code; time its first failure."""
    module = load_catalog(REPO).get(kata).module
    with tempfile.TemporaryDirectory(prefix="dojo-bench-") as tmp:
        folder = Path(tmp) / "solution" / kata
        folder.mkdir(parents=True)
        shutil.copy(REPO / "tests" / "zoo" / kata / f"{entry}.py", folder / f"{module}.py")
        wall, cpu, status, first = _run_stage((kata,), stage, "default", folder.parent, tmp)
    return SuiteRun(f"{kata} stage {stage}, {what} ({entry})", (kata,), stage, "default", wall, cpu,
                    status, entry, first)


def run(quick: bool, progress=print) -> list[SuiteRun]:
    """Every kata x stage x profile, then the full grade; ``quick``: stage 1 of the first kata."""
    catalog = load_catalog(REPO)
    names = catalog.names()
    stages = range(1, catalog.max_stage + 1)
    plan = [((names[0],), 1, "default")] if quick else [
        ((kata,), stage, profile) for profile in PROFILES for kata in names for stage in stages
    ]
    runs = [bare_pytest()]
    if not quick:
        time_run((names[0],), 1, "default", "warm-up")  # fills the suites' bytecode cache, untimed
    for katas, stage, profile in plan:
        label = f"{katas[0]} stage {stage}"
        if not _has_suite(katas[0], stage):
            runs.append(SuiteRun(label, katas, stage, profile, 0.0, 0.0, "no suite yet"))
            continue
        progress(f"suites: pytest stages/stage{stage} --kata {katas[0]}, {profile} profile")
        runs.append(time_run(katas, stage, profile, label))
    for kata, entry, stage, what in FAILING:
        progress(f"suites: pytest stages/stage{stage} --kata {kata} on {entry}, first failure")
        runs.append(time_failing(kata, entry, stage, what))
    if not quick:
        progress("suites: the full grade (every kata, every stage, grade profile)")
        last = max(stages)
        runs.append(time_run(tuple(names), last, "grade", "full grade, every kata"))
    return runs
