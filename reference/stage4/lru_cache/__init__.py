"""An LRU cache: stage 4 reference (thread safety)."""

from .lru_cache import LRUCache

__all__ = ["LRUCache"]
