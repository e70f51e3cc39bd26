"""An LRU cache: stage 3 reference (serialization)."""

from .lru_cache import LRUCache

__all__ = ["LRUCache"]
