"""Rarest first over a global picture, with a ban list, churn and a rack pass.

Complexity: per tick, O(F log F) to rank the chunks, then set intersections
of each chunk's holders and needers with the peers that have capacity left,
rack by rack; O(F) per peer that joins, leaves or is banned.
"""

import random

from .picture import Picture
from .tick import Tick

STRIKES = 3  # corrupt copies after which a sender is banned


class Scheduler:
    """Plans each tick's transfers: rarest chunks first, one copy into each rack, then spread inside."""

    def __init__(self, manifest):
        self._manifest = manifest
        self._picture = Picture(manifest.count)
        self._strikes = {}  # sender -> corrupt copies it sent
        self._started = False
        self._random = random.Random(0)  # seeded tie-breaks: a failure replays

    def plan(self, view):
        """The tick's transfers: a list of ``(sender, receiver, chunk)``."""
        self._follow(view)
        picture = self._picture
        upload = {
            p: view.upload(p) for p in view.peers if picture.serves(p) and picture.held[p]
        }
        upload[view.source] = view.upload(view.source)
        tick = Tick(upload, {p: view.download(p) for p in view.peers})
        order = self._rarest_first()
        # In a pass, a sender sends each chunk at most once, so the source spreads
        # distinct chunks; later passes use the capacity left.
        while not tick.full():
            planned = len(tick.transfers)
            for chunk in order:
                self._bring_into_racks(chunk, tick, view)
                self._spread_inside_racks(chunk, tick, view)
            if len(tick.transfers) == planned:
                break
        return tick.transfers

    def receive(self, sender, receiver, chunk, data):
        """Keep an intact chunk; discard a corrupt one, and count a strike against its sender."""
        if self._manifest.verify(chunk, data):
            self._picture.kept(receiver, chunk)
            return True
        self._picture.discarded(receiver, chunk)
        self._strikes[sender] = self._strikes.get(sender, 0) + 1
        if self._strikes[sender] == STRIKES:
            self._picture.ban(sender)
        return False

    # -- the picture follows the swarm

    def _follow(self, view):
        """Churn is two updates to the picture: peers that left, peers that joined."""
        arrivals = view.peers if not self._started else view.joined
        self._started = True
        for peer in view.left:
            self._picture.leave(peer)
        for peer in sorted(arrivals):
            self._picture.join(peer, view.rack(peer), view.upload(peer))

    def _rarest_first(self):
        """The wanted chunks, fewest holders first; ties in a seeded random order."""
        chunks = self._picture.wanted()
        self._random.shuffle(chunks)
        return sorted(chunks, key=lambda chunk: self._picture.copies[chunk])

    # -- pairing senders with receivers, one chunk at a time

    def _bring_into_racks(self, chunk, tick, view):
        """One copy from outside into each rack with no holder of ``chunk`` that can pass it on."""
        picture = self._picture
        for rack, needers in picture.needs[chunk].items():
            if picture.serving[chunk][rack] or (chunk, rack) in tick.incoming:
                continue
            receiver = self._importer(tick.open(needers))
            sender = self._any_sender(chunk, tick, view)
            if receiver is None or sender is None:
                continue
            picture.sending(receiver, chunk)
            tick.add(sender, receiver, chunk, rack)

    def _spread_inside_racks(self, chunk, tick, view):
        """Senders in a rack serve the needers of the same rack."""
        picture = self._picture
        for rack, needers in picture.needs[chunk].items():
            senders = tick.free(picture.holders[chunk][rack])
            # The source joins in only for a chunk that no copy is bringing into the
            # rack this tick: its upload is the scarce one.
            if (
                rack == view.rack(view.source)
                and view.source in tick.upload
                and (chunk, rack) not in tick.incoming
            ):
                senders.add(view.source)
            if not senders:
                continue
            receivers = self._some(tick.open(needers), len(senders))
            for sender, receiver in zip(senders, receivers):
                picture.sending(receiver, chunk)
                tick.add(sender, receiver, chunk, rack)

    def _some(self, peers, k):
        """``k`` of ``peers`` (or all), drawn at random: chunks spread over the whole swarm,
        so every peer soon has something to upload."""
        if len(peers) <= k:
            return peers
        return self._random.sample(list(peers), k)

    def _importer(self, candidates):
        """The receiver that carries a chunk into its rack: one that can pass it on, if any,
        drawn at random so that no one peer becomes every chunk's only way in."""
        able = candidates & self._picture.servers
        if able:
            return self._random.choice(list(able))
        return next(iter(candidates), None)

    def _any_sender(self, chunk, tick, view):
        """A holder of ``chunk`` with capacity left; peers before the source, whose upload is scarce."""
        for holders in self._picture.holders[chunk].values():
            free = tick.free(holders)
            if free:
                return next(iter(free))
        # The source sends a chunk once per tick: its other copies come from peers.
        if view.source in tick.upload and (view.source, chunk) not in tick.sent:
            return view.source
        return None
