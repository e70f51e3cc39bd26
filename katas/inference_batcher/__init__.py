"""The inference batcher kata: your solution lives in this folder."""

from .inference_batcher import Batcher

__all__ = ["Batcher"]
