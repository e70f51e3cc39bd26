"""The file's manifest: chunk hashes and their Merkle root, a small value object."""

from . import merkle
from .checks import binary, index_in, integer


class Manifest:
    """A file cut into ``chunk_size``-byte chunks, each with its SHA-256 hash.

    Built once and never changed: the scheduler of the later stages only asks
    it ``count`` and ``verify``, so nothing here knows about swarms.
    """

    def __init__(self, length, chunk_size, hashes):
        self._length = length
        self._chunk_size = chunk_size
        self._hashes = tuple(hashes)
        self._tree = merkle.levels(self._hashes)

    @classmethod
    def build(cls, data, chunk_size):
        """Cut ``data`` into chunks of ``chunk_size`` bytes (the last may be shorter) and hash them."""
        binary(data, "data")
        integer(chunk_size, "chunk_size")
        if not data:
            raise ValueError("data must not be empty")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        hashes = [
            merkle.sha256(data[start:start + chunk_size])
            for start in range(0, len(data), chunk_size)
        ]
        return cls(len(data), chunk_size, hashes)

    @property
    def length(self):
        """The file's length in bytes."""
        return self._length

    @property
    def chunk_size(self):
        """The chunk size given to ``build``."""
        return self._chunk_size

    @property
    def count(self):
        """The number of chunks."""
        return len(self._hashes)

    @property
    def hashes(self):
        """The chunks' SHA-256 digests, in index order."""
        return self._hashes

    @property
    def root(self):
        """The Merkle root of the zero-padded tree."""
        return self._tree[-1][0]

    def verify(self, index, chunk):
        """Whether ``chunk`` is exactly chunk ``index``."""
        binary(chunk, "chunk")
        index_in(index, self.count)
        return merkle.sha256(chunk) == self._hashes[index]

    def proof(self, index):
        """The sibling hashes on leaf ``index``'s path, leaf level first."""
        index_in(index, self.count)
        return merkle.proof(self._tree, index)

    @staticmethod
    def verify_proof(root, count, index, chunk, proof):
        """Whether ``chunk`` with the untrusted ``proof`` hashes up to ``root`` as chunk ``index``."""
        binary(root, "root")
        binary(chunk, "chunk")
        integer(count, "count")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        index_in(index, count)
        if not merkle.is_well_formed(proof, count):
            return False  # a proof one hash short would let two inner hashes pose as a chunk
        return merkle.climb(merkle.sha256(chunk), index, proof) == root

    def assemble(self, chunks):
        """The file from ``count`` chunks in index order, each verified first."""
        chunks = list(chunks)
        for chunk in chunks:
            binary(chunk, "chunk")
        if len(chunks) != self.count:
            raise ValueError(f"assemble needs {self.count} chunks, got {len(chunks)}")
        for index, chunk in enumerate(chunks):
            if not self.verify(index, chunk):
                raise ValueError(f"chunk {index} does not match its hash")
        return b"".join(chunks)
