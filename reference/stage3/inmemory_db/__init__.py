"""Reference solution of the in-memory database kata, stage 3."""

from .inmemory_db import InMemoryDB

__all__ = ["InMemoryDB"]
