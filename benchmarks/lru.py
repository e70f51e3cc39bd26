"""LRU workloads: every reference stage beside cachetools, lru-dict, boltons and a dict.

Also the tuned stage 4 of ``benchmarks/tuned/``: what speed tricks would gain.

The workload of issue 6: 70% ``get`` / 30% ``put`` over a key space twice
the capacity, keys drawn uniformly or Zipf-skewed, at capacity 1,000 and
100,000, on a cache prefilled to capacity. Every contender runs the same
precomputed operations through the same loop, so the loop's own cost (the
``dict`` row is close to it) is in every number alike.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.references import TUNED_NAME, reference_classes, stage_name, tuned_class
from benchmarks.timing import Prepare, Samples, interleaved

ANCHOR = "lru.LRU (lru-dict, C)"
THREAD_SAFE_ANCHOR = "boltons.cacheutils.LRU"
CACHETOOLS = "cachetools.LRUCache"
FLOOR = "dict (no eviction, floor)"
GET_SHARE = 0.7
ZIPF_EXPONENT = 1.0


@dataclass(frozen=True)
class Workload:
    """One mix of operations: which are gets, and which keys they touch."""

    name: str
    capacity: int
    is_get: list[bool]
    keys: list[int]
    prefill: list[int]


def make_workload(distribution: str, capacity: int, operations: int, seed: int = 6) -> Workload:
    """``operations`` gets/puts over ``2 * capacity`` keys, ``uniform`` or ``zipf``."""
    rng = random.Random(seed)
    space = list(range(2 * capacity))
    rng.shuffle(space)  # rank r is key space[r]: hot keys are scattered, not 0, 1, 2
    if distribution == "uniform":
        keys = [space[rng.randrange(len(space))] for _ in range(operations)]
    elif distribution == "zipf":
        weights = itertools.accumulate(1 / rank**ZIPF_EXPONENT for rank in range(1, len(space) + 1))
        keys = rng.choices(space, cum_weights=list(weights), k=operations)
    else:
        raise ValueError(f"unknown distribution {distribution!r}")
    is_get = [rng.random() < GET_SHARE for _ in range(operations)]
    prefill = rng.sample(space, capacity)
    return Workload(f"{distribution}, capacity {capacity:,}", capacity, is_get, keys, prefill)


def drive(get, put, is_get, keys) -> None:
    """The loop every contender runs: ``get(key)`` or ``put(key, key)``."""
    for reading, key in zip(is_get, keys):
        if reading:
            get(key)
        else:
            put(key, key)


def contenders() -> dict[str, Callable[[int], tuple[Callable, Callable]]]:
    """Cache factories by name: each takes a capacity and returns ``(get, put)``."""
    makers = {}
    for stage, cls in reference_classes("lru_cache").items():
        makers[stage_name(stage)] = _kata_api(cls)
    tuned = tuned_class("lru_cache")
    if tuned is not None:
        makers[TUNED_NAME] = _kata_api(tuned)
    makers[ANCHOR] = _lru_dict
    makers[CACHETOOLS] = _cachetools
    makers[THREAD_SAFE_ANCHOR] = _boltons
    makers[FLOOR] = _dict
    return makers


def _kata_api(cls):
    def make(capacity):
        cache = cls(capacity)
        return cache.get, cache.put

    return make


def _lru_dict(capacity):
    from lru import LRU

    cache = LRU(capacity)
    return cache.get, cache.__setitem__


def _cachetools(capacity):
    from cachetools import LRUCache

    cache = LRUCache(maxsize=capacity)
    return cache.get, cache.__setitem__


def _boltons(capacity):
    from boltons.cacheutils import LRU

    cache = LRU(max_size=capacity)
    return cache.get, cache.__setitem__


def _dict(_capacity):
    cache = {}
    return cache.get, cache.__setitem__


def _prepare(make, workload: Workload) -> Prepare:
    def prepare():
        get, put = make(workload.capacity)
        for key in workload.prefill:
            put(key, key)
        return (lambda: drive(get, put, workload.is_get, workload.keys)), len(workload.keys)

    return prepare


def run(operations: int, capacities: tuple[int, ...], repeats: int, progress=print):
    """``{workload name: {contender: Samples}}`` for every distribution and capacity."""
    makers = contenders()
    results: dict[str, dict[str, Samples]] = {}
    for capacity in capacities:
        for distribution in ("uniform", "zipf"):
            workload = make_workload(distribution, capacity, operations)
            progress(f"lru: {workload.name}, {operations:,} operations x {repeats} repeats")
            results[workload.name] = interleaved(
                {name: _prepare(make, workload) for name, make in makers.items()}, repeats
            )
    return results
