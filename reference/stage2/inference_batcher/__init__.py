"""An inference batcher: stage 2 reference (batch window, timeouts, isolation)."""

from .inference_batcher import Batcher

__all__ = ["Batcher"]
