"""The LRU cache kata: your solution lives in this folder."""

from .lru_cache import LRUCache

__all__ = ["LRUCache"]
