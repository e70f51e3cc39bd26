"""Reference solution of the P2P swarm kata, stage 2."""

from .p2p_swarm import Manifest, Scheduler

__all__ = ["Manifest", "Scheduler"]
