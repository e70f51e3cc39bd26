"""An inference batcher: stage 3 reference (token budget and padding)."""

from .inference_batcher import Batcher

__all__ = ["Batcher"]
