"""A solution's public API, and how it changed: additive or breaking.

A snapshot is plain JSON: for the kata's class and each other public class
the kata's module itself defines (helpers imported from sibling modules are
the solution's inside, not its API),
each public method (plus ``__init__`` and the container protocol) with its
kind and its parameters. Comparing two snapshots classes every change the way
a caller would feel it: a new method or a new optional parameter breaks no
caller (additive); a removed or renamed method, a new required parameter, a
removed parameter or a changed order does (breaking).
"""

from __future__ import annotations

import builtins
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

from dojo.catalog import Kata
from dojo.loader import load_solution, package_name

ADDITIVE, BREAKING = "additive", "breaking"
PROTOCOL = (
    "__init__",
    "__len__",
    "__contains__",
    "__iter__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__enter__",
    "__exit__",
    "__eq__",
)
POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")


def _params(func) -> list[list]:
    """``[name, kind, has_default]`` for each parameter after ``self``/``cls``."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    params = list(signature.parameters.values())
    return [
        [
            p.name,
            p.kind.name,
            p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD),
        ]
        for p in params
    ]


def _member(name: str, raw) -> dict | None:
    if isinstance(raw, property):
        return {"kind": "property", "params": []}
    if isinstance(raw, classmethod):
        return {"kind": "classmethod", "params": _params(raw.__func__)[1:]}
    if isinstance(raw, staticmethod):
        return {"kind": "staticmethod", "params": _params(raw.__func__)}
    if inspect.isfunction(raw):
        return {"kind": "method", "params": _params(raw)[1:]}
    if name.isupper() or callable(raw):
        return None
    return {"kind": "attribute", "params": []}


def describe_class(cls: type) -> dict:
    """The public members of ``cls`` and its own bases (not those of built-in types)."""
    members: dict[str, dict] = {}
    own = [k for k in cls.__mro__ if getattr(builtins, k.__name__, None) is not k]
    for klass in reversed(own):
        for name, raw in vars(klass).items():
            if name.startswith("_") and name not in PROTOCOL:
                continue
            member = _member(name, raw)
            if member is not None:
                members[name] = member
    return {"methods": dict(sorted(members.items()))}


def snapshot(kata: Kata, solution_root: Path) -> dict:
    """The public API of the solution in ``solution_root/<kata>/``, or its import problem."""
    loaded = load_solution(kata, solution_root)
    if loaded.cls is None:
        return {"problem": loaded.problem, "classes": {}}
    module_name = f"{package_name(kata)}.{kata.module}"
    module = sys.modules.get(module_name)
    classes = {}
    for name, value in vars(module).items() if module else []:
        # Public classes the kata's module itself defines (an exception type, say);
        # helpers imported from other modules are the solution's inside, not its API.
        if inspect.isclass(value) and not name.startswith("_") and value.__module__ == module_name:
            classes[name] = describe_class(value)
    classes[kata.class_name] = describe_class(loaded.cls)
    return {"classes": dict(sorted(classes.items()))}


@dataclass(frozen=True)
class Change:
    """One difference between two snapshots."""

    kind: str  # ADDITIVE or BREAKING
    where: str  # "LRUCache.get"
    what: str  # "new optional parameter default"


def signature_text(name: str, member: dict) -> str:
    if member["kind"] in ("property", "attribute"):
        return f"{name} ({member['kind']})"
    parts = []
    for pname, kind, optional in member["params"]:
        star = "*" if kind == "VAR_POSITIONAL" else "**" if kind == "VAR_KEYWORD" else ""
        parts.append(f"{star}{pname}{'=…' if optional and not star else ''}")
    return f"{name}({', '.join(parts)})"


def _compare_params(where: str, old: list, new: list) -> list[Change]:
    changes = []
    old_by, new_by = {p[0]: p for p in old}, {p[0]: p for p in new}
    takes_any_kw = any(p[1] == "VAR_KEYWORD" for p in new)
    for name, kind, optional in old:
        if name not in new_by:
            if not (takes_any_kw and kind != "POSITIONAL_ONLY"):
                changes.append(Change(BREAKING, where, f"parameter {name!r} removed"))
        elif optional and not new_by[name][2]:
            changes.append(Change(BREAKING, where, f"parameter {name!r} is now required"))
        elif not optional and new_by[name][2]:
            changes.append(Change(ADDITIVE, where, f"parameter {name!r} is now optional"))
    for name, kind, optional in new:
        if name in old_by or kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            continue
        if optional:
            changes.append(Change(ADDITIVE, where, f"new optional parameter {name!r}"))
        else:
            changes.append(Change(BREAKING, where, f"new required parameter {name!r}"))
    old_order = [p[0] for p in old if p[1] in POSITIONAL and p[0] in new_by]
    new_order = [p[0] for p in new if p[1] in POSITIONAL and p[0] in old_by]
    if old_order != new_order and sorted(old_order) == sorted(new_order):
        changes.append(Change(BREAKING, where, "positional parameters reordered"))
    return changes


def compare(old: dict, new: dict) -> list[Change]:
    """Every change from snapshot ``old`` to ``new``, classed additive or breaking."""
    changes: list[Change] = []
    old_classes, new_classes = old.get("classes", {}), new.get("classes", {})
    for cname in old_classes:
        if cname not in new_classes:
            changes.append(Change(BREAKING, cname, "class removed"))
    for cname, cls in new_classes.items():
        if cname not in old_classes:
            changes.append(Change(ADDITIVE, cname, "new class"))
            continue
        before, after = old_classes[cname]["methods"], cls["methods"]
        removed = [m for m in before if m not in after]
        added = [m for m in after if m not in before]
        renamed: dict[str, str] = {}
        for gone in removed:  # the same signature under a new name reads as a rename
            twin = next((m for m in added if m not in renamed.values() and after[m] == before[gone]), None)
            if twin is not None:
                renamed[gone] = twin
        for gone in removed:
            if gone in renamed:
                changes.append(Change(BREAKING, f"{cname}.{gone}", f"renamed to {renamed[gone]}"))
            else:
                changes.append(
                    Change(BREAKING, f"{cname}.{gone}", f"removed (was {signature_text(gone, before[gone])})")
                )
        for new_name in added:
            if new_name not in renamed.values():
                kind = after[new_name]["kind"]
                shown = (
                    new_name
                    if kind in ("property", "attribute")
                    else signature_text(new_name, after[new_name])
                )
                changes.append(Change(ADDITIVE, f"{cname}.{new_name}", f"new {kind} {shown}"))
        for mname in before:
            if mname not in after:
                continue
            was, now = before[mname], after[mname]
            where = f"{cname}.{mname}"
            if was["kind"] != now["kind"]:
                changes.append(Change(BREAKING, where, f"{was['kind']} became {now['kind']}"))
                continue
            changes.extend(_compare_params(where, was["params"], now["params"]))
    return changes
