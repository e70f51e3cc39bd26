"""Import a learner's solution: ``<solution>/<kata>/`` as a package.

The folder is imported under a private package name, so a solution may be
several modules joined by relative imports and can never shadow the harness
or the standard library. Whatever goes wrong becomes one line that names the
file and the error, for the plugin to show in place of every test.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

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


def package_name(kata: Kata) -> str:
    return f"_dojo_solution_{kata.name}"


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


@contextlib.contextmanager
def _from_source() -> Iterator[None]:
    """Compile the solution from its source, never from a bytecode cache.

    Python trusts a cached ``.pyc`` whose recorded modification time (in
    whole seconds) and size match the source's: an edit that keeps the size
    within the same second (``return 1`` to ``return 2`` and a quick rerun,
    as ``dojo watch`` makes) would run the old code. The code that passes
    must be the code on disk, so no cache is read or written for it.
    """
    saved = sys.dont_write_bytecode, sys.pycache_prefix
    with tempfile.TemporaryDirectory(prefix="dojo-no-bytecode-") as empty:
        sys.dont_write_bytecode, sys.pycache_prefix = True, empty
        try:
            yield
        finally:
            sys.dont_write_bytecode, sys.pycache_prefix = saved


def _import_package(kata: Kata, folder: Path) -> ModuleType:
    name = package_name(kata)
    _forget(name)
    init = folder / "__init__.py"
    if init.exists():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
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
        with _from_source():
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
