"""A kata's zoo settings: ``tests/zoo/<kata>/zoo.toml``, next to the zoo it describes.

The zoo proofs (``tests/test_zoos.py``) are the same for every kata; what
differs is written here, as data: which entries are race or timing bugs and
how often to repeat them, which test of each stage is the model-based one,
which entries no model test can catch and why, and what every entry must
respect. Every key is optional: a kata with a bare zoo gets the defaults,
and a proof that needs a setting it lacks fails saying which one to write.

Keys (all top level unless shown as a table)::

    min_entries = 25            # buggy entries the zoo holds at least
    min_per_stage = 5           # ... and per stage
    required_ok = ["ok_..."]    # correct designs the zoo must hold
    allowed_imports = ["..."]   # if set: the only modules an entry may import
    seed = 0                    # --hypothesis-seed of every entry's main run
    property_tests = '::test_any_\\w*(\\[|$)'   # tests whose catches depend on the seed
    more_seeds = [1, 2, 3, 4]   # an entry only property tests caught must be caught with each
    races = ["s4_..."]          # entries whose bug is a race or a timing bug
    repeats = 20                # each race entry's stage is rerun this often, caught every time
    repeat_marker = "threads"   # if set: the reruns keep only the stage's tests with this marker
    profiles = ["dojo", "grade"]  # the model-only proof runs in each of these profiles
    model_seeds = [0, 1]        # ... a profile that is not derandomized, under each of these seeds
    [model_tests]               # stage = "the stage's model-based (state machine) test"
    [not_behavioural]           # stage or entry = "why no model test can catch it"
    [references.next_stage_failure_mentions]  # N = "text a failure of stage N+1 names" for reference/stageN
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import MIN_ZOO_ENTRIES, MIN_ZOO_PER_STAGE, ZOO

SETTINGS_FILE = "zoo.toml"
KNOWN_KEYS = {
    "min_entries", "min_per_stage", "required_ok", "allowed_imports", "seed", "property_tests",
    "more_seeds", "races", "repeats", "repeat_marker", "profiles", "model_seeds", "model_tests",
    "not_behavioural", "references",
}


class SettingsError(Exception):
    """``zoo.toml`` is unreadable or holds an unknown key or a value of the wrong kind."""


def _stage_or_name(key: str) -> int | str:
    """TOML keys are strings: ``2 = ...`` names stage 2, anything else an entry."""
    return int(key) if key.isdigit() else key


@dataclass(frozen=True)
class ZooSettings:
    """What ``tests/zoo/<kata>/zoo.toml`` says, with the defaults filled in."""

    kata: str
    min_entries: int = MIN_ZOO_ENTRIES
    min_per_stage: int = MIN_ZOO_PER_STAGE
    required_ok: tuple[str, ...] = ()
    allowed_imports: frozenset[str] | None = None
    seed: int = 0
    property_tests: str = r"::test_any_\w*(\[|$)"
    more_seeds: tuple[int, ...] = (1, 2, 3, 4)
    races: tuple[str, ...] = ()
    repeats: int = 20
    repeat_marker: str | None = None
    profiles: tuple[str, ...] = ("dojo", "grade")
    model_seeds: tuple[int, ...] = (0, 1)
    model_tests: dict[int, str] = field(default_factory=dict)
    not_behavioural: dict[int | str, str] = field(default_factory=dict)
    next_stage_failure_mentions: dict[int, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return ZOO / self.kata / SETTINGS_FILE

    def is_race(self, entry: Path) -> bool:
        return entry.stem in self.races

    def behavioural(self, entry: Path) -> bool:
        """Whether some sequence of calls on one thread shows the entry's bug."""
        stage = int(entry.name[1])
        return not (
            stage in self.not_behavioural or entry.stem in self.not_behavioural or self.is_race(entry)
        )

    def named_entries(self) -> dict[str, list[str]]:
        """Every entry the settings name, by the key that names it."""
        return {
            "races": list(self.races),
            "required_ok": list(self.required_ok),
            "not_behavioural": [k for k in self.not_behavioural if isinstance(k, str)],
        }


def load_zoo_settings(kata: str) -> ZooSettings:
    """Read ``tests/zoo/<kata>/zoo.toml``; the defaults if there is none."""
    path = ZOO / kata / SETTINGS_FILE
    if not path.is_file():
        return ZooSettings(kata)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise SettingsError(f"{path}: unknown keys {unknown}; the keys are {sorted(KNOWN_KEYS)}")
    try:
        references = data.pop("references", {})
        mentions = references.get("next_stage_failure_mentions", {})
        return ZooSettings(
            kata,
            min_entries=int(data.get("min_entries", MIN_ZOO_ENTRIES)),
            min_per_stage=int(data.get("min_per_stage", MIN_ZOO_PER_STAGE)),
            required_ok=tuple(data.get("required_ok", ())),
            allowed_imports=(
                frozenset(data["allowed_imports"]) if "allowed_imports" in data else None
            ),
            seed=int(data.get("seed", 0)),
            property_tests=str(data.get("property_tests", ZooSettings.property_tests)),
            more_seeds=tuple(int(s) for s in data.get("more_seeds", ZooSettings.more_seeds)),
            races=tuple(data.get("races", ())),
            repeats=int(data.get("repeats", 20)),
            repeat_marker=data.get("repeat_marker"),
            profiles=tuple(data.get("profiles", ZooSettings.profiles)),
            model_seeds=tuple(int(s) for s in data.get("model_seeds", ZooSettings.model_seeds)),
            model_tests={int(k): str(v) for k, v in data.get("model_tests", {}).items()},
            not_behavioural={
                _stage_or_name(k): str(v) for k, v in data.get("not_behavioural", {}).items()
            },
            next_stage_failure_mentions={int(k): str(v) for k, v in mentions.items()},
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise SettingsError(f"{path}: a value has the wrong kind ({exc})") from exc
