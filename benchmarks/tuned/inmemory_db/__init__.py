"""In-memory database: stage 4, tuned for speed (a benchmark contender, not a reference).

Tuned for speed, not for copying: the stage 4 reference as it was before
issue 12, kept as a benchmark contender (see docs/benchmarks.md, "What a
tuned version would gain"). It passes every stage:
``pytest stages/stage4 --kata inmemory_db --solution benchmarks/tuned``.
"""

from .inmemory_db import InMemoryDB

__all__ = ["InMemoryDB"]
