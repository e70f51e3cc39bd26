"""P2P swarm, stage 3: the manifest, and a rarest-first scheduler that bans corrupting peers."""

from .manifest import Manifest
from .scheduler import Scheduler

__all__ = ["Manifest", "Scheduler"]
