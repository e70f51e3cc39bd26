"""Fixtures shared by the project's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_standin import build_repo

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def base_repo(tmp_path_factory) -> Path:
    return build_repo(tmp_path_factory.mktemp("base"))


@pytest.fixture
def repo(base_repo, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the stand-in repository, as the working folder."""
    root = tmp_path / "repo"
    shutil.copytree(base_repo, root, symlinks=True)
    monkeypatch.chdir(root)
    for name in ("DOJO_STATE_DIR", "DOJO_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    return root
