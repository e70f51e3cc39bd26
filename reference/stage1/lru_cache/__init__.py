"""An LRU cache: stage 1 reference (basic operations)."""

from .lru_cache import LRUCache

__all__ = ["LRUCache"]
