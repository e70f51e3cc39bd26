"""Run the stage suites in a subprocess against a given solution, and read the results.

The project's tests prove the suites this way: each reference, the stub and
every zoo entry is run exactly as a learner or grader would run it, and the
``--dojo-json`` results say which stage caught it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

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
