"""P2P swarm kata: your solution.

Start with stage 1 (README.md in this folder), then run:

    pytest stages/stage1

The first failure tells you which method to write next. Stage 1 is the
``Manifest`` (chunks, hashes, a Merkle tree); from stage 2 on, the
``Scheduler`` below plans which peer sends which chunk to whom, tick by
tick, in a simulated network that the suites own. Later stages add
constraints to these same two classes, so keep what you know about the
swarm (who holds what) apart from how you choose transfers.

You may split the solution into sibling modules of this folder and import
them with relative imports, for example ``from .merkle import root_of``.
"""


class Manifest:
    """A file cut into fixed-size chunks, with a SHA-256 hash per chunk and a Merkle root."""

    @classmethod
    def build(cls, data, chunk_size):
        """Cut ``data`` into chunks of ``chunk_size`` bytes and hash them.

        Chunk ``i`` is ``data[i*chunk_size:(i+1)*chunk_size]``; the last may
        be shorter. ``data`` is non-empty ``bytes``/``bytearray``;
        ``chunk_size`` an ``int`` >= 1.
        """
        # TODO: TypeError for data that is not bytes/bytearray, or a chunk_size that is a bool
        #       or not an int; ValueError for empty data or chunk_size < 1.
        # TODO: hashlib.sha256(chunk).digest() is a chunk's 32-byte hash.
        raise NotImplementedError("p2p_swarm: implement build()")

    @property
    def length(self):
        """The file's length in bytes (an ``int``)."""
        raise NotImplementedError("p2p_swarm: implement length()")

    @property
    def chunk_size(self):
        """The chunk size given to ``build`` (an ``int``)."""
        raise NotImplementedError("p2p_swarm: implement chunk_size()")

    @property
    def count(self):
        """The number of chunks (an ``int``)."""
        raise NotImplementedError("p2p_swarm: implement count()")

    @property
    def hashes(self):
        """A ``tuple`` of the chunks' SHA-256 digests (32-byte ``bytes``), in index order."""
        raise NotImplementedError("p2p_swarm: implement hashes()")

    @property
    def root(self):
        """The Merkle root (32 bytes).

        Leaves are ``hashes`` padded with 32 zero bytes up to a power of two
        (as BEP 52 does); a parent is ``sha256(left + right)``; the root of a
        one-chunk file is that chunk's hash.
        """
        # TODO: pad with b"\\0" * 32 leaves, not with copies of the last hash nor hashes of b"".
        raise NotImplementedError("p2p_swarm: implement root()")

    def verify(self, index, chunk):
        """``True`` if ``chunk`` is exactly chunk ``index`` of the file, else ``False``."""
        # TODO: TypeError for a chunk that is not bytes/bytearray or an index that is a bool
        #       or not an int; IndexError for an index outside range(count): no wrap-around,
        #       so -1 is not the last chunk.
        raise NotImplementedError("p2p_swarm: implement verify()")

    def proof(self, index):
        """The sibling hashes on leaf ``index``'s path to the root, leaf level first.

        One hash per tree level: a list (or tuple) of 32-byte ``bytes``; empty
        for a one-chunk file.
        """
        # TODO: the same index checks as verify().
        raise NotImplementedError("p2p_swarm: implement proof()")

    @staticmethod
    def verify_proof(root, count, index, chunk, proof):
        """``True`` if ``chunk`` with ``proof`` hashes up to ``root`` as chunk ``index`` of ``count``.

        Static: a peer checks a chunk against the root alone. ``proof`` comes
        from the network and is untrusted.
        """
        # TODO: TypeError for a root or chunk that is not bytes/bytearray, or a count or index
        #       that is a bool or not an int; ValueError for count < 1; IndexError for an
        #       index outside range(count).
        # TODO: anything but a list or tuple of exactly one 32-byte bytes/bytearray per tree
        #       level returns False, never raises. The length check matters: a 64-byte "chunk"
        #       made of two sibling hashes, with a proof one hash short, would verify.
        raise NotImplementedError("p2p_swarm: implement verify_proof()")

    def assemble(self, chunks):
        """The file, from a sequence of ``count`` chunks in index order."""
        # TODO: TypeError for a chunk that is not bytes/bytearray; ValueError for the wrong
        #       number of chunks or one that fails verify() (the message names its index).
        raise NotImplementedError("p2p_swarm: implement assemble()")


class Scheduler:
    """Plans each tick's transfers in a swarm: the source (id 0) and peers (ids >= 1).

    Stage 2 on. One scheduler per run, with a global view of the swarm:
    ``plan(view)`` once per tick, then ``receive(...)`` once per planned
    transfer, in plan order.
    """

    def __init__(self, manifest):
        """Start a run for ``manifest``, your own ``Manifest`` of the file."""
        # TODO: keep what you need to choose transfers quickly: who holds which chunk, who
        #       still misses it. view.holds(p, c) answers too, but asking it for every peer
        #       and chunk on every tick is too slow for 1,000 peers.
        raise NotImplementedError("p2p_swarm: implement __init__()")

    def plan(self, view):
        """The tick's transfers: an iterable of ``(sender, receiver, chunk)`` triples of ints.

        ``view.tick``, ``view.source``, ``view.peers`` (online peers),
        ``view.upload(p)``, ``view.download(p)``, ``view.rack(p)``,
        ``view.holds(p, c)`` (as at the tick's start), ``view.joined``,
        ``view.left``.
        """
        # TODO: a sender is the source or an online peer and holds the chunk at the tick's
        #       start; a receiver is an online peer that lacks it; no triple twice; a sender
        #       appears at most upload(sender) times, a receiver at most download(receiver).
        # TODO: unicast from the source cannot meet the bound: peers must upload to each other.
        raise NotImplementedError("p2p_swarm: implement plan()")

    def receive(self, sender, receiver, chunk, data):
        """A planned transfer arrived as ``data``: ``True`` keeps the chunk, ``False`` discards it."""
        # TODO: stage 2: every chunk arrives intact; return exactly True (not 1, not the data).
        # TODO: stage 3: some peers corrupt uploads; verify, discard, and stop asking a peer
        #       after its third corrupt delivery.
        raise NotImplementedError("p2p_swarm: implement receive()")
