"""Rarest first over a global picture of the swarm.

Complexity: per tick, O(F log F) to rank the chunks, then for each chunk a
set intersection of its holders and needers with the peers that have
capacity left; O(1) per transfer planned or received.
"""

import random

from .picture import Picture
from .tick import Tick


class Scheduler:
    """Plans each tick's transfers: the chunks with the fewest holders first."""

    def __init__(self, manifest):
        self._picture = Picture(manifest.count)
        self._random = random.Random(0)  # seeded tie-breaks: a failure replays

    def plan(self, view):
        """The tick's transfers: a list of ``(sender, receiver, chunk)``."""
        picture = self._picture
        for peer in sorted(view.peers - picture.held.keys()):
            picture.join(peer)
        upload = {p: view.upload(p) for p in view.peers if view.upload(p) > 0 and picture.held[p]}
        upload[view.source] = view.upload(view.source)
        tick = Tick(upload, {p: view.download(p) for p in view.peers})
        order = self._rarest_first()
        # In a pass, a sender sends each chunk at most once; later passes use the
        # capacity left.
        while not tick.full():
            planned = len(tick.transfers)
            for chunk in order:
                self._pair(chunk, tick, view.source)
            if len(tick.transfers) == planned:
                break
        return tick.transfers

    def receive(self, sender, receiver, chunk, data):
        """Keep the chunk: in this stage every chunk arrives intact."""
        # receive is the one place that learns what arrived, and the picture the
        # one thing it updates: stage 3's check of the data goes here, nowhere else.
        self._picture.kept(receiver, chunk)
        return True

    def _rarest_first(self):
        """The wanted chunks, fewest holders first; ties in a seeded random order."""
        chunks = self._picture.wanted()
        self._random.shuffle(chunks)
        return sorted(chunks, key=lambda chunk: self._picture.copies[chunk])

    def _pair(self, chunk, tick, source):
        """Pair the free holders of ``chunk`` with peers that need it, drawn at random."""
        senders = tick.free(self._picture.holders[chunk])
        # The source's upload is the scarce one: it sends a chunk only while no
        # other copy of it is on its way this tick.
        if source in tick.upload and chunk not in tick.planned:
            senders.add(source)
        if not senders:
            return
        for sender, receiver in zip(senders, self._some(tick.open(self._picture.needs[chunk]), len(senders))):
            self._picture.sending(receiver, chunk)
            tick.add(sender, receiver, chunk)

    def _some(self, peers, k):
        """``k`` of ``peers`` (or all), drawn at random: chunks spread over the whole swarm,
        so every peer soon has something to upload."""
        if len(peers) <= k:
            return peers
        return self._random.sample(list(peers), k)
