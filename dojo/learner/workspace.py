"""The repository the learner works in: where it is, what it declares.

Commands work from any subfolder: the root is the nearest folder, walking up
from the working directory, that holds ``katas/katas.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dojo import layout
from dojo.catalog import Catalog, CatalogError, Kata, find_checkout, load_catalog
from dojo.loader import display

OK, FAILING, USAGE = 0, 1, 2

NO_ROOT = "no katas/katas.toml in {start} or any folder above it: run dojo inside a kata-dojo checkout"
UNKNOWN_STAGE = "{kata} has no stage {stage}; its stages are: {stages}"
WHICH_KATA = "which kata? give one of: {names}"


class Problem(Exception):
    """Something the learner must fix, as one line, with the exit code it means."""

    def __init__(self, message: str, code: int = USAGE):
        super().__init__(message)
        self.code = code


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds ``katas/katas.toml``."""
    start = (start or Path.cwd()).resolve()
    root = find_checkout(start)
    if root is None:
        raise Problem(NO_ROOT.format(start=start))
    return root


@dataclass(frozen=True)
class Workspace:
    """A kata-dojo checkout: its root and its catalog of katas."""

    root: Path
    catalog: Catalog

    @classmethod
    def discover(cls, start: Path | None = None) -> Workspace:
        root = find_root(start)
        try:
            return cls(root, load_catalog(root))
        except CatalogError as exc:
            raise Problem(str(exc)) from None

    def kata(self, name: str | None) -> Kata:
        """The kata called ``name``; with no name, the only kata if there is one."""
        if name is None:
            if len(self.catalog.katas) == 1:
                return self.catalog.katas[0]
            raise Problem(WHICH_KATA.format(names=", ".join(self.catalog.names())))
        try:
            return self.catalog.get(name)
        except CatalogError as exc:  # "unknown kata ...; the katas are: ..."
            raise Problem(str(exc)) from None

    def katas(self, name: str | None) -> list[Kata]:
        """Every kata, or only ``name``."""
        return list(self.catalog.katas) if name is None else [self.kata(name)]

    @staticmethod
    def check_stage(kata: Kata, stage: int) -> int:
        if stage not in kata.stages:
            stages = ", ".join(str(s) for s in kata.stages)
            raise Problem(UNKNOWN_STAGE.format(kata=kata.name, stage=stage, stages=stages))
        return stage

    def solutions(self) -> Path:
        """The learner's solutions: ``katas/``."""
        return layout.solutions(self.root)

    def reference(self, stage: int) -> Path:
        return layout.reference(self.root, stage)

    def show(self, path: Path) -> str:
        """A path as the learner would type it from where they stand."""
        return display(path)
