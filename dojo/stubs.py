"""Fingerprints of a solution's code, and the shipped stubs' fingerprints.

A fingerprint is a SHA-256 of a kata folder's Python files (their paths and
bytes): the run log keeps the one each verdict was seen on, so status can
say "passed, code changed since". ``katas/stub-hashes.json`` ships the
fingerprint of each kata's stub (written with the suite hashes by
``python -m dojo.grading.manifest --write``): a folder that still has it is
"not started", and a plain ``pytest stages/stageN`` leaves it quiet. No git
is needed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dojo import layout
from dojo.catalog import Catalog

STUB_HASHES = Path(layout.SOLUTIONS) / "stub-hashes.json"
FORMAT = 1


def fingerprint(folder: Path) -> str | None:
    """SHA-256 of the ``.py`` files under ``folder`` (None when there is no folder)."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder)
        if "__pycache__" in rel.parts or not path.is_file():
            continue
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def shipped(root: Path) -> dict[str, str]:
    """The stub fingerprints shipped with the checkout at ``root`` ({} if none)."""
    try:
        data = json.loads((root / STUB_HASHES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    stubs = data.get("stubs") if isinstance(data, dict) and data.get("format") == FORMAT else None
    return {k: v for k, v in stubs.items() if isinstance(v, str)} if isinstance(stubs, dict) else {}


def not_started(catalog: Catalog, solutions: Path) -> list[str]:
    """The katas whose folder under ``solutions`` is byte for byte the shipped stub."""
    stubs = shipped(catalog.root)
    return [
        k.name for k in catalog.katas if k.name in stubs and fingerprint(solutions / k.name) == stubs[k.name]
    ]


def write(root: Path, catalog: Catalog) -> Path:
    """Record the fingerprint of every kata's folder under ``root/katas`` as its stub."""
    stubs = {k.name: fingerprint(layout.solutions(root) / k.name) for k in catalog.katas}
    path = root / STUB_HASHES
    data = {"format": FORMAT, "stubs": {k: v for k, v in stubs.items() if v}}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
