"""What a solution's code can reach at run time, for forbidden-structure checks.

A source scan sees how a name is spelled; it misses a name built at run time
(``importlib.import_module("coll" + "ections")``) and a library copied into
the solution's folder under its own name. This looks at what the solution
actually loaded and built: the modules imported from its folder, what their
globals, classes and functions hold, and the objects a live instance holds.

Usage::

    for where, obj in reachable(folder, cache):
        what = forbidden(obj)  # the kata's own test of an object
"""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Iterator
from pathlib import Path

__tracebackhide__ = True

LIMIT = 50_000
# What every module holds whatever its code: all the builtins, its loader and spec.
_MODULE_MACHINERY = {
    "__builtins__",
    "__loader__",
    "__spec__",
    "__cached__",
}  # objects visited at most: a cache's graph is walked to its entries


def inside(path: str | None, folder: Path) -> bool:
    if not path:
        return False
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def solution_modules(folder: Path) -> list[types.ModuleType]:
    """The modules imported from files under ``folder`` (a vendored library's included)."""
    found = []
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType) and inside(getattr(module, "__file__", None), folder):
            found.append(module)
    return found


def _own(obj: object, folder: Path) -> bool:
    """A function or class whose code lives in ``folder``: look inside it."""
    if isinstance(obj, types.FunctionType):
        return inside(obj.__code__.co_filename, folder)
    if isinstance(obj, type):
        module = sys.modules.get(getattr(obj, "__module__", "") or "")
        return module is not None and inside(getattr(module, "__file__", None), folder)
    return False


def _children(obj: object, folder: Path) -> Iterator[tuple[str, object]]:
    if isinstance(obj, types.ModuleType):
        for name, value in list(vars(obj).items()):
            if name not in _MODULE_MACHINERY:
                yield name, value
    elif isinstance(obj, type):
        for base in obj.__mro__[1:]:
            yield "base class", base
        for name, value in list(vars(obj).items()):
            yield name, value
    elif isinstance(obj, types.FunctionType):
        for value in obj.__defaults__ or ():
            yield "default argument", value
        for value in (obj.__kwdefaults__ or {}).values():
            yield "default argument", value
        for cell in obj.__closure__ or ():
            try:
                yield "closure", cell.cell_contents
            except ValueError:  # an empty cell
                pass
        names = set(obj.__code__.co_names)
        for inner in obj.__code__.co_consts:  # comprehensions and nested functions
            if isinstance(inner, types.CodeType):
                names.update(inner.co_names)
        builtins = obj.__globals__.get("__builtins__", {})
        builtins = vars(builtins) if isinstance(builtins, types.ModuleType) else builtins
        for name in sorted(names):  # globals and builtins it reads, by name
            if name in obj.__globals__:
                value = obj.__globals__[name]
                yield name, value
                if isinstance(value, types.ModuleType):  # module.attribute it may read
                    for attribute in sorted(names):
                        if attribute in vars(value):
                            yield f"{name}.{attribute}", vars(value)[attribute]
            elif name in builtins:
                yield name, builtins[name]
    elif isinstance(obj, (staticmethod, classmethod)):
        yield "method", obj.__func__
    elif isinstance(obj, property):
        yield "property", obj.fget
    else:
        for value in gc.get_referents(obj):
            yield "attribute", value


def reachable(folder: Path, *roots: object) -> Iterator[tuple[str, object]]:
    """``(where, object)`` for everything the solution's modules and ``roots`` hold.

    Walks into the solution's own modules, classes and functions and into the
    given objects' contents; it stops at modules, classes and functions of
    other code (it names them, never opens them).
    """
    seen: set[int] = set()
    queue: list[tuple[str, object]] = [(m.__name__, m) for m in solution_modules(folder)]
    queue += [(f"the object {type(r).__name__}", r) for r in roots]
    while queue and len(seen) < LIMIT:
        where, obj = queue.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield where, obj
        foreign = isinstance(obj, (types.ModuleType, type, types.FunctionType)) and not (
            _own(obj, folder)
            or (isinstance(obj, types.ModuleType) and inside(getattr(obj, "__file__", None), folder))
        )
        if foreign or isinstance(obj, (str, bytes, int, float, types.BuiltinFunctionType)):
            continue
        for name, child in _children(obj, folder):
            queue.append((f"{where}.{name}" if isinstance(obj, (types.ModuleType, type)) else where, child))
