"""The source scan for forbidden structures: which imports and names a solution's files use.

A kata that forbids a ready-made structure (``collections.OrderedDict`` for an
LRU cache) or running code from data (``pickle``, ``eval``) lists what it
forbids; :func:`scan_source` reads every ``.py`` file of the solution's folder with
:mod:`ast` and finds each use, however it is spelled: ``import x as y``,
``from m import *``, ``getattr(module, "name")``, ``importlib.import_module("m")``,
``sys.modules["m"]``, ``exec("import m")``, or a copy of the library in the
solution's folder under its own name. What the scan cannot see (a name built
at run time) is for :mod:`dojo.reachable`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from dojo.loader import display

__tracebackhide__ = True


@dataclass(frozen=True)
class ScanRules:
    """What a kata adds to the scan, beyond the lists of forbidden modules and names."""

    # The solution's own module, when it shares its name with a forbidden library
    # (the lru_cache kata's lru_cache.py): never taken for a vendored copy.
    own_module: str = ""
    # Modules whose ``from M import *`` counts as a use of each forbidden name of M.
    star_sources: frozenset[str] = field(default_factory=frozenset)
    # Also report what only loading code from data needs: yaml.load with a loader
    # that builds objects, and getattr(builtins, <a name from the data>).
    code_from_data: bool = False


@dataclass(frozen=True)
class Finding:
    """One forbidden use found in a solution file."""

    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{display(self.path)}, line {self.line}: {self.what}"


# yaml.load(data, Loader=...) is fine only with one of these loaders.
SAFE_YAML_LOADERS = {
    "yaml.SafeLoader",
    "yaml.CSafeLoader",
    "yaml.BaseLoader",
    "yaml.CBaseLoader",
    "yaml.loader.SafeLoader",
    "yaml.loader.BaseLoader",
}


def forbidden_by(name: str, modules: dict[str, str], names: dict[str, str]) -> str | None:
    """What ``name`` (dotted) is, if ``names`` lists it or ``modules`` lists a module it lies in."""
    if name in names:
        return names[name]
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        if ".".join(parts[:i]) in modules:
            return modules[".".join(parts[:i])]
    return None


class _Scanner(ast.NodeVisitor):
    """Resolve every name that refers to a module (or a name in one) and check it."""

    IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})
    EVALUATORS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})

    def __init__(self, path: Path, modules: dict[str, str], names: dict[str, str], rules: ScanRules) -> None:
        self.path = path
        self.modules = modules
        self.names = names
        self.rules = rules
        self.aliases: dict[str, str] = {}  # local name -> dotted name it stands for
        self.findings: list[Finding] = []

    def report(self, node: ast.AST, dotted: str, through: str = "") -> None:
        what = forbidden_by(dotted, self.modules, self.names)
        if what is not None:
            finding = Finding(self.path, getattr(node, "lineno", 0), f"uses {what}{through}")
            if finding not in self.findings:
                self.findings.append(finding)

    def report_text(self, node: ast.AST, what: str) -> None:
        finding = Finding(self.path, getattr(node, "lineno", 0), what)
        if finding not in self.findings:
            self.findings.append(finding)

    # -- bindings
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.report(node, alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            # The solution's own modules, scanned on their own; but a sibling named
            # after a library (from .pylru import lrucache) is a vendored copy of it.
            for name in [node.module or "", *(a.name for a in node.names)]:
                for part in name.split("."):
                    if part in self.modules and part != self.rules.own_module:
                        self.report(node, part, " (a copy of it in the solution's folder)")
            return
        if not node.module:
            return
        self.report(node, node.module)
        for alias in node.names:
            if alias.name == "*":
                if node.module in self.rules.star_sources:
                    for name in self.names:
                        if name.startswith(node.module + "."):
                            self.report(node, name, f" (through from {node.module} import *)")
                continue
            dotted = f"{node.module}.{alias.name}"
            self.report(node, dotted)
            self.aliases[alias.asname or alias.name] = dotted

    # -- uses
    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, if it is made of modules."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in ("__import__", "eval", "exec", "compile", "getattr"):
                return f"builtins.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func = self.resolve(node.func)
            literal = _literal(node.args[0]) if node.args else None
            if func in self.IMPORTERS and literal:
                if func == "builtins.__import__" and len(node.args) < 4 and not node.keywords:
                    return literal.split(".")[0]  # __import__("a.b") returns a
                return literal
            if func == "builtins.getattr" and len(node.args) >= 2:
                base = self.resolve(node.args[0])
                attr = _literal(node.args[1])
                if base and attr:
                    return f"{base}.{attr}"
            return None
        if isinstance(node, ast.Subscript):  # sys.modules["collections"]
            if self.resolve(node.value) == "sys.modules":
                return _literal(node.slice)
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self.resolve(node)
        if dotted:
            self.report(node, dotted)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        dotted = self.resolve(node)
        if dotted:
            self.report(node, dotted)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.resolve(node)
        if dotted:
            self.report(node, dotted)
        func = self.resolve(node.func)
        if func in ("yaml.load", "yaml.load_all"):
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader is None and len(node.args) >= 2:
                loader = node.args[1]
            named = self.resolve(loader) if loader is not None else None
            if named not in SAFE_YAML_LOADERS and self.rules.code_from_data:
                self.report_text(
                    node,
                    f"uses {func}() with {named or 'a loader'} (only "
                    "yaml.safe_load or Loader=yaml.SafeLoader builds plain data)",
                )
        if func == "builtins.getattr" and len(node.args) >= 2 and self.rules.code_from_data:
            if self.resolve(node.args[0]) == "builtins" and _literal(node.args[1]) is None:
                self.report_text(
                    node, "uses getattr(builtins, <a name from the data>) (the data could name eval or exec)"
                )
        if func in self.EVALUATORS and node.args:
            source = _literal(node.args[0])
            if source:  # exec("from collections import OrderedDict")
                try:
                    tree = ast.parse(source)
                except (SyntaxError, ValueError):
                    tree = None
                if tree is not None:
                    inner = _Scanner(self.path, self.modules, self.names, self.rules)
                    inner.aliases = dict(self.aliases)
                    inner.visit(tree)
                    for finding in inner.findings:
                        found = Finding(self.path, node.lineno, finding.what)
                        if found not in self.findings:
                            self.findings.append(found)
        self.generic_visit(node)


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def scan_source(
    folder: Path, modules: dict[str, str], names: dict[str, str], rules: ScanRules = ScanRules()
) -> tuple[list[Finding], list[str]]:
    """Forbidden uses in every ``.py`` file under ``folder``, and files that could not be read.

    ``modules`` maps a forbidden module (dotted) to what it is, ``names`` a
    forbidden name in an allowed module (``collections.OrderedDict``) to what
    it is; the text is the finding's ``uses ...``.
    """
    findings: list[Finding] = []
    unreadable: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
            unreadable.append(f"{display(path)}: {type(exc).__name__}: {exc}")
            continue
        scanner = _Scanner(path, modules, names, rules)
        scanner.visit(tree)
        findings.extend(scanner.findings)
        for part in path.relative_to(folder).with_suffix("").parts:
            if part in modules and part != rules.own_module:
                findings.append(Finding(path, 1, f"is a copy of {modules[part]} in the solution's folder"))
    return findings, unreadable
