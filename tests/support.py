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
    """Run stages 1..``stage`` of ``kata`` against ``solution`` in a fresh process."""
    report = tmp_path / f"results-{kata}-{stage}-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    env = dict(os.environ, DOJO_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", f"stages/stage{stage}",
            "--kata", kata, "--solution", str(solution), "--dojo-json", str(report),
            "-p", "no:cacheprovider", "-q", *extra,
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


def check_zoo_size(kata: str, entries: list[Path], stages: tuple[int, ...]) -> None:
    per_stage = {stage: sum(expected_stage(e) == stage for e in entries) for stage in stages}
    assert len(entries) >= MIN_ZOO_ENTRIES, (
        f"tests/zoo/{kata}/ holds {len(entries)} buggy solutions; the zoo needs at least {MIN_ZOO_ENTRIES}"
    )
    thin = {stage: n for stage, n in per_stage.items() if n < MIN_ZOO_PER_STAGE}
    assert not thin, (
        f"tests/zoo/{kata}/: stages with fewer than {MIN_ZOO_PER_STAGE} entries: {thin}"
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
    readme = (ZOO / kata / "README.md").read_text(encoding="utf-8")
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
        failures = [
            f"  stage {s}: {f['test']}: {f['message']}"
            for s, v in sorted(run.stages(kata).items())
            for f in v.get("failures", [])
        ]
        pytest.fail(
            f"{where}\nexpected stage statuses {wanted}, got {statuses}"
            f" (caught at stage {run.caught_at(kata)})\n"
            + ("failures:\n" + "\n".join(failures[:20]) + "\n" if failures else "")
            + f"--- end of the run's output ---\n{run.explain()}",
            pytrace=False,
        )
    return where


def fair_entries(kata: str) -> list[Path]:
    """Correct solutions of other designs (``tests/zoo/<kata>/ok_*.py``): each passes every stage."""
    return sorted((ZOO / kata).glob("ok_*.py"))
