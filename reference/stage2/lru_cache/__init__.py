"""An LRU cache: stage 2 reference (from scratch, O(1))."""

from .lru_cache import LRUCache

__all__ = ["LRUCache"]
