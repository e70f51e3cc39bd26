"""Reference solution of the in-memory database kata, stage 1."""

from .inmemory_db import InMemoryDB

__all__ = ["InMemoryDB"]
