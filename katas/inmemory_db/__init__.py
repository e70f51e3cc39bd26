"""The in-memory database kata: your solution lives in this folder."""

from .inmemory_db import InMemoryDB

__all__ = ["InMemoryDB"]
