"""What the scheduler knows of the swarm: who holds and who needs each chunk, rack by rack.

The scheduler's one picture of the swarm. ``plan`` reads it and ``receive``
updates it; churn and bans are updates too. Keeping holders and needers per
rack makes "who in my rack needs chunk c" one set lookup.
"""

from collections import Counter, defaultdict


class Picture:
    """Holders and needers of each chunk, per rack; the source is not in it.

    ``needs`` leaves out a peer while a copy is in flight to it, so a peer is
    never sent the same chunk twice in one tick; a discarded copy puts it back.
    """

    def __init__(self, count):
        self.count = count
        self.rack = {}  # peer -> its rack
        self.upload = {}  # peer -> chunks it can send per tick
        self.held = {}  # online peer -> the chunks it holds
        self.banned = set()
        self.servers = set()  # online peers that can pass chunks on
        self.copies = [0] * count  # chunk -> online holders (its rarity)
        self.holders = [defaultdict(set) for _ in range(count)]  # chunk -> rack -> holders
        self.needs = [defaultdict(set) for _ in range(count)]  # chunk -> rack -> peers lacking it
        # chunk -> rack -> holders there that can pass the chunk on (upload >= 1, not banned)
        self.serving = [Counter() for _ in range(count)]

    def serves(self, peer):
        """Whether ``peer`` can pass chunks on: a copy on a free rider serves no one."""
        return peer in self.servers

    def join(self, peer, rack, upload):
        self.rack[peer] = rack
        self.upload[peer] = upload
        self.held[peer] = set()
        if upload > 0:
            self.servers.add(peer)
        for chunk in range(self.count):
            self.needs[chunk][rack].add(peer)

    def leave(self, peer):
        """``peer`` went offline for good, and its chunks with it."""
        rack = self.rack[peer]
        for chunk in range(self.count):
            if chunk in self.held[peer]:
                self.holders[chunk][rack].discard(peer)
                self.copies[chunk] -= 1
                if self.serves(peer):
                    self.serving[chunk][rack] -= 1
            else:
                self.needs[chunk][rack].discard(peer)
        del self.held[peer]
        self.servers.discard(peer)

    def sending(self, receiver, chunk):
        """A copy of ``chunk`` is planned for ``receiver`` this tick."""
        self.needs[chunk][self.rack[receiver]].discard(receiver)

    def kept(self, receiver, chunk):
        rack = self.rack[receiver]
        self.held[receiver].add(chunk)
        self.holders[chunk][rack].add(receiver)
        self.copies[chunk] += 1
        if self.serves(receiver):
            self.serving[chunk][rack] += 1

    def discarded(self, receiver, chunk):
        self.needs[chunk][self.rack[receiver]].add(receiver)

    def ban(self, peer):
        if self.serves(peer):
            for chunk in self.held.get(peer, ()):
                self.serving[chunk][self.rack[peer]] -= 1
        self.banned.add(peer)
        self.servers.discard(peer)

    def wanted(self):
        """The chunks some online peer still lacks (and has nothing in flight for)."""
        return [c for c in range(self.count) if any(self.needs[c].values())]
