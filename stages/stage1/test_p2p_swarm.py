"""Stage 1 of the P2P swarm: a manifest of SHA-256 chunk hashes, a Merkle root, and proofs.

Every result is compared with the suite's own computation of the contract
(``stages/support/p2p_swarm_manifest.py``); proofs from outside are
untrusted, so malformed ones must return False, never raise.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stages.support.p2p_swarm_manifest import (
    ASSEMBLE,
    CHUNK_SIZES,
    CHUNKS,
    HASHES,
    ONE_SHORT,
    PROOF,
    ROOT,
    SIZES,
    UNTRUSTED,
    VERIFY,
    VERIFY_PROOF,
    ZERO,
    attempt,
    build,
    expected_chunks,
    expected_levels,
    expected_proof,
    properties,
    files,
    raises,
    returned,
    sha256,
    show,
)

def bytes_like(value):
    """``value`` as bytes if it is a bytearray: the contract does not say which the root and the file are."""
    return bytes(value) if isinstance(value, bytearray) else value


HELLO = b"hello, swarm!"  # 13 bytes: b"hell", b"o, s", b"warm", b"!"


def test_build_cuts_the_data_into_chunks_and_reports_its_sizes(solution):
    m, calls = build(solution, HELLO, 4)
    returned(calls, "m.length", lambda: m.length, 13, SIZES)
    returned(calls, "m.chunk_size", lambda: m.chunk_size, 4, SIZES)
    returned(calls, "m.count", lambda: m.count, 4, f"{SIZES}; {CHUNKS}")
    for index, chunk in enumerate([b"hell", b"o, s", b"warm", b"!"]):
        returned(calls, f"m.verify({index}, {chunk!r})", lambda: m.verify(index, chunk), True, f"{VERIFY}; {CHUNKS}")


def test_a_chunk_size_larger_than_the_data_makes_one_chunk(solution):
    m, calls = build(solution, b"abc", 600)
    returned(calls, "m.count", lambda: m.count, 1, CHUNKS)
    returned(calls, "m.verify(0, b'abc')", lambda: m.verify(0, b"abc"), True, VERIFY)


def test_hashes_is_a_tuple_of_each_chunks_sha256(solution):
    m, calls = build(solution, HELLO, 4)
    expected = tuple(sha256(c) for c in expected_chunks(HELLO, 4))
    returned(calls, "m.hashes", lambda: m.hashes, expected, HASHES)


def test_the_root_of_one_chunk_is_its_hash(solution):
    m, calls = build(solution, b"only chunk", 64)
    returned(calls, "m.root", lambda: bytes_like(m.root), sha256(b"only chunk"), ROOT)
    returned(calls, "m.proof(0)", lambda: list(m.proof(0)), [], PROOF)


def test_the_root_of_two_chunks_hashes_them_together(solution):
    m, calls = build(solution, b"ab", 1)
    returned(calls, "m.root", lambda: bytes_like(m.root), sha256(sha256(b"a") + sha256(b"b")), ROOT)


@pytest.mark.parametrize("count", [3, 5, 6, 7, 9])
def test_the_root_pads_the_leaves_with_zero_hashes_to_a_power_of_two(solution, count):
    data = bytes(range(count))
    m, calls = build(solution, data, 1)
    levels = expected_levels([sha256(bytes([b])) for b in data])
    rule = f"{ROOT} (with {count} chunks, {len(levels[0]) - count} leaves are {show(ZERO)})"
    returned(calls, "m.root", lambda: bytes_like(m.root), levels[-1][0], rule)


def test_proofs_list_the_siblings_leaf_level_first(solution):
    data = b"abcde"  # five chunks: leaves h0..h4 and three zero leaves
    m, calls = build(solution, data, 1)
    levels = expected_levels([sha256(bytes([b])) for b in data])
    for index in range(5):
        returned(calls, f"list(m.proof({index}))", lambda: list(m.proof(index)), expected_proof(levels, index), PROOF)


def test_proofs_are_lists_or_tuples_of_bytes(solution):
    m, calls = build(solution, b"abcde", 1)
    proof = attempt(calls, "m.proof(2)", lambda: m.proof(2))
    if not isinstance(proof, (list, tuple)) or not all(isinstance(h, bytes) and len(h) == 32 for h in proof):
        raise AssertionError(calls.explain(f"m.proof(2) returned {show(proof)}: {PROOF}."))


def test_verify_is_false_for_anything_but_the_exact_chunk(solution):
    m, calls = build(solution, HELLO, 4)
    for chunk in [b"hel", b"hell!", b"Hell", b"o, s", b"", b"hell\x00"]:
        returned(calls, f"m.verify(0, {chunk!r})", lambda: m.verify(0, chunk), False, VERIFY)


def test_verify_proof_accepts_every_chunk_with_its_proof(solution):
    m, calls = build(solution, HELLO, 4)
    for index, chunk in enumerate(expected_chunks(HELLO, 4)):
        proof = attempt(calls, f"proof = m.proof({index})", lambda: m.proof(index))
        returned(
            calls, f"Manifest.verify_proof(m.root, 4, {index}, {chunk!r}, proof)",
            lambda: solution.verify_proof(m.root, 4, index, chunk, proof), True, VERIFY_PROOF,
        )


def test_verify_proof_rejects_an_inner_node_posing_as_a_chunk_with_a_proof_one_hash_short(solution):
    data = bytes(range(8))
    m, calls = build(solution, data, 1)
    levels = expected_levels([sha256(bytes([b])) for b in data])
    for parent in range(4):
        children = levels[0][2 * parent] + levels[0][2 * parent + 1]  # 64 bytes
        short = expected_proof(levels, 2 * parent)[1:]
        calls.note(f"children = {show(children)}")
        calls.note(f"short = {show(short)}")
        returned(
            calls, f"Manifest.verify_proof(m.root, 8, {parent}, children, short)",
            lambda: solution.verify_proof(m.root, 8, parent, children, short), False,
            f"{UNTRUSTED}; {ONE_SHORT}",
        )


MALFORMED = {
    "None": None,
    "a str": "00" * 32,
    "bytes instead of a list": bytes(96),
    "a set": {bytes(32)},
    "a dict": {0: bytes(32)},
    "a list of None": [None, None, None],
    "a list of ints": [0, 1, 2],
    "a list of str": ["a" * 32] * 3,
    "a hash of 31 bytes": [bytes(31), bytes(32), bytes(32)],
    "a hash of 33 bytes": [bytes(32), bytes(33), bytes(32)],
    "a nested list": [[bytes(32)], bytes(32), bytes(32)],
    "one hash too many": [bytes(32)] * 4,
    "one hash short": [bytes(32)] * 2,
    "empty": [],
    "a generator": (bytes(32) for _ in range(3)),
}


@pytest.mark.parametrize("proof", MALFORMED.values(), ids=MALFORMED.keys())
def test_verify_proof_returns_false_never_raises_for_a_malformed_proof(solution, proof):
    m, calls = build(solution, b"abcde", 1)
    calls.note(f"proof = {show(proof) if not hasattr(proof, 'gi_code') else '(bytes(32) for _ in range(3))'}")
    returned(
        calls, "Manifest.verify_proof(m.root, 5, 2, b'c', proof)",
        lambda: solution.verify_proof(m.root, 5, 2, b"c", proof), False, UNTRUSTED,
    )


def test_verify_proof_takes_tuples_and_bytearrays(solution):
    m, calls = build(solution, b"abcde", 1)
    proof = attempt(calls, "proof = m.proof(3)", lambda: m.proof(3))
    returned(
        calls, "Manifest.verify_proof(bytearray(m.root), 5, 3, bytearray(b'd'), tuple(bytearray(h) for h in proof))",
        lambda: solution.verify_proof(bytearray(m.root), 5, 3, bytearray(b"d"), tuple(bytearray(h) for h in proof)),
        True, f"{VERIFY_PROOF}; {UNTRUSTED}",
    )


def test_build_accepts_a_bytearray(solution):
    m, calls = build(solution, bytearray(HELLO), 4)
    returned(calls, "m.hashes", lambda: m.hashes, tuple(sha256(c) for c in expected_chunks(HELLO, 4)), HASHES)


def test_assemble_returns_the_file(solution):
    m, calls = build(solution, HELLO, 4)
    returned(calls, "m.assemble([b'hell', b'o, s', b'warm', b'!'])",
             lambda: bytes_like(m.assemble([b"hell", b"o, s", b"warm", b"!"])), HELLO, ASSEMBLE)
    returned(calls, "m.assemble((b'hell', bytearray(b'o, s'), b'warm', b'!'))",
             lambda: bytes_like(m.assemble((b"hell", bytearray(b"o, s"), b"warm", b"!"))), HELLO, ASSEMBLE)


def test_assemble_rejects_the_wrong_number_of_chunks(solution):
    m, calls = build(solution, HELLO, 4)
    rule = "ValueError: assemble given a wrong number of chunks"
    raises(calls, "m.assemble([b'hell', b'o, s', b'warm'])", lambda: m.assemble([b"hell", b"o, s", b"warm"]), ValueError, rule)
    raises(calls, "m.assemble([b'hell', b'o, s', b'warm', b'!', b'!'])",
           lambda: m.assemble([b"hell", b"o, s", b"warm", b"!", b"!"]), ValueError, rule)


def test_assemble_rejects_a_chunk_that_fails_verify_naming_its_index(solution):
    m, calls = build(solution, b"abcdefghijklmnopqrstuvwxyz", 2)  # 13 chunks
    chunks = expected_chunks(b"abcdefghijklmnopqrstuvwxyz", 2)
    chunks[11] = b"XX"
    calls.note("chunks = [b'ab', b'cd', ..., b'uv', b'XX', b'yz']  # chunk 11 changed")
    error = raises(calls, "m.assemble(chunks)", lambda: m.assemble(chunks), ValueError,
                   "ValueError: assemble given a chunk that fails verify (the message contains its index)")
    if "11" not in str(error):
        raise AssertionError(calls.explain(
            f"m.assemble(chunks) raised ValueError({str(error)!r}); the message must contain the"
            " index of the chunk that fails verify, 11"
        ))


BAD_CALLS = [
    # (call, how to make it on m built from HELLO with chunk size 4, exception, rule)
    ("Manifest.build('hello', 4)", lambda M, m: M.build("hello", 4), TypeError, "data not bytes/bytearray"),
    ("Manifest.build([104, 105], 4)", lambda M, m: M.build([104, 105], 4), TypeError, "data not bytes/bytearray"),
    ("Manifest.build(b'', 4)", lambda M, m: M.build(b"", 4), ValueError, "empty data"),
    ("Manifest.build(b'abc', 0)", lambda M, m: M.build(b"abc", 0), ValueError, "chunk_size < 1"),
    ("Manifest.build(b'abc', -2)", lambda M, m: M.build(b"abc", -2), ValueError, "chunk_size < 1"),
    ("Manifest.build(b'abc', True)", lambda M, m: M.build(b"abc", True), TypeError, "chunk_size a bool"),
    ("Manifest.build(b'abc', 2.0)", lambda M, m: M.build(b"abc", 2.0), TypeError, "chunk_size not an int"),
    ("Manifest.build(b'abc', '2')", lambda M, m: M.build(b"abc", "2"), TypeError, "chunk_size not an int"),
    ("m.verify(0, 'hell')", lambda M, m: m.verify(0, "hell"), TypeError, "a chunk not bytes/bytearray"),
    ("m.verify(0, None)", lambda M, m: m.verify(0, None), TypeError, "a chunk not bytes/bytearray"),
    ("m.verify(True, b'o, s')", lambda M, m: m.verify(True, b"o, s"), TypeError, "index a bool"),
    ("m.verify(1.0, b'o, s')", lambda M, m: m.verify(1.0, b"o, s"), TypeError, "index not an int"),
    ("m.verify(-1, b'!')", lambda M, m: m.verify(-1, b"!"), IndexError, "index outside range(count) (no wrap-around)"),
    ("m.verify(4, b'!')", lambda M, m: m.verify(4, b"!"), IndexError, "index outside range(count)"),
    ("m.proof(-1)", lambda M, m: m.proof(-1), IndexError, "index outside range(count) (no wrap-around)"),
    ("m.proof(4)", lambda M, m: m.proof(4), IndexError, "index outside range(count)"),
    ("m.proof(False)", lambda M, m: m.proof(False), TypeError, "index a bool"),
    ("m.proof('1')", lambda M, m: m.proof("1"), TypeError, "index not an int"),
    ("Manifest.verify_proof(m.root.hex(), 4, 0, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root.hex(), 4, 0, b"hell", m.proof(0)), TypeError, "root not bytes/bytearray"),
    ("Manifest.verify_proof(None, 4, 0, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(None, 4, 0, b"hell", m.proof(0)), TypeError, "root not bytes/bytearray"),
    ("Manifest.verify_proof(m.root, 4, 0, 'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root, 4, 0, "hell", m.proof(0)), TypeError, "a chunk not bytes/bytearray"),
    ("Manifest.verify_proof(m.root, 4.0, 0, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root, 4.0, 0, b"hell", m.proof(0)), TypeError, "count not an int"),
    ("Manifest.verify_proof(m.root, True, 0, b'hell', [])",
     lambda M, m: M.verify_proof(m.root, True, 0, b"hell", []), TypeError, "count a bool"),
    ("Manifest.verify_proof(m.root, 0, 0, b'hell', [])",
     lambda M, m: M.verify_proof(m.root, 0, 0, b"hell", []), (ValueError, IndexError),
     "count < 1 (then every index is outside range(count) too: either error is right)"),
    ("Manifest.verify_proof(m.root, 4, False, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root, 4, False, b"hell", m.proof(0)), TypeError, "index a bool"),
    ("Manifest.verify_proof(m.root, 4, 4, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root, 4, 4, b"hell", m.proof(0)), IndexError, "index outside range(count)"),
    ("Manifest.verify_proof(m.root, 4, -4, b'hell', m.proof(0))",
     lambda M, m: M.verify_proof(m.root, 4, -4, b"hell", m.proof(0)), IndexError, "index outside range(count) (no wrap-around)"),
    ("m.assemble([b'hell', 'o, s', b'warm', b'!'])",
     lambda M, m: m.assemble([b"hell", "o, s", b"warm", b"!"]), TypeError, "a chunk (in assemble too) not bytes/bytearray"),
]


@pytest.mark.parametrize(("call", "make", "kind", "why"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_the_contracts_exception(solution, call, make, kind, why):
    m, calls = build(solution, HELLO, 4)
    raises(calls, call, lambda: make(solution, m), kind, f"{_names(kind)}: {why}")


def _names(kind) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


# --------------------------------------------------------------------------- properties


@properties()
@given(data=files(), chunk_size=CHUNK_SIZES, pick=st.randoms(use_true_random=False))
def test_any_file_matches_the_suites_own_count_hashes_root_and_proofs(solution, data, chunk_size, pick):
    m, calls = build(solution, data, chunk_size)
    chunks = expected_chunks(data, chunk_size)
    hashes = [sha256(c) for c in chunks]
    levels = expected_levels(hashes)
    returned(calls, "m.count", lambda: m.count, len(chunks), SIZES)
    returned(calls, "m.length", lambda: m.length, len(data), SIZES)
    returned(calls, "m.hashes", lambda: m.hashes, tuple(hashes), HASHES)
    returned(calls, "m.root", lambda: bytes_like(m.root), levels[-1][0], ROOT)
    for index in sorted({0, len(chunks) - 1, pick.randrange(len(chunks))}):
        proof = expected_proof(levels, index)
        returned(calls, f"list(m.proof({index}))", lambda: list(m.proof(index)), proof, PROOF)
        returned(calls, f"m.verify({index}, {show(chunks[index])})", lambda: m.verify(index, chunks[index]), True, VERIFY)
        returned(
            calls, f"Manifest.verify_proof(m.root, {len(chunks)}, {index}, {show(chunks[index])}, m.proof({index}))",
            lambda: solution.verify_proof(levels[-1][0], len(chunks), index, chunks[index], proof), True, VERIFY_PROOF,
        )
    calls.note(f"chunks = [{', '.join(show(c) for c in chunks[:3])}{', ...' if len(chunks) > 3 else ''}]"
               f"  # the {len(chunks)} chunks of the data")
    returned(calls, "m.assemble(chunks)", lambda: bytes_like(m.assemble(chunks)), bytes(data), ASSEMBLE)


TAMPERINGS = [
    "a changed byte in the chunk", "a truncated chunk", "an extended chunk",
    "a changed byte in a proof hash", "a proof hash dropped", "a proof hash added",
    "two proof hashes swapped", "another chunk's index",
]


def _tampered(kind, chunk, proof, index, count, rng):
    """``(chunk, proof, index)`` after one tampering, or None when it cannot apply."""
    proof = list(proof)
    if kind == TAMPERINGS[0]:
        at = rng.randrange(len(chunk))
        return chunk[:at] + bytes([chunk[at] ^ rng.randrange(1, 256)]) + chunk[at + 1:], proof, index
    if kind == TAMPERINGS[1]:
        return chunk[:-1], proof, index
    if kind == TAMPERINGS[2]:
        return chunk + bytes([rng.randrange(256)]), proof, index
    if kind == TAMPERINGS[3] and proof:
        at, byte = rng.randrange(len(proof)), rng.randrange(32)
        h = proof[at]
        proof[at] = h[:byte] + bytes([h[byte] ^ rng.randrange(1, 256)]) + h[byte + 1:]
        return chunk, proof, index
    if kind == TAMPERINGS[4] and proof:
        del proof[rng.randrange(len(proof))]
        return chunk, proof, index
    if kind == TAMPERINGS[5]:
        proof.insert(rng.randrange(len(proof) + 1), proof[0] if proof else bytes(32))
        return chunk, proof, index
    if kind == TAMPERINGS[6] and len(proof) >= 2:
        a, b = sorted(rng.sample(range(len(proof)), 2))
        if proof[a] == proof[b]:
            return None
        proof[a], proof[b] = proof[b], proof[a]
        return chunk, proof, index
    if kind == TAMPERINGS[7] and count >= 2:
        other = rng.choice([i for i in range(count) if i != index])
        return chunk, proof, other
    return None


@properties()
@given(data=files(), chunk_size=CHUNK_SIZES, kind=st.sampled_from(TAMPERINGS), pick=st.randoms(use_true_random=False))
def test_any_tampering_of_a_chunk_or_its_proof_fails_verification(solution, data, chunk_size, kind, pick):
    m, calls = build(solution, data, chunk_size)
    chunks = expected_chunks(data, chunk_size)
    levels = expected_levels([sha256(c) for c in chunks])
    index = pick.randrange(len(chunks))
    changed = _tampered(kind, chunks[index], expected_proof(levels, index), index, len(chunks), pick)
    if changed is None:
        return  # this tampering needs more chunks or proof hashes than this file has
    chunk, proof, claimed = changed
    if claimed != index and chunks[claimed] == chunk:
        return  # another chunk that is equal: repetitive data is drawn on purpose
    if claimed == index and chunk == chunks[index] and proof == expected_proof(levels, index):
        return  # the tampering changed nothing (a swap of equal hashes, say)
    calls.note(f"chunk = {show(chunk)}  # chunk {index}, {kind}")
    calls.note(f"proof = {show(proof)}")
    rule = f"{VERIFY_PROOF}; {kind} must fail; {UNTRUSTED}"
    if claimed != index or len(chunk) != len(chunks[index]) or chunk != chunks[index]:
        returned(calls, f"m.verify({claimed}, chunk)", lambda: m.verify(claimed, chunk), False, f"{VERIFY}; {kind} must fail")
    returned(
        calls, f"Manifest.verify_proof(m.root, {len(chunks)}, {claimed}, chunk, proof)",
        lambda: solution.verify_proof(levels[-1][0], len(chunks), claimed, chunk, proof), False, rule,
    )
