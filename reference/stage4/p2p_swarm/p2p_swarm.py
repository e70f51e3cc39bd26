"""P2P swarm, stage 4: the manifest, and a scheduler that survives churn and keeps traffic in racks."""

from .manifest import Manifest
from .scheduler import Scheduler

__all__ = ["Manifest", "Scheduler"]
