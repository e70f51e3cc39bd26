"""Stage 1 helpers of the ``p2p_swarm`` kata: the suite's own Merkle tree, and messages.

- ``expected_*``: the contract's manifest computed by the suite (SHA-256
  chunks, BEP 52 zero padding), to compare the solution's with.
- ``Calls``: the calls a test made, printed as code the learner can paste.
- ``returned`` / ``raises``: checks that fail with the call, what came back,
  what was expected, the contract's rule and the calls that reproduce it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from stages.support.p2p_swarm import properties  # noqa: F401 - the suites' one settings

from dojo.testing import CallLog

__tracebackhide__ = True

IMPORT = "from katas.p2p_swarm import Manifest"
ZERO = bytes(32)

# The contract's words.
CHUNKS = "chunk i is data[i*chunk_size:(i+1)*chunk_size] (the last may be shorter)"
SIZES = "m.length, m.chunk_size and m.count are ints: file bytes, chunk size, number of chunks"
HASHES = "m.hashes is a tuple of the chunks' SHA-256 digests (32-byte bytes)"
ROOT = (
    "m.root is the Merkle root: leaves m.hashes padded with 32 zero bytes to a power of two"
    " (as BEP 52); a parent is sha256(left + right); one chunk's root is its hash"
)
VERIFY = "m.verify(index, chunk) is True if chunk is exactly chunk index, else False"
PROOF = (
    "m.proof(index) is a list (or tuple) of the sibling hashes on leaf index's path, leaf level"
    " first: one per tree level (none for one chunk)"
)
VERIFY_PROOF = (
    "Manifest.verify_proof(root, count, index, chunk, proof) is True if chunk with proof hashes"
    " up to root as chunk index of count"
)
UNTRUSTED = (
    "proofs are untrusted: unless a proof is a list or tuple of one 32-byte bytes/bytearray per"
    " tree level (empty for one chunk), verify_proof returns False, never raises"
)
ONE_SHORT = (
    "the length check matters: else an inner node's two children, sent as a 64-byte chunk with"
    " a proof one hash short, would verify"
)
ASSEMBLE = "m.assemble(chunks) is the file from a sequence of m.count chunks in index order"


# --------------------------------------------------------------------------- the suite's own tree


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def expected_chunks(data: bytes, size: int) -> list[bytes]:
    return [bytes(data[i:i + size]) for i in range(0, len(data), size)]


def expected_levels(hashes: list[bytes]) -> list[list[bytes]]:
    width = 1
    while width < len(hashes):
        width *= 2
    level = list(hashes) + [ZERO] * (width - len(hashes))
    levels = [level]
    while len(level) > 1:
        level = [sha256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def expected_proof(levels: list[list[bytes]], index: int) -> list[bytes]:
    proof = []
    for level in levels[:-1]:
        proof.append(level[index ^ 1])
        index //= 2
    return proof


# --------------------------------------------------------------------------- calls and messages


def show(value: Any, limit: int = 400) -> str:
    """``repr(value)``; a long bytes value as an expression that rebuilds it."""
    if isinstance(value, (bytes, bytearray)) and len(value) > 48:
        kind = "bytes" if isinstance(value, bytes) else "bytearray"
        return f"{kind}.fromhex({value.hex()!r})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


class Calls(CallLog):
    """The calls a test makes, as lines of code, for messages that reproduce them."""

    def __init__(self, *lines: str) -> None:
        super().__init__(IMPORT, *lines)

    def build(self, data: bytes, chunk_size: Any) -> str:
        return self.note(f"m = Manifest.build({show(data)}, {show(chunk_size)})")


def attempt(calls: Calls, call: str, run: Callable[[], Any]) -> Any:
    """Make a call that should succeed; an exception becomes one line saying where."""
    return calls.attempt(call, run)


def returned(calls: Calls, call: str, run: Callable[[], Any], expected: Any, rule: str) -> Any:
    """Make ``call``; fail unless it returns ``expected`` (of the same type)."""
    got = attempt(calls, call, run)
    if type(got) is not type(expected) or got != expected:
        if got == expected:
            detail = f"a {type(got).__name__} where a {type(expected).__name__} was expected"
        else:
            detail = f"{show(got, 300)}; expected {show(expected, 300)}"
        raise AssertionError(calls.explain(f"{call} returned {detail}: {rule}."))
    return got


def raises(calls: Calls, call: str, run: Callable[[], Any], kind: Any, rule: str) -> BaseException:
    """Make ``call``; fail unless it raises ``kind`` (an exception type, or a tuple of them)."""
    return calls.raises(kind, call, run, rule)


def build(solution: type, data: bytes, chunk_size: int, calls: Calls | None = None) -> tuple[Any, Calls]:
    calls = calls or Calls()
    line = calls.build(data, chunk_size)
    calls.lines.pop()  # attempt() records it again
    return attempt(calls, line, lambda: solution.build(data, chunk_size)), calls


# --------------------------------------------------------------------------- strategies


def files() -> st.SearchStrategy[bytes]:
    """1-4,096 bytes; repetitive on purpose, so that equal chunks occur."""
    random_bytes = st.binary(min_size=1, max_size=4096)
    repetitive = st.builds(
        lambda unit, times: (unit * times)[:4096],
        st.binary(min_size=1, max_size=12),
        st.integers(1, 700),
    )
    return st.one_of(random_bytes, repetitive)


CHUNK_SIZES = st.integers(1, 600)
