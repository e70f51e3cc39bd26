"""The catalog of katas: what ``katas/katas.toml`` declares, and where each
kata keeps its stage texts and hints.

Adding a kata means adding a ``[[kata]]`` table to the manifest and a folder
``katas/<name>/``; nothing in the harness names a kata.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from dojo import layout

MANIFEST_FORMAT = 1
MANIFEST = layout.CATALOG


def find_checkout(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``katas/katas.toml``, if any."""
    start = start.resolve()
    return next((d for d in (start, *start.parents) if (d / MANIFEST).is_file()), None)


class CatalogError(Exception):
    """The manifest, a stage text or a hints file is missing or malformed."""


@dataclass(frozen=True)
class Kata:
    """One kata as the manifest declares it."""

    name: str
    title: str
    module: str
    class_name: str
    stage_titles: tuple[str, ...]
    folder: Path  # katas/<name>/ in the repository that holds the suites

    @property
    def stages(self) -> range:
        return range(1, len(self.stage_titles) + 1)

    def stage_title(self, stage: int) -> str:
        return self.stage_titles[stage - 1]

    def task_path(self, stage: int) -> Path:
        """The stage text: README.md is stage 1's, later ones wait in tasks/."""
        if stage == 1:
            return self.folder / "README.md"
        return self.folder / "tasks" / f"stage{stage}.md"

    def hints(self, stage: int) -> list[str]:
        path = self.folder / "hints.toml"
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"{path}: cannot read hints ({exc})") from exc
        return list(table.get(f"stage{stage}", {}).get("hints", []))


@dataclass(frozen=True)
class Catalog:
    """Every declared kata, in manifest order."""

    root: Path
    katas: tuple[Kata, ...]

    def names(self) -> list[str]:
        return [kata.name for kata in self.katas]

    def get(self, name: str) -> Kata:
        for kata in self.katas:
            if kata.name == name:
                return kata
        raise CatalogError(f"unknown kata {name!r}; the katas are: {', '.join(self.names())}")

    @property
    def max_stage(self) -> int:
        return max((len(k.stage_titles) for k in self.katas), default=0)


def load_catalog(root: Path) -> Catalog:
    """Read ``<root>/katas/katas.toml``."""
    path = root / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the kata manifest ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc})") from exc
    if data.get("format") != MANIFEST_FORMAT:
        raise CatalogError(
            f"{path}: format {data.get('format')!r} is not supported (expected {MANIFEST_FORMAT})"
        )
    katas = []
    for entry in data.get("kata", []):
        try:
            katas.append(
                Kata(
                    name=entry["name"],
                    title=entry.get("title", entry["name"]),
                    module=entry["module"],
                    class_name=entry["class"],
                    stage_titles=tuple(entry["stages"]),
                    folder=layout.solutions(root) / entry["name"],
                )
            )
        except KeyError as exc:
            raise CatalogError(f"{path}: a [[kata]] table lacks {exc.args[0]!r}") from exc
    return Catalog(root=root, katas=tuple(katas))
