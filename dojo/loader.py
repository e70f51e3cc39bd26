"""Import a learner's solution: ``<solution>/<kata>/`` as a package.

The folder is imported under a private package name, so a solution may be
several modules joined by relative imports and can never shadow the harness
or the standard library. Whatever goes wrong becomes one line that names the
file and the error, for the plugin to show in place of every test.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import CodeType, ModuleType

from dojo.catalog import Kata


@dataclass(frozen=True)
class Loaded:
    """The outcome of importing one kata's solution: a class, or a problem."""

    folder: Path
    cls: type | None = None
    problem: str | None = None


def display(path: Path) -> str:
    """A path as the learner would type it: relative to the working folder."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


PACKAGE_PREFIX = "_dojo_solution_"


def package_name(kata: Kata) -> str:
    return f"{PACKAGE_PREFIX}{kata.name}"


def _forget(prefix: str) -> None:
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]


def _where(exc: BaseException, folder: Path) -> str:
    """The innermost line of the solution's own code that the error passed through."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{display(Path(exc.filename))}, line {exc.lineno}"
    inside = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).resolve().is_relative_to(folder.resolve())
    ]
    if inside:
        return f"{display(Path(inside[-1].filename))}, line {inside[-1].lineno}"
    return display(folder)


class _FromSource(importlib.machinery.SourceFileLoader):
    """A solution module's loader: its code compiled from the file, never from a bytecode cache.

    Python trusts a cached ``.pyc`` whose recorded modification time (in
    whole seconds) and size match the source's: an edit that keeps the size
    within the same second (``return 1`` to ``return 2`` and a quick rerun,
    as ``dojo watch`` makes) would run the old code. The code that passes
    must be the code on disk. Libraries the solution imports load as usual.
    """

    def get_code(self, fullname: str) -> CodeType:
        return self.source_to_code(self.get_data(self.path), self.path)


class _SolutionFinder(importlib.abc.MetaPathFinder):
    """Finds a solution's modules as usual, then loads them with ``_FromSource``."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(PACKAGE_PREFIX):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader) and spec.origin:
            spec.loader = _FromSource(fullname, spec.origin)
        return spec


_FINDER = _SolutionFinder()


def _import_package(kata: Kata, folder: Path) -> ModuleType:
    name = package_name(kata)
    _forget(name)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    init = folder / "__init__.py"
    if init.exists():
        spec = importlib.util.spec_from_file_location(
            name, init, loader=_FromSource(name, str(init)), submodule_search_locations=[str(folder)]
        )
        assert spec is not None  # a .py file always has a spec
    else:  # a folder without __init__.py is still a package of its modules
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    if spec.loader is not None:
        spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.{kata.module}")


def load_solution(kata: Kata, solution_root: Path) -> Loaded:
    """Import ``<solution_root>/<kata.name>/<kata.module>.py`` and take its class."""
    folder = solution_root / kata.name
    module_file = folder / f"{kata.module}.py"
    if not folder.is_dir():
        return Loaded(folder, problem=f"{display(folder)}: no such folder (is --solution right?)")
    if not module_file.is_file():
        return Loaded(folder, problem=f"{display(module_file)}: no such file")
    try:
        module = _import_package(kata, folder)
    except BaseException as exc:  # noqa: BLE001 - a solution may raise anything at import
        _forget(package_name(kata))
        kind = type(exc).__name__
        detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        return Loaded(
            folder,
            problem=f"{_where(exc, folder)}: {kind}: {detail} (raised while importing the solution)",
        )
    cls = getattr(module, kata.class_name, None)
    if not isinstance(cls, type):
        return Loaded(folder, problem=f"{display(module_file)}: defines no class {kata.class_name}")
    return Loaded(folder, cls=cls)
