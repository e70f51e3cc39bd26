"""What the scheduler knows of the swarm: who holds and who needs each chunk.

The scheduler's one picture of the swarm: ``plan`` reads it and ``receive``
updates it. Because every change goes through these few methods, a chunk
that arrives corrupt (stage 3) or a peer that leaves (stage 4) is one more
update here, not a new data structure. Stage 3 adds the ban list.
"""


class Picture:
    """Holders and needers of each chunk; the source is not in it.

    ``needs`` leaves out a peer while a copy is in flight to it, so a peer is
    never sent the same chunk twice in one tick.
    """

    def __init__(self, count):
        self.count = count
        self.held = {}  # peer -> the chunks it holds
        self.copies = [0] * count  # chunk -> holders (its rarity)
        self.holders = [set() for _ in range(count)]  # chunk -> peers holding it
        self.needs = [set() for _ in range(count)]  # chunk -> peers lacking it
        self.banned = set()  # peers whose uploads are no longer asked for

    def join(self, peer):
        self.held[peer] = set()
        for chunk in range(self.count):
            self.needs[chunk].add(peer)

    def sending(self, receiver, chunk):
        """A copy of ``chunk`` is planned for ``receiver`` this tick."""
        self.needs[chunk].discard(receiver)

    def kept(self, receiver, chunk):
        self.held[receiver].add(chunk)
        self.holders[chunk].add(receiver)
        self.copies[chunk] += 1

    def discarded(self, receiver, chunk):
        """A corrupt copy: the receiver needs the chunk again."""
        self.needs[chunk].add(receiver)

    def wanted(self):
        """The chunks some peer still lacks (and has nothing in flight for)."""
        return [c for c in range(self.count) if self.needs[c]]
