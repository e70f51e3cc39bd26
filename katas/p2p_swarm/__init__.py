"""The P2P swarm kata: your solution lives in this folder."""

from .p2p_swarm import Manifest, Scheduler

__all__ = ["Manifest", "Scheduler"]
