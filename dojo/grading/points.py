"""Points per stage per kata: the ``--points`` specification, and the score.

``SPEC`` is ``;``-separated ``kata=points`` entries. ``points`` is either one
number per stage, comma-separated (``lru_cache=10,20,30,40``), or a single
number given to every stage (``inmemory_db=25``). Katas not named get
``DEFAULT_POINTS`` per stage. A stage's points count only when it and every
earlier stage pass, so a kata scores the sum of its first ``highest_stage``
stages.
"""

from __future__ import annotations

from dojo.catalog import Catalog

DEFAULT_POINTS = 10

BAD_ENTRY = "--points: {entry!r} is not kata=points (e.g. lru_cache=10,20,30,40)"
UNKNOWN_KATA = "--points: unknown kata {name!r}; the katas are: {names}"
BAD_NUMBER = "--points: {name}: {value!r} is not a number of points >= 0"
WRONG_COUNT = "--points: {name} has {stages} stages but {count} values were given ({entry})"
TWICE = "--points: {name} is given twice"


class PointsError(ValueError):
    """A ``--points`` specification that cannot be used; the message says why."""


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PointsError(BAD_NUMBER.format(name=name, value=text)) from None
    if value < 0 or value != value or value == float("inf"):
        raise PointsError(BAD_NUMBER.format(name=name, value=text))
    return int(value) if value.is_integer() else value


def parse(spec: str | None, catalog: Catalog) -> dict[str, list[float]]:
    """Points per stage for every kata of the catalog."""
    table: dict[str, list[float]] = {k.name: [DEFAULT_POINTS] * len(k.stage_titles) for k in catalog.katas}
    seen: set[str] = set()
    for entry in (spec or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, values = (part.strip() for part in entry.partition("="))
        if not sep or not name or not values:
            raise PointsError(BAD_ENTRY.format(entry=entry))
        if name not in table:
            raise PointsError(UNKNOWN_KATA.format(name=name, names=", ".join(catalog.names())))
        if name in seen:
            raise PointsError(TWICE.format(name=name))
        seen.add(name)
        numbers = [_number(name, v.strip()) for v in values.split(",")]
        stages = len(table[name])
        if len(numbers) == 1:
            numbers = numbers * stages
        if len(numbers) != stages:
            raise PointsError(WRONG_COUNT.format(name=name, stages=stages, count=len(numbers), entry=entry))
        table[name] = numbers
    return table


def score(points: list[float], highest_stage: int) -> float:
    """The points of stages 1..``highest_stage``."""
    return sum(points[:highest_stage])
