"""Run the stage suites in a subprocess against a given solution, and read the results.

The project's tests prove the suites this way: each reference, the stub and
every zoo entry is run exactly as a learner or grader would run it, and the
``--dojo-json`` results say which stage caught it.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ZOO = REPO / "tests" / "zoo"


def kata_module(kata: str) -> str:
    manifest = tomllib.loads((REPO / "katas" / "katas.toml").read_text())
    return next(k["module"] for k in manifest["kata"] if k["name"] == kata)


@dataclass
class StageRun:
    """The outcome of ``pytest stages/stageN --kata K --solution S``."""

    returncode: int
    output: str
    results: dict

    def stages(self, kata: str) -> dict[int, dict]:
        found = self.results.get("katas", {}).get(kata, {}).get("stages", {})
        return {int(s): v for s, v in found.items()}

    def status(self, kata: str, stage: int) -> str:
        return self.stages(kata).get(stage, {}).get("status", "not run")

    def caught_at(self, kata: str) -> int | None:
        """The first stage with failures, or None if every stage run passed."""
        return next(
            (s for s, v in sorted(self.stages(kata).items()) if v["status"] == "failed"), None
        )

    def failure_lines(self, kata: str, most: int = 20) -> list[str]:
        """The first ``most`` failures of the run, one line each: stage, test, message."""
        lines = [
            f"  stage {s}: {f['test']}: {f['message']}"
            for s, v in sorted(self.stages(kata).items())
            for f in v.get("failures", [])
        ]
        return lines[:most]

    def explain(self) -> str:
        return self.output[-6000:]


def run_stages(
    kata: str,
    stage: int,
    solution: Path | str,
    tmp_path: Path,
    *extra: str,
    timeout: float = 300,
) -> StageRun:
    """Run stages 1..``stage`` of ``kata`` against ``solution`` in a fresh process.

    Every test of a failing stage runs (``--stop-after 0``): the proofs read
    which tests failed and why, not only the first few a learner is shown.
    """
    report = tmp_path / f"results-{kata}-{stage}-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    env = dict(os.environ, DOJO_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", f"stages/stage{stage}",
            "--kata", kata, "--solution", str(solution), "--dojo-json", str(report),
            "-p", "no:cacheprovider", "--stop-after", "0", "-q", *extra,
        ],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    results = json.loads(report.read_text()) if report.exists() else {}
    return StageRun(proc.returncode, proc.stdout + proc.stderr, results)


def solution_from_file(source: Path, kata: str, tmp_path: Path) -> Path:
    """A solution folder (laid out like katas/) whose kata module is ``source``."""
    root = tmp_path / f"solution-{source.stem}"
    folder = root / kata
    folder.mkdir(parents=True)
    shutil.copy(source, folder / f"{kata_module(kata)}.py")
    return root


def zoo_entries(kata: str) -> list[Path]:
    """Every buggy solution of the kata's zoo: ``tests/zoo/<kata>/s<N>_<bug>.py``."""
    return sorted((ZOO / kata).glob("s[0-9]_*.py"))


def expected_stage(entry: Path) -> int:
    """The stage that must catch a zoo entry, from its name ``s<N>_...``."""
    return int(entry.name[1])


# -- the zoos' shared checks: each zoo module's tests call these ------------------------

MIN_ZOO_ENTRIES = 25
MIN_ZOO_PER_STAGE = 5


def zoo_docstring(entry: Path) -> list[str]:
    """The lines of a zoo entry's docstring: 'Bug: ...', then 'Breaks (stage N): ...'."""
    doc = ast.get_docstring(ast.parse(entry.read_text(encoding="utf-8"))) or ""
    return doc.splitlines()


def check_zoo_size(
    kata: str,
    entries: list[Path],
    stages: range | tuple[int, ...],
    least: int = MIN_ZOO_ENTRIES,
    least_per_stage: int = MIN_ZOO_PER_STAGE,
) -> None:
    per_stage = {stage: sum(expected_stage(e) == stage for e in entries) for stage in stages}
    assert len(entries) >= least, (
        f"tests/zoo/{kata}/ holds {len(entries)} buggy solutions; the zoo needs at least {least}"
    )
    thin = {stage: n for stage, n in per_stage.items() if n < least_per_stage}
    assert not thin, (
        f"tests/zoo/{kata}/: stages with fewer than {least_per_stage} entries: {thin}"
        f" (entries per stage: {per_stage})"
    )


def check_entry_docstring(entry: Path) -> None:
    lines = zoo_docstring(entry)
    assert len(lines) >= 2 and lines[0].startswith("Bug: ") and lines[1].startswith("Breaks ("), (
        f"{entry.relative_to(REPO)}: the docstring must start with 'Bug: <the bug>' and"
        f" 'Breaks (stage N): <the contract line>'; it starts with {lines[:2]!r}"
    )
    assert f"(stage {expected_stage(entry)})" in lines[1], (
        f"{entry.relative_to(REPO)}: the file name says stage {expected_stage(entry)},"
        f" the docstring says {lines[1]!r}"
    )


def check_readme_lists(kata: str, entries: list[Path]) -> None:
    path = ZOO / kata / "README.md"
    assert path.is_file(), f"tests/zoo/{kata}/README.md is missing: write it, listing every entry"
    readme = path.read_text(encoding="utf-8")
    missing = [e.stem for e in entries if f"`{e.stem}`" not in readme]
    assert not missing, f"tests/zoo/{kata}/README.md does not list: {', '.join(missing)}"


