"""P2P swarm, stage 2: the manifest, and a rarest-first scheduler over a global picture."""

from .manifest import Manifest
from .scheduler import Scheduler

__all__ = ["Manifest", "Scheduler"]
