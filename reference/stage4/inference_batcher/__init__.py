"""An inference batcher: stage 4 reference (continuous batching)."""

from .inference_batcher import Batcher

__all__ = ["Batcher"]
