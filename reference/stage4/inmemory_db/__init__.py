"""Reference solution of the in-memory database kata, stage 4."""

from .inmemory_db import InMemoryDB

__all__ = ["InMemoryDB"]