def check_caught_at_its_stage(kata: str, entry: Path, run: StageRun) -> str:
    """Fail unless ``run`` passed the stages before the entry's and failed its own.

    Returns how the entry is named in messages: its path and its bug.
    """
    stage = expected_stage(entry)
    statuses = {s: run.status(kata, s) for s in range(1, stage + 1)}
    wanted = {s: "passed" for s in range(1, stage)} | {stage: "failed"}
    where = f"{entry.relative_to(REPO)} ({zoo_docstring(entry)[0]})"
    if statuses != wanted:
        failures = run.failure_lines(kata)
        pytest.fail(
            f"{where}\nexpected stage statuses {wanted}, got {statuses}"
            f" (caught at stage {run.caught_at(kata)})\n"
            + ("failures:\n" + "\n".join(failures) + "\n" if failures else "")
            + f"--- end of the run's output ---\n{run.explain()}",
            pytrace=False,
        )
    return where


def fair_entries(kata: str) -> list[Path]:
    """Correct solutions of other designs (``tests/zoo/<kata>/ok_*.py``): each passes every stage."""
    return sorted((ZOO / kata).glob("ok_*.py"))


def check_passes_every_stage(
    kata: str, solution: str, stages: range | tuple[int, ...], run: StageRun
) -> None:
    """Fail unless ``run`` passed every one of ``stages``; ``solution`` names it in the message."""
    statuses = {stage: run.status(kata, stage) for stage in stages}
    if statuses != {stage: "passed" for stage in stages}:
        pytest.fail(
            f"{solution} must pass every stage; got {statuses}\n"
            + "\n".join(run.failure_lines(kata)) + f"\n--- end of the run's output ---\n{run.explain()}",
            pytrace=False,
        )


def imports_of(entry: Path) -> set[str]:
    """The top-level modules a source file imports ('.' for a relative import)."""
    tree = ast.parse(entry.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").split(".")[0])
    return found


def solution_with_files(entry: Path, kata: str, where: Path) -> Path:
    """The entry as a solution folder, with the modules of ``<entry>.files/`` beside it.

    Most entries are one file; one that needs more (a vendored library) keeps
    its other modules in a folder named after it.
    """
    solution = solution_from_file(entry, kata, where)
    extra = entry.with_suffix(".files")
    if extra.is_dir():
        for module in extra.iterdir():
            shutil.copy(module, solution / kata / module.name)
    return solution


def pool_size() -> int:
    """Processes to run at once: one per core and one more to cover their start-up.

    The suites' only timing checks are ratios and generous bounds, so they hold
    with every core busy.
    """
    return (os.cpu_count() or 1) + 1


# -- several pytest sessions in one process -------------------------------------------

# One process runs pytest sessions one after another against one solution, each
# keeping only the chosen tests of the chosen suite files (the dojo plugin would
# otherwise gate on, and run, the earlier stages too). It prints one line:
# ``SESSIONS [[label, exit code], ...]``. ``dojo-fresh`` is the learner's profile
# without hypothesis's example database, so no session replays an earlier catch.
SESSIONS_DRIVER = textwrap.dedent(
    """
    import json, sys
    import pytest
    from hypothesis import settings
    from dojo import profiles

    plan = json.loads(sys.argv[1])
    files, names = plan["files"], set(plan["names"])
    # The learner's profile with no example database: each session searches afresh.
    settings.register_profile(
        "dojo-fresh", settings.get_profile(profiles.DEFAULT_PROFILE), database=None
    )
    # The sessions are read by their exit codes: how far a failure shrinks cannot change
    # whether it was caught, so every session shrinks within the learner's budget.
    for name in ("dojo-fresh", profiles.GRADE_PROFILE):
        profiles.SHRINK_SECONDS[name] = profiles.SHRINK_SECONDS[profiles.DEFAULT_PROFILE]

    def wanted(item):
        if item.nodeid.split("::")[0] not in files:
            return False
        return not names or item.nodeid in names or item.originalname in names

    class KeepOnly:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            dropped = [item for item in items if not wanted(item)]
            items[:] = [item for item in items if wanted(item)]
            config.hook.pytest_deselected(items=dropped)

    sessions = []
    for label, options in plan["sessions"]:
        code = pytest.main(
            [*files, "--kata", plan["kata"], "--solution", plan["solution"], "-q",
             "-p", "no:cacheprovider", "--no-header", "--tb=line", *options],
            plugins=[KeepOnly()],
        )
        sessions.append([label, int(code)])
    print("SESSIONS " + json.dumps(sessions))
    """
)


@dataclass
class Sessions:
    """The exit code of each session a ``SESSIONS_DRIVER`` process ran, by label."""

    codes: list[tuple[str, int]]
    output: str

    def missed(self) -> list[str]:
        """The sessions that did not fail a test (exit code 1 means a test failed: caught)."""
        return [label for label, code in self.codes if code != 1]

    def describe(self) -> str:
        return ", ".join(f"{label}: exit {code}" for label, code in self.codes) or "no session ran"


def run_sessions(
    kata: str,
    solution: Path,
    files: list[str],
    names: list[str],
    sessions: list[tuple[str, list[str]]],
    state: Path,
    timeout: float = 900,
) -> Sessions:
    """Run ``sessions`` (label, pytest options) of the tests ``names`` (all if empty) in ``files``."""
    plan = {"kata": kata, "solution": str(solution), "files": files, "names": names,
            "sessions": sessions}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", SESSIONS_DRIVER, json.dumps(plan)],
            cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
            env=dict(os.environ, DOJO_STATE_DIR=str(state)),
        )
    except subprocess.TimeoutExpired:
        return Sessions([], f"the {len(sessions)} sessions did not finish within {timeout:.0f} s")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SESSIONS ")]
    codes = [(label, code) for label, code in json.loads(lines[-1][9:])] if lines else []
    return Sessions(codes, (proc.stdout + proc.stderr)[-4000:])
