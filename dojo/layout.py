"""Where things live in a kata-dojo checkout: the one place that spells out its folders.

Every other module asks here for the folder of the learner's solutions, a
stage's suites, a stage's reference solution or the catalog, given the root
of the checkout it works on (the learner's repository, a grader's snapshot
of the suites, a clone of a fork).
"""

from __future__ import annotations

from pathlib import Path

SOLUTIONS = "katas"  # the learner's code: katas/<kata>/, with the catalog beside it
CATALOG = Path(SOLUTIONS) / "katas.toml"
STAGES = "stages"  # stages/stageN/test_<kata>.py
REFERENCE = "reference"  # reference/stageN/<kata>/
SUPPORT = Path(STAGES) / "support"  # stages/support/<kata>.py: a kata's test helpers
JUDGES = Path(STAGES) / "judges"  # stages/judges/<kata>.py: a kata's outside judge
ZOO = Path("tests") / "zoo"  # tests/zoo/<kata>/: the buggy solutions that prove a kata's suites


def solutions(root: Path) -> Path:
    """The learner's solutions: ``katas/``, one folder per kata."""
    return root / SOLUTIONS


def catalog(root: Path) -> Path:
    """The catalog of katas: ``katas/katas.toml``."""
    return root / CATALOG


def stage_dir(root: Path, stage: int) -> Path:
    """The suites of stage ``stage``: ``stages/stageN/``."""
    return root / STAGES / f"stage{stage}"


def suite_file(root: Path, stage: int, kata: str) -> Path:
    """Stage ``stage``'s suite of ``kata``: ``stages/stageN/test_<kata>.py``."""
    return stage_dir(root, stage) / f"test_{kata}.py"


def per_stage_dir(base: Path, stage: int) -> Path:
    """In a folder of per-stage solutions (as ``reference/``), stage ``stage``'s: ``<base>/stageN/``."""
    return base / f"stage{stage}"


def reference(root: Path, stage: int) -> Path:
    """Stage ``stage``'s reference solutions: ``reference/stageN/``, laid out like ``katas/``."""
    return per_stage_dir(root / REFERENCE, stage)


def stage_arg(stage: int) -> str:
    """Stage ``stage``'s suites as given to pytest from the checkout's root: ``stages/stageN``."""
    return stage_dir(Path(), stage).as_posix()


def kata_folder(root: Path, kata: str) -> Path:
    """The learner's folder of ``kata``: ``katas/<kata>/``."""
    return solutions(root) / kata
