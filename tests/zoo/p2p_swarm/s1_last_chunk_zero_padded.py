"""Bug: the last chunk is padded with zero bytes to chunk_size before it is hashed (and verify pads too).
Breaks (stage 1): Manifest.build -- 'chunk i is data[i*chunk_size:(i+1)*chunk_size] (the last may be shorter)'; m.hashes are the chunks' SHA-256 digests.
"""

import hashlib
import random
from collections import Counter, defaultdict

ZERO = bytes(32)
STRIKES = 3


def _sha(data):
    return hashlib.sha256(data).digest()


def _int(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    return value


def _bytes(value, name):
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be bytes")
    return value


def _index(index, count):
    _int(index, "index")
    if not 0 <= index < count:
        raise IndexError(f"index {index} outside range({count})")
    return index


def _depth(count):
    return (count - 1).bit_length()


def _levels(hashes):
    level = list(hashes) + [ZERO] * ((1 << _depth(len(hashes))) - len(hashes))
    levels = [level]
    while len(level) > 1:
        level = [_sha(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


class Manifest:
    def __init__(self, length, chunk_size, hashes):
        self._length = length
        self._chunk_size = chunk_size
        self._hashes = tuple(hashes)
        self._levels = _levels(self._hashes)

    @classmethod
    def build(cls, data, chunk_size):
        _bytes(data, "data")
        _int(chunk_size, "chunk_size")
        if not data:
            raise ValueError("empty data")
        if chunk_size < 1:
            raise ValueError("chunk_size < 1")
        hashes = [_sha(bytes(data[i:i + chunk_size]).ljust(chunk_size, b"\0")) for i in range(0, len(data), chunk_size)]
        return cls(len(data), chunk_size, hashes)

    @property
    def length(self):
        return self._length

    @property
    def chunk_size(self):
        return self._chunk_size

    @property
    def count(self):
        return len(self._hashes)

    @property
    def hashes(self):
        return self._hashes

    @property
    def root(self):
        return self._levels[-1][0]

    def verify(self, index, chunk):
        _bytes(chunk, "chunk")
        _index(index, self.count)
        return _sha(bytes(chunk).ljust(self._chunk_size, b"\0")) == self._hashes[index]

    def proof(self, index):
        _index(index, self.count)
        siblings = []
        for level in self._levels[:-1]:
            siblings.append(level[index ^ 1])
            index //= 2
        return siblings

    @staticmethod
    def verify_proof(root, count, index, chunk, proof):
        _bytes(root, "root")
        _bytes(chunk, "chunk")
        _int(count, "count")
        if count < 1:
            raise ValueError("count < 1")
        _index(index, count)
        if not isinstance(proof, (list, tuple)) or len(proof) != _depth(count):
            return False
        if not all(isinstance(h, (bytes, bytearray)) and len(h) == 32 for h in proof):
            return False
        node = _sha(chunk)
        for sibling in proof:
            node = _sha(node + sibling) if index % 2 == 0 else _sha(sibling + node)
            index //= 2
        return node == root

    def assemble(self, chunks):
        chunks = list(chunks)
        for chunk in chunks:
            _bytes(chunk, "chunk")
        if len(chunks) != self.count:
            raise ValueError(f"expected {self.count} chunks")
        for index, chunk in enumerate(chunks):
            if not self.verify(index, chunk):
                raise ValueError(f"chunk {index} is corrupt")
        return b"".join(chunks)


class Scheduler:
    def __init__(self, manifest):
        self._manifest = manifest
        count = manifest.count
        self._count = count
        self._rack = {}
        self._upload = {}
        self._held = {}
        self._banned = set()
        self._servers = set()
        self._strikes = Counter()
        self._copies = [0] * count
        self._holders = [defaultdict(set) for _ in range(count)]
        self._needs = [defaultdict(set) for _ in range(count)]
        self._serving = [Counter() for _ in range(count)]
        self._started = False
        self._random = random.Random(0)

    # -- the picture
    def _join(self, peer, rack, upload):
        self._rack[peer] = rack
        self._upload[peer] = upload
        self._held[peer] = set()
        if upload > 0:
            self._servers.add(peer)
        for chunk in range(self._count):
            self._needs[chunk][rack].add(peer)

    def _leave(self, peer):
        rack = self._rack[peer]
        for chunk in range(self._count):
            if chunk in self._held[peer]:
                self._holders[chunk][rack].discard(peer)
                self._copies[chunk] -= 1
                if peer in self._servers:
                    self._serving[chunk][rack] -= 1
            else:
                self._needs[chunk][rack].discard(peer)
        del self._held[peer]
        self._servers.discard(peer)

    def _ban(self, peer):
        if peer in self._servers:
            for chunk in self._held.get(peer, ()):
                self._serving[chunk][self._rack[peer]] -= 1
        self._banned.add(peer)
        self._servers.discard(peer)

    # -- planning
    def plan(self, view):
        arrivals = view.peers if not self._started else view.joined
        self._started = True
        for peer in view.left:
            self._leave(peer)
        for peer in sorted(arrivals):
            self._join(peer, view.rack(peer), view.upload(peer))
        self._upload_left = {
            p: view.upload(p) for p in view.peers if p in self._servers and self._held[p]
        }
        self._upload_left[view.source] = view.upload(view.source)
        self._download_left = {p: view.download(p) for p in view.peers}
        self._incoming = set()
        self._sent = set()
        self._plan = []
        self._view = view
        chunks = [c for c in range(self._count) if any(self._needs[c].values())]
        self._random.shuffle(chunks)
        order = sorted(chunks, key=lambda c: self._copies[c])
        while self._upload_left and self._download_left:
            planned = len(self._plan)
            for chunk in order:
                self._bring_into_racks(chunk)
                self._spread_inside_racks(chunk)
            if len(self._plan) == planned:
                break
        return self._plan

    def _add(self, sender, receiver, chunk, rack):
        self._needs[chunk][rack].discard(receiver)
        self._plan.append((sender, receiver, chunk))
        self._incoming.add((chunk, rack))
        self._sent.add((sender, chunk))
        for capacity, peer in ((self._upload_left, sender), (self._download_left, receiver)):
            capacity[peer] -= 1
            if capacity[peer] == 0:
                del capacity[peer]

    def _bring_into_racks(self, chunk):
        for rack, needers in list(self._needs[chunk].items()):
            if self._serving[chunk][rack] or (chunk, rack) in self._incoming:
                continue
            candidates = needers & self._download_left.keys()
            able = candidates & self._servers
            if able:
                receiver = self._random.choice(list(able))
            else:
                receiver = next(iter(candidates), None)
            sender = self._any_sender(chunk)
            if receiver is None or sender is None:
                continue
            self._add(sender, receiver, chunk, rack)

    def _any_sender(self, chunk):
        for holders in self._holders[chunk].values():
            free = holders & self._upload_left.keys()
            if free:
                return next(iter(free))
        source = self._view.source
        if source in self._upload_left and (source, chunk) not in self._sent:
            return source
        return None

    def _spread_inside_racks(self, chunk):
        view = self._view
        for rack, needers in list(self._needs[chunk].items()):
            senders = self._holders[chunk][rack] & self._upload_left.keys()
            if (
                rack == view.rack(view.source)
                and view.source in self._upload_left
                and (chunk, rack) not in self._incoming
            ):
                senders.add(view.source)
            if not senders:
                continue
            receivers = needers & self._download_left.keys()
            if len(receivers) > len(senders):
                receivers = self._random.sample(list(receivers), len(senders))
            for sender, receiver in zip(senders, receivers):
                self._add(sender, receiver, chunk, rack)

    # -- receiving
    def receive(self, sender, receiver, chunk, data):
        rack = self._rack[receiver]
        if self._manifest.verify(chunk, data):
            self._held[receiver].add(chunk)
            self._holders[chunk][rack].add(receiver)
            self._copies[chunk] += 1
            if receiver in self._servers:
                self._serving[chunk][rack] += 1
            return True
        self._needs[chunk][rack].add(receiver)
        self._strikes[sender] += 1
        if self._strikes[sender] == STRIKES:
            self._ban(sender)
        return False
