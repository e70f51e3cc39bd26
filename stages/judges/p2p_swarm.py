"""The outside judge of the ``p2p_swarm`` kata: its model and what it checks at each stage.

Run by the grader in its own process (``dojo.judge``); the solution runs in
a worker and only its answers are seen.

- Stage 1: a model ``Manifest`` (``hashlib`` and a padded tree, written
  for obviousness) replays seeded random files, chunk sizes, tampered
  chunks and proofs against the solution's.
- Stages 2-4: the suites' own simulator (``stages/support/p2p_swarm.py``)
  runs here, in the grader's process, on the stage's family of swarms and
  on seeded small swarms. The solution's ``Scheduler`` plans in the worker
  (``p2p_swarm_worker.py``): each tick it is sent what changed, answers
  its plan, is sent the corrupt copies, and answers each ``receive``. Every
  rule, every bound and every failure message is the simulator's.
"""

from __future__ import annotations

import base64
import hashlib
import random
from contextlib import contextmanager

from dojo.judge.declare import (
    IGNORE,
    Call,
    Judge,
    Mismatch,
    show,
    support_module,
    value_of,
    worker_module,
)
from dojo.judge.session import Broken
from dojo.judge.wire import WireError, decode

SWARMS = support_module(__file__, "p2p_swarm")
ZERO = bytes(32)


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _index(value, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("index must be an int")
    if not 0 <= value < count:
        raise IndexError("index out of range")
    return value


def _chunk(value) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError("a chunk is bytes")
    return bytes(value)


class Model:
    """The contract's manifest, in the plainest terms."""

    def __init__(self, data: bytes, chunk_size: int) -> None:
        self.length, self.chunk_size = len(data), chunk_size
        self.chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
        self.count = len(self.chunks)
        self.hashes = tuple(_sha(c) for c in self.chunks)
        width = 1
        while width < self.count:
            width *= 2
        self.levels = [list(self.hashes) + [ZERO] * (width - self.count)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([_sha(below[i] + below[i + 1]) for i in range(0, len(below), 2)])
        self.root = self.levels[-1][0]

    @classmethod
    def build(cls, data, chunk_size):
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("data must be bytes")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
            raise TypeError("chunk_size must be an int")
        if not data:
            raise ValueError("data is empty")
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        return cls(bytes(data), chunk_size)

    def verify(self, index, chunk):
        return _chunk(chunk) == self.chunks[_index(index, self.count)]

    def proof(self, index):
        index = _index(index, self.count)
        path = []
        for level in self.levels[:-1]:
            path.append(level[index ^ 1])
            index //= 2
        return path

    @staticmethod
    def verify_proof(root, count, index, chunk, proof):
        if not isinstance(root, (bytes, bytearray)):
            raise TypeError("root must be bytes")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be an int")
        if count < 1:
            raise ValueError("count must be at least 1")
        index, node = _index(index, count), _sha(_chunk(chunk))
        depth = (count - 1).bit_length()
        if not isinstance(proof, (list, tuple)) or len(proof) != depth:
            return False
        for sibling in proof:
            if not isinstance(sibling, (bytes, bytearray)) or len(sibling) != 32:
                return False
            node = _sha(node + sibling) if index % 2 == 0 else _sha(sibling + node)
            index //= 2
        return node == root

    def assemble(self, chunks):
        chunks = list(chunks)
        if len(chunks) != self.count:
            raise ValueError(f"{len(chunks)} chunks for {self.count}")
        for index, chunk in enumerate(chunks):
            if not self.verify(index, chunk):
                raise ValueError(f"chunk {index} fails verify")
        return b"".join(chunks)


# -- stage 1: the manifest ---------------------------------------------------------------------


class _Bytes(bytes):
    """Bytes that a message shows briefly: a judge's file runs to kilobytes."""

    def __repr__(self) -> str:
        if len(self) <= 24:
            return bytes.__repr__(self)
        return f"<{len(self):,} bytes: {self[:8].hex()}...>"


class _Long(list):
    """A long list (of chunks, of hashes) that a message shows by its length and first items."""

    def __repr__(self) -> str:
        head = ", ".join(repr(_shown(v)) for v in self[:3])
        return f"[{head}, ... ({len(self):,} items)]"


def _shown(value):
    """``value`` with its bytes (in lists too) shown briefly in messages."""
    if isinstance(value, (bytes, bytearray)):
        return _Bytes(value)
    if isinstance(value, list):
        return (_Long if len(value) > 6 else list)(_shown(v) for v in value)
    return value


def _call(method: str, *args, **options) -> Call:
    return Call(method, [_shown(a) for a in args], **options)


def _file(rng: random.Random) -> bytes:
    size = rng.choice([1, 2, 7, 64, rng.randint(1, 4096)])
    if rng.random() < 0.3:  # repetitive data: equal chunks must verify at each other's index
        return (bytes([rng.randrange(3)]) * rng.randint(1, 8)) * (size // 4 + 1)
    return rng.randbytes(size)


def _flipped(value: bytes, rng: random.Random) -> bytes:
    copy = bytearray(value)
    copy[rng.randrange(len(copy))] ^= rng.randrange(1, 256)
    return bytes(copy)


def stage1_manifests_agree_with_the_model(ctx):
    """Sizes, hashes, root, verify, assemble and the argument errors, on seeded random files."""
    for _ in range(12):
        data, size = _file(ctx.rng), ctx.rng.choice([1, 3, 32, 64, ctx.rng.randint(1, 600)])
        model = Model.build(data, size)
        calls = [_call("build", data, size, on="cls", keep="main", compare=IGNORE)]
        calls += [Call(".length"), Call(".chunk_size"), Call(".count"), Call(".hashes"), Call(".root")]
        for index in ctx.rng.sample(range(model.count), min(model.count, 4)):
            chunk = model.chunks[index]
            calls += [_call("verify", index, chunk), _call("verify", index, _flipped(chunk, ctx.rng))]
            calls += [_call("verify", index, chunk[:-1]), _call("verify", index, chunk + b"x")]
            calls.append(_call("verify", ctx.rng.randrange(model.count), chunk))
        calls += [_call("verify", model.count, b"x"), _call("verify", -1, b"x"), _call("verify", True, b"x")]
        calls += [_call("verify", 0, "text"), _call("assemble", list(model.chunks))]
        calls += [_call("assemble", list(model.chunks[:-1]))]
        broken = list(model.chunks)
        broken[-1] = _flipped(broken[-1], ctx.rng)
        calls.append(_call("assemble", broken))
        calls += [_call("build", b"", 4, on="cls"), _call("build", data, 0, on="cls")]
        calls += [_call("build", data, True, on="cls"), _call("build", "text", 4, on="cls")]
        ctx.agree(calls, "the manifest of a seeded random file")


def stage1_proofs_verify_and_tampered_ones_do_not(ctx):
    """Each proof is the model's; ``verify_proof`` accepts it and refuses every tampering
    (a changed byte, a hash dropped, added or swapped, another index, a proof of junk)."""
    for _ in range(10):
        data, size = _file(ctx.rng), ctx.rng.choice([1, 4, 16, ctx.rng.randint(1, 300)])
        model = Model.build(data, size)
        index = ctx.rng.randrange(model.count)
        got = ctx.agree(
            [
                _call("build", data, size, on="cls", keep="main", compare=IGNORE),
                _call("proof", index, compare=IGNORE),
            ],
            "a proof",
        )
        proof = value_of(got[1])
        expected = model.proof(index)
        if (
            not isinstance(proof, (list, tuple))
            or [bytes(h) if isinstance(h, bytearray) else h for h in proof] != expected
        ):
            raise Mismatch(
                f"m = Manifest.build({_Bytes(data)!r}, {size}); m.proof({index}) {show(got[1])};"
                f" expected {expected!r:.300} (one sibling hash per tree level, leaf level first)"
            )
        chunk, root, count = model.chunks[index], model.root, model.count
        tampered = [[_flipped(h, ctx.rng) if i == 0 else h for i, h in enumerate(expected)]]
        if expected:
            tampered += [expected[:-1], expected + [ZERO], expected[::-1] if len(expected) > 1 else [ZERO]]
            tampered += [[h[:-1] for h in expected], [h.hex() for h in expected]]
        tampered += [[*expected, b"x"], "not a proof", None, [None] * len(expected)]
        calls = [_call("verify_proof", root, count, index, chunk, expected, on="cls")]
        calls += [_call("verify_proof", root, count, index, chunk, bad, on="cls") for bad in tampered]
        calls.append(_call("verify_proof", root, count, index, _flipped(chunk, ctx.rng), expected, on="cls"))
        if model.count > 1:
            other = (index + 1) % model.count
            calls.append(_call("verify_proof", root, count, other, chunk, expected, on="cls"))
        if model.count >= 2:  # an inner node's two children as a 64-byte chunk, one hash short
            pair = model.hashes[0] + model.hashes[1]
            calls.append(_call("verify_proof", root, count, 0, pair, model.proof(0)[1:], on="cls"))
        calls += [_call("verify_proof", root, count, count, chunk, expected, on="cls")]
        calls += [_call("verify_proof", "root", count, index, chunk, expected, on="cls")]
        ctx.agree(calls, "verify_proof on the model's proof and tampered ones")


# -- stages 2-4: the simulator drives the worker's Scheduler -----------------------------------


class Answered(BaseException):
    """The solution raised in the worker: a finished answer, past the simulator's own wording."""


class Unanswered(BaseException):
    """The worker broke the protocol, or answered what no helper sends: not the solution's own
    exception, so it passes the simulator's ``except Exception`` and is reported as it is."""


def _ask(ctx, helper: str, *args, what: str, timeout: float = 10.0):
    try:
        return ctx.call(helper, *args, timeout=timeout, what=what)
    except (Broken, Mismatch) as exc:
        raise Unanswered(str(exc)) from None


@contextmanager
def _garbled(what: str):
    """Reading the worker's answer to ``what``: anything unreadable is ``Unanswered``."""
    try:
        yield
    except (
        WireError,
        Mismatch,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise Unanswered(
            f"the worker's answer to {what} broke the protocol ({type(exc).__name__}: {exc})"
        ) from None


def _answer(answer, call: str, tick: int | None = None):
    """``answer`` from a helper, as a dict; ``Answered`` if the solution raised there."""
    if not isinstance(answer, dict):
        raise Unanswered(f"the worker answered {call} with {type(answer).__name__}, not an object")
    if "raised" in answer:
        names = answer.get("raised") or ["Exception"]
        name = str(names[0])[:60]
        at = f" at tick {tick}" if tick is not None else ""
        raise Answered(
            f"{call}{at} raised {name}: {str(answer.get('message'))[:300]}{str(answer.get('where', ''))[:300]}"
        )
    return answer


class _Shown:
    """A value the worker could only describe: ``repr`` is the worker's text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def remote_classes(ctx):
    """``Manifest`` and ``Scheduler`` for ``simulate``, played by the solution in the worker."""

    class Manifest:
        def __init__(self, chunks: list[bytes]) -> None:
            self.chunks = chunks  # the intact chunks, to tell the corrupt copies from

        @staticmethod
        def build(data: bytes, chunk_size: int):
            built = _ask(ctx, "build", base64.b64encode(data).decode(), chunk_size, what="Manifest.build")
            _answer(built, "Manifest.build(data, chunk_size)")
            return Manifest(SWARMS.chunks_of(data, chunk_size))

    class Scheduler:
        def __init__(self, manifest) -> None:
            _answer(_ask(ctx, "scheduler", what="Scheduler(manifest)"), "Scheduler(manifest)")
            self.chunks = manifest.chunks
            self.sent: set[int] = set()
            self.arrived: list = []
            self.answers: list = []
            self.raised: str | None = None
            self.next = 0

        def plan(self, view):
            net = SWARMS.network_of(view)
            known = [
                [p, net.upload[p], net.download[p], net.rack[p]] for p in net.upload if p not in self.sent
            ]
            self.sent.update(p for p, *_ in known)
            online = sorted(view.peers) if view.tick == 0 else None
            raw = _ask(
                ctx,
                "plan",
                view.tick,
                online,
                known,
                self.arrived,
                list(view.left),
                list(view.joined),
                timeout=30,
                what=f"scheduler.plan(view) at tick {view.tick}",
            )
            iterating = isinstance(raw, dict) and raw.get("iterating")
            label = "iterating the result of scheduler.plan(view)" if iterating else "scheduler.plan(view)"
            with _garbled(f"scheduler.plan(view) at tick {view.tick}"):
                answer = _answer(raw, label, view.tick)
                self.view, self.net, self.arrived, self.answers, self.next = view, net, [], [], 0
                if "plain" in answer:
                    self.transfers = [tuple(t) if isinstance(t, list) else t for t in answer["plain"]]
                elif "encoded" in answer:
                    self.transfers = [decode(t) for t in answer["encoded"]]
                else:
                    return _Shown(str(answer.get("returned"))[:120])
            return self.transfers

        def receive(self, sender, receiver, chunk, data):
            if self.next == 0:  # the tick's first delivery: every answer in one round trip
                self._receive_all()
            index, self.next = self.next, self.next + 1
            if index >= len(self.answers):
                raise Answered(self.raised or "receive answered too few transfers")
            kept = self.answers[index]
            if kept is True and data == self.chunks[chunk]:
                self.arrived.append([receiver, chunk])
            return kept

        def _receive_all(self) -> None:
            net, tick = self.net, self.view.tick
            corrupt = []
            for index, (sender, receiver, chunk) in enumerate(self.transfers):
                copy = net.corrupted(tick, sender, receiver, chunk, self.chunks[chunk])
                if copy is not None:
                    corrupt.append([index, base64.b64encode(copy).decode()])
            answer = _ask(ctx, "receive", corrupt, timeout=30, what=f"scheduler.receive(...) at tick {tick}")
            with _garbled("the receive calls"):
                kept = answer.get("kept")
                if "kept" in answer:  # every transfer kept: a count, at most one per transfer
                    if type(kept) is not int or not 0 <= kept <= len(self.transfers):
                        raise WireError(f"a count of {kept!r:.20} kept chunks")
                    self.answers = [True] * kept
                else:
                    self.answers = [decode(a) for a in answer["answers"][: len(self.transfers)]]
            if "raised" in answer:
                try:
                    _answer(
                        answer,
                        f"scheduler.receive(sender, receiver, chunk, data) (transfer #{len(self.answers)})",
                        tick,
                    )
                except Answered as exc:
                    self.raised = str(exc)

    return Manifest, Scheduler


def _simulate(ctx, swarm, stage: int | None) -> None:
    """One swarm through the simulator with the worker's scheduler; Mismatch at the first rule broken."""
    if not ctx.call("has_scheduler"):
        raise Mismatch(
            "p2p_swarm.py defines no class Scheduler: from stage 2 on, the module exposes Manifest and Scheduler"
        )
    manifest, scheduler = remote_classes(ctx)
    try:
        SWARMS.simulate(swarm, manifest, scheduler, stage=stage).check()
    except SWARMS.Failed as exc:
        message, _, rest = str(exc).partition("\n\n")
        summary = rest.partition(f"\n\n{SWARMS.REPLAY}")[0]
        raise Mismatch(f"{message} | {' | '.join(summary.splitlines())}") from None
    except Answered as exc:
        raise Mismatch(f"{exc} | {swarm.describe()}") from None
    except Unanswered as exc:
        raise Mismatch(f"{exc} (simulating {swarm.describe()})") from None


def _family(stage: int):
    def check(ctx):
        for swarm in SWARMS.family(stage).values():
            _simulate(ctx, swarm, stage)

    check.__name__ = f"stage{stage}_the_family_meets_its_bounds"
    check.__doc__ = (
        f"Every swarm of stage {stage}'s family: valid plans, right receipts, T (and X) within bounds."
    )
    return check


def _small(stage: int, runs: int = 25):
    def check(ctx):
        rng = ctx.rng

        def subset(items: list, max_size: int) -> set:
            return set(rng.sample(items, rng.randint(0, min(max_size, len(items)))))

        for _ in range(runs):
            swarm = SWARMS.small_swarm(
                rng.randint, rng.choice, subset, corrupting=stage >= 3, churn=stage >= 4
            )
            _simulate(ctx, swarm, None)

    check.__name__ = f"stage{stage}_small_random_swarms"
    check.__doc__ = "Seeded small swarms: every rule, and T within the small swarms' bound."
    return check


JUDGE = Judge(
    model=Model,
    name="m",
    stages={
        1: [stage1_manifests_agree_with_the_model, stage1_proofs_verify_and_tampered_ones_do_not],
        2: [_small(2), _family(2)],
        3: [_small(3), _family(3)],
        4: [_small(4), _family(4)],
    },
    worker=[worker_module(__file__, "judges/p2p_swarm_worker.py")],
)
