"""A BEP 52-style Merkle tree over chunk hashes: zero-padded to a power of two.

Complexity: building is O(F) hashes; a proof is O(log F) hashes.
"""

import hashlib

HASH_SIZE = 32
ZERO = bytes(HASH_SIZE)  # the padding leaf: 32 zero bytes, not the hash of anything


def sha256(data):
    return hashlib.sha256(data).digest()


def depth(count):
    """The number of levels above the leaves for ``count`` chunks (0 for one chunk)."""
    return (count - 1).bit_length()


def levels(hashes):
    """Every level of the tree, leaves (padded) first and the root's level last."""
    level = list(hashes) + [ZERO] * ((1 << depth(len(hashes))) - len(hashes))
    tree = [level]
    while len(level) > 1:
        level = [sha256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        tree.append(level)
    return tree


def proof(tree, index):
    """The sibling of leaf ``index``'s path at each level, leaf level first."""
    siblings = []
    for level in tree[:-1]:
        siblings.append(level[index ^ 1])
        index //= 2
    return siblings


def is_well_formed(proof, count):
    """Whether an untrusted ``proof`` has the one shape that may be hashed."""
    return (
        isinstance(proof, (list, tuple))
        and len(proof) == depth(count)
        and all(isinstance(h, (bytes, bytearray)) and len(h) == HASH_SIZE for h in proof)
    )


def climb(leaf, index, proof):
    """The root that ``leaf`` at ``index`` reaches through ``proof``."""
    node = leaf
    for sibling in proof:
        node = sha256(node + sibling) if index % 2 == 0 else sha256(sibling + node)
        index //= 2
    return node
