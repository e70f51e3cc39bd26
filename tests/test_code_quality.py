"""The harness's own habits: ruff's lint and format and mypy pass on ``dojo/``,
and kata content reaches the harness only through its toolkit, ``dojo.testing``.

Each tool runs from the repository root, so it reads the configuration in
``pyproject.toml`` ([tool.ruff], [tool.mypy]) as a maintainer's command line would.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# mypy's first run on a loaded machine takes a while; its cache makes the next ones quick.
pytestmark = pytest.mark.timeout(600)


def run_tool(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m TOOL ARGS`` from the repository root, with the interpreter running the tests."""
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed; install the dev extra: pip install -e '.[dev]'")
    return subprocess.run(
        [sys.executable, "-m", tool, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def assert_clean(proc: subprocess.CompletedProcess[str], command: str) -> None:
    if proc.returncode != 0:  # the tool's own report says what to fix, and where
        pytest.fail(
            f"`{command}` (from {ROOT}) exited {proc.returncode}:\n{proc.stdout}{proc.stderr}", pytrace=False
        )


def test_ruff_finds_no_lint_problems_in_the_harness():
    assert_clean(run_tool("ruff", "check", "dojo"), "ruff check dojo")


def test_the_harness_is_formatted_as_ruff_format_writes_it():
    assert_clean(run_tool("ruff", "format", "--check", "dojo"), "ruff format --check dojo")


def test_mypy_finds_no_type_errors_in_the_harness():
    assert_clean(run_tool("mypy", "dojo"), "mypy dojo")


def dojo_imports(path: Path) -> set[str]:
    """The ``dojo`` modules that ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "dojo" or name.startswith("dojo.")}


def test_suites_and_their_support_import_only_the_toolkit_of_the_harness():
    # The plugin, grader and CLI may change shape; a suite must not notice.
    files = sorted((ROOT / "stages").glob("stage*/*.py")) + sorted((ROOT / "stages" / "support").glob("*.py"))
    assert files
    beyond = {
        str(path.relative_to(ROOT)): sorted(imports - {"dojo.testing"})
        for path in files
        if (imports := dojo_imports(path)) - {"dojo.testing"}
    }
    assert not beyond, f"suites import dojo modules other than dojo.testing: {beyond}"
