"""An inference batcher: stage 1 reference (batching)."""

from .inference_batcher import Batcher

__all__ = ["Batcher"]
