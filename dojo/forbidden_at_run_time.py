"""Forbidden structures at run time: what a solution's code actually loaded and holds.

The source scan (:mod:`dojo.forbidden`) sees how a name is spelled; this sees
the objects: a forbidden class reached through a name built at run time, a
subclass or instance of one, or a library copied into the solution's folder.
It walks what :func:`dojo.reachable.reachable` finds and never imports a module
itself: a forbidden module the solution did not import holds nothing of it.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dojo.forbidden import forbidden_by
from dojo.reachable import inside, reachable

__tracebackhide__ = True


def _resolve(dotted: str) -> Any:
    """The object ``dotted`` names, if its module is already imported (never imports one)."""
    if dotted in sys.modules:
        return sys.modules[dotted]
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is not None:
            obj: Any = module
            for attribute in parts[i:]:
                obj = getattr(obj, attribute, None)
            return obj
    return None


def _module_of(obj: Any, folder: Path, own_module: str) -> str:
    """The dotted module ``obj`` comes from; for the solution's own modules, the part after its package."""
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    elif isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        name = getattr(obj, "__module__", None) or ""
    else:
        name = getattr(type(obj), "__module__", None) or ""
    module = sys.modules.get(name)
    if module is not None and inside(getattr(module, "__file__", None), folder):
        return ".".join(p for p in name.split(".")[1:] if p != own_module)
    return name


def forbidden_at_run_time(
    folder: Path, roots: Iterable[Any], modules: dict[str, str], names: dict[str, str], own_module: str = ""
) -> list[str]:
    """What the solution's modules and ``roots`` hold of ``modules`` and ``names``, by where.

    A forbidden object, a subclass or an instance of a forbidden class, an
    object of a forbidden module, or a module of the folder named after one
    (a vendored copy) all count, however the solution reached them.
    ``own_module`` is the solution's own module, when it shares its name with
    a forbidden library: never taken for a vendored copy.
    """
    objects: dict[int, tuple[Any, str]] = {}
    for dotted, described in names.items():
        obj = _resolve(dotted)
        if obj is not None and not isinstance(obj, (str, int)):
            objects.setdefault(id(obj), (obj, described))
    classes = [(obj, described) for obj, described in objects.values() if isinstance(obj, type)]
    found: dict[str, str] = {}
    for where_, obj in reachable(folder, *roots):
        what: str | None = None
        if id(obj) in objects and objects[id(obj)][0] is obj:
            what = objects[id(obj)][1]
        elif (origin := getattr(obj, "__origin__", None)) is not None and id(origin) in objects:
            what = objects[id(origin)][1]  # typing.OrderedDict[str, int]
        else:
            for cls, its in classes:
                if isinstance(obj, cls) or (isinstance(obj, type) and issubclass(obj, cls)):
                    what = its
                    break
        if what is None:
            module = _module_of(obj, folder, own_module)
            parts = module.split(".") if module else []
            what = forbidden_by(module, modules, {}) if module else None
            if what is None:
                hit = next((p for p in parts if p in modules and p != own_module), None)
                what = modules[hit] if hit else None
        if what is not None and what not in found:
            found[what] = where_
    return [f"{what}, reached at run time ({where_})" for what, where_ in found.items()]
