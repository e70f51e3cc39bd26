"""P2P swarm, stage 1: the manifest (the scheduler comes in stage 2)."""

from .manifest import Manifest


class Scheduler:
    """Plans each tick's transfers (stage 2)."""

    def __init__(self, manifest):
        """Start a run for ``manifest``."""
        raise NotImplementedError("p2p_swarm: implement __init__()")

    def plan(self, view):
        """The tick's transfers."""
        raise NotImplementedError("p2p_swarm: implement plan()")

    def receive(self, sender, receiver, chunk, data):
        """Keep or discard a chunk that arrived."""
        raise NotImplementedError("p2p_swarm: implement receive()")


__all__ = ["Manifest", "Scheduler"]
