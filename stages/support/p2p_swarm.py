"""The network of the ``p2p_swarm`` kata: a deterministic swarm simulator, and its swarms.

Not learner code: the simulator is the only judge of validity and time. A
``Swarm`` is plain data (capacities, racks, corrupting peers, events, a
seed); ``simulate`` runs a solution's ``Scheduler`` on it tick by tick,
checks every plan against the contract's rules before any delivery, hands
each transfer to ``receive`` and records what the bounds need (T, the
source's share, cross-rack transfers, when the peers first held every
chunk between them). ``Run.check()`` then holds T (and X) to the swarm's
bound. Every failure names the swarm, its seed and the lines that replay it.

The families of swarms per stage are fixed from seeds (``family``); the
small random swarms are hypothesis strategies (``small_swarms``).
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dojo.testing import where

# pytest leaves this module's frames out of a failure's traceback (--full-trace
# shows them): the learner reads the test's line and the message.
__tracebackhide__ = True

IMPORT = "from katas.p2p_swarm import Manifest, Scheduler"
REPLAY = "To replay it (paste into a Python shell at the repository's root):"
SOURCE = 0
STRIKES = 3  # corrupt deliveries after which a sender is banned
# Speed on the large swarm: plan and receive together may take this long, or this many
# times the simulator's own time in the run, whichever is larger.
ALLOWANCE_SECONDS = 10.0
ALLOWANCE_FACTOR = 30

# The contract's rules, in its words.
TRIPLE = "a transfer is a tuple or list of three ints (bool is not an int)"
SENDER = "the sender is the source or an online peer"
RECEIVER = "the receiver is an online peer (the source never receives)"
CHUNK_RANGE = "the chunk is in range(count)"
NOT_SENDERS = "the sender holds the chunk at the tick's start (a chunk that arrives this tick is held from the next)"
RECEIVERS = "the chunk is not already the receiver's"
REPEATS = "a plan does not repeat a transfer"
UPLOAD = "a sender appears at most upload(sender) times in a tick's plan"
DOWNLOAD = "a receiver appears at most download(receiver) times in a tick's plan"
BANNED = "from the tick after a sender's 3rd corrupt delivery, a transfer from it makes the plan invalid"
KEEP = "receive must return True for every intact chunk (anything else, even truthy, fails)"
DISCARD = "receive returns False for every corrupt copy (keeping a corrupt chunk fails at once)"
ITERABLE = "plan(view) returns an iterable of (sender, receiver, chunk) triples of ints"


# --------------------------------------------------------------------------- swarms


@dataclass(frozen=True)
class Swarm:
    """A swarm to simulate: plain data, so its ``repr`` rebuilds it.

    ``peers[i]`` is ``(upload, download, rack)`` of peer ``i + 1``;
    ``corrupt`` pairs a peer with its probability of corrupting a chunk it
    sends; an event is ``(tick, peers that leave, (upload, download, rack)
    of each peer that joins)``, joiners taking the next unused ids in order.
    ``rule`` names the bound: ``plain`` (stage 2), ``corrupt``,
    ``source-bound`` (stage 3), ``churn`` (stage 4), ``small``.
    """

    name: str
    seed: int
    chunks: int
    chunk_bytes: int
    source_upload: int
    peers: tuple[tuple[int, int, int], ...]
    corrupt: tuple[tuple[int, float], ...] = ()
    events: tuple[tuple[int, tuple[int, ...], tuple[tuple[int, int, int], ...]], ...] = ()
    source_rack: int = 0
    rule: str = "plain"
    racks_counted: bool = False  # stage 4 family: X is bounded too
    timed: bool = False  # the large swarm: plan and receive are timed

    # -- the file
    def data(self) -> bytes:
        """The file: ``chunks`` chunks of ``chunk_bytes``, the last shorter (drawn from the seed)."""
        rng = random.Random(self.seed)
        last = rng.randint(1, self.chunk_bytes)
        return rng.randbytes((self.chunks - 1) * self.chunk_bytes + last)

    # -- the arithmetic of the bound
    @property
    def n(self) -> int:
        return len(self.peers)

    def final_peers(self) -> dict[int, tuple[int, int, int]]:
        """The peers online after the last event: id -> (upload, download, rack)."""
        online = {i + 1: spec for i, spec in enumerate(self.peers)}
        next_id = len(self.peers) + 1
        for _tick, leave, join in sorted(self.events):
            for peer in leave:
                online.pop(peer, None)
            for spec in join:
                online[next_id] = spec
                next_id += 1
        return online

    def t_last(self) -> int:
        return max((tick for tick, _, _ in self.events), default=0)

    def terms(self, peers: dict[int, tuple[int, int, int]] | None = None) -> Terms:
        """LB's terms for ``peers`` (the starting ones by default), corrupting uploads left out."""
        if peers is None:
            peers = {i + 1: spec for i, spec in enumerate(self.peers)}
        corrupting = {peer for peer, _ in self.corrupt}
        honest = sum(u for peer, (u, _, _) in peers.items() if peer not in corrupting)
        return Terms(
            chunks=self.chunks,
            n=len(peers),
            source_upload=self.source_upload,
            upload_sum=honest,
            d_min=min(d for _, d, _ in peers.values()),
            corrupting=len(corrupting & peers.keys()),
        )

    def limit(self) -> Limit:
        """The last tick at whose start every peer must hold every chunk, and why."""
        if self.events:
            terms = self.terms(self.final_peers())
            t_last = self.t_last()
        else:
            terms, t_last = self.terms(), 0
        lb, log = terms.lb(), terms.n.bit_length()  # ⌈log₂(N+1)⌉ = N.bit_length()
        if self.rule == "small":
            return Limit(t_last + 4 * (lb + log), f"{'t_last + ' if self.events else ''}4·(LB + ⌈log₂(N+1)⌉)", terms, t_last)
        # "open": no stage's bound; the benchmarks' runs that may take up to 8·LB
        factor = {"plain": 13, "corrupt": 15, "source-bound": 12, "churn": 15, "open": 80}[self.rule]
        allowed = t_last + _ceil_tenths(factor, lb) + log
        formula = f"⌈{factor / 10:g}·LB⌉ + ⌈log₂(N+1)⌉"
        return Limit(allowed, ("t_last + " if self.events else "") + formula, terms, t_last)

    def racks(self) -> set[int]:
        return {rack for _, _, rack in self.peers}

    def describe(self) -> str:
        ups = [u for u, _, _ in self.peers]
        downs = [d for _, d, _ in self.peers]
        parts = [
            f"swarm {self.name!r} (seed {self.seed}): N = {self.n} peers, F = {self.chunks} chunks"
            f" of {self.chunk_bytes} bytes; source upload {self.source_upload}; peer upload"
            f" {_spread(ups)}{f' ({ups.count(0)} free riders)' if 0 in ups else ''}; download"
            f" {_spread(downs)}"
        ]
        if self.corrupt:
            probabilities = sorted({p for _, p in self.corrupt})
            parts.append(
                f"{len(self.corrupt)} corrupting peers (p = {', '.join(f'{p:g}' for p in probabilities)}):"
                f" {_ids([peer for peer, _ in self.corrupt])}"
            )
        if len(self.racks()) > 1 or self.source_rack:
            parts.append(f"{len(self.racks())} peer racks; the source in rack {self.source_rack}")
        if self.events:
            parts.append(
                "events: "
                + "; ".join(
                    f"tick {t}: {len(leave)} leave, {len(join)} join" for t, leave, join in self.events
                )
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class Terms:
    """The inputs of Kurose–Ross's bound."""

    chunks: int
    n: int
    source_upload: int
    upload_sum: int
    d_min: int
    corrupting: int = 0

    def values(self) -> tuple[int, int, int]:
        f = self.chunks
        return (
            -(-f // self.source_upload),
            -(-f // self.d_min),
            -(-(self.n * f) // (self.source_upload + self.upload_sum)),
        )

    def lb(self) -> int:
        return max(self.values())

    def show(self) -> str:
        source, download, total = self.values()
        name = "LB_h" if self.corrupting else "LB"
        honest = " (corrupting peers' uploads left out)" if self.corrupting else ""
        return (
            f"{name} = max(⌈F/u_s⌉ = ⌈{self.chunks}/{self.source_upload}⌉ = {source}, "
            f"⌈F/d_min⌉ = ⌈{self.chunks}/{self.d_min}⌉ = {download}, "
            f"⌈N·F/(u_s + Σu_i)⌉ = ⌈{self.n}·{self.chunks}/({self.source_upload} + "
            f"{self.upload_sum})⌉ = {total}) = {self.lb()}{honest}"
        )


@dataclass(frozen=True)
class Limit:
    tick: int
    formula: str
    terms: Terms
    t_last: int


def _ceil_tenths(factor: int, lb: int) -> int:
    """⌈factor/10 · lb⌉ in integers (1.3·10 is 13.000000000000002 in floats)."""
    return -(-(factor * lb) // 10)


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}-{high} (mean {sum(values) / len(values):.1f})"


def _ids(peers: list[int], limit: int = 12) -> str:
    shown = ", ".join(map(str, sorted(peers)[:limit]))
    return shown + (", ..." if len(peers) > limit else "")


# --------------------------------------------------------------------------- the view


class View:
    """What ``plan`` sees: the tick, the peers, their capacities and what they hold.

    ``holds`` answers as at the tick's start (deliveries land after the
    tick's last ``receive``).
    """

    __slots__ = ("_net", "tick", "source", "peers", "joined", "left")

    def __init__(self, net: Network) -> None:
        self._net = net
        self.tick = 0
        self.source = SOURCE
        self.peers: frozenset[int] = frozenset()
        self.joined: tuple[int, ...] = ()
        self.left: tuple[int, ...] = ()

    def upload(self, peer: int) -> int:
        return self._net.upload[peer]

    def download(self, peer: int) -> int:
        return self._net.download[peer]

    def rack(self, peer: int) -> int:
        return self._net.rack[peer]

    def holds(self, peer: int, chunk: int) -> bool:
        if peer == SOURCE:
            return 0 <= chunk < self._net.count
        held = self._net.held.get(peer)
        return held is not None and chunk in held

    def __repr__(self) -> str:
        return f"<view of tick {self.tick}: {len(self.peers)} peers online>"


def network_of(view: View) -> Network:
    """The network behind ``view``: for the outside judge, which mirrors it in its worker."""
    return view._net


# --------------------------------------------------------------------------- the network


class Failed(AssertionError):
    """A run that broke a rule, raised, or missed its bound."""


@dataclass
class Run:
    """What a finished (or stopped) run measured."""

    swarm: Swarm
    limit: Limit
    finished_at: int | None = None  # T
    ticks: int = 0  # ticks planned
    transfers: int = 0
    from_source: int = 0
    cross_rack: int = 0
    lost_pairs: int = 0
    corrupt_copies: int = 0
    all_held_at: int | None = None  # first tick at whose start the peers held every chunk between them
    solution_seconds: float = 0.0
    simulator_seconds: float = 0.0
    replay: str = ""

    def summary(self) -> str:
        swarm, limit = self.swarm, self.limit
        if self.finished_at is None:
            t = f"T > {limit.tick}: not every online peer held every chunk when the simulator stopped, at tick {limit.tick}"
        else:
            t = f"T = {self.finished_at}"
        terms = limit.terms
        allowed = f"allowed: {limit.formula} = {limit.tick}"
        if limit.t_last:
            allowed += f" (t_last = {limit.t_last}; LB for the {terms.n} peers online after it, as if empty)"
        share = (
            f"the source sent {self.from_source:,} of {self.transfers:,} transfers"
            f" ({100 * self.from_source / self.transfers:.0f}%)" if self.transfers else "no transfers"
        )
        unicast = -(-(swarm.n * swarm.chunks) // swarm.source_upload)
        lines = [
            swarm.describe(),
            f"{t}; {terms.show()}; {allowed}.",
            f"{share}; unicast from the source alone would take ⌈N·F/u_s⌉ = {unicast:,} ticks.",
        ]
        if swarm.rule in ("corrupt", "source-bound") or swarm.corrupt:
            held = (
                f"tick {self.all_held_at}" if self.all_held_at is not None else "never"
            )
            lines.append(
                f"The peers first held every chunk between them at {held} (the source alone can"
                f" bring them no sooner than tick ⌈F/u_s⌉ = {terms.values()[0]});"
                f" {self.corrupt_copies} corrupt copies arrived."
            )
        if swarm.racks_counted:
            lines.append(self.locality())
        return "\n".join(lines)

    def cross_rack_allowed(self) -> int:
        racks = len(self.swarm.racks())
        return -(-(125 * self.swarm.chunks * racks) // 100) + self.lost_pairs

    def locality(self) -> str:
        racks = len(self.swarm.racks())
        return (
            f"X = {self.cross_rack:,} cross-rack transfers; allowed ⌈1.25·F·R⌉ + lost pairs ="
            f" ⌈1.25·{self.swarm.chunks}·{racks}⌉ + {self.lost_pairs} = {self.cross_rack_allowed():,}"
            f" (F·R = {self.swarm.chunks * racks:,}: each rack needs each chunk from outside once)."
        )

    def explain(self, message: str) -> str:
        return f"{message}\n\n{self.summary()}\n\n{REPLAY}\n\n{self.replay}\n"

    def check(self) -> Run:
        """Fail unless T (and X, where counted) met the swarm's bound."""
        if self.finished_at is None:
            raise Failed(self.explain(
                f"the swarm did not finish within the bound: T <= {self.limit.formula} ="
                f" {self.limit.tick} ticks"
            ))
        if self.swarm.racks_counted and self.cross_rack > self.cross_rack_allowed():
            raise Failed(self.explain(
                f"too much cross-rack traffic: X = {self.cross_rack:,} > {self.cross_rack_allowed():,};"
                " each rack needs each chunk from outside about once, then peers inside the rack"
                " spread it"
            ))
        return self


class Network:
    """The simulator's state: who is online, what each peer holds, who is banned."""

    def __init__(self, swarm: Swarm) -> None:
        self.swarm = swarm
        self.count = swarm.chunks
        self.upload = {SOURCE: swarm.source_upload}
        self.download = {SOURCE: 0}
        self.rack = {SOURCE: swarm.source_rack}
        self.held: dict[int, set[int]] = {}
        self.online: set[int] = set()
        self.complete = 0  # online peers holding every chunk
        self.copies = [0] * swarm.chunks  # online holders of each chunk
        self.covered = 0  # chunks some online peer holds
        self.next_id = 1
        self.corrupting = dict(swarm.corrupt)
        self.strikes: dict[int, int] = {}
        self.banned_from: dict[int, int] = {}
        racks = {rack for _, _, rack in swarm.peers} | {rack for _, _, join in swarm.events for _, _, rack in join}
        self.racked = racks != {swarm.source_rack}  # is cross-rack traffic possible?
        for spec in swarm.peers:
            self.join(spec)

    def join(self, spec: tuple[int, int, int]) -> int:
        peer, self.next_id = self.next_id, self.next_id + 1
        self.upload[peer], self.download[peer], self.rack[peer] = spec
        self.held[peer] = set()
        self.online.add(peer)
        return peer

    def leave(self, peers: tuple[int, ...]) -> int:
        """Take ``peers`` offline; return the (rack, chunk) pairs that lost their last holder."""
        leaving = set(peers)
        lost = 0
        for rack in {self.rack[p] for p in leaving}:
            members = [p for p in self.online if self.rack[p] == rack]
            before = set().union(*(self.held[p] for p in members))
            after = set().union(*(self.held[p] for p in members if p not in leaving))
            lost += len(before - after)
        for peer in peers:
            held = self.held.pop(peer)
            self.online.discard(peer)
            if len(held) == self.count:
                self.complete -= 1
            for chunk in held:
                self.copies[chunk] -= 1
                if self.copies[chunk] == 0:
                    self.covered -= 1
        return lost

    def deliver(self, arrived: list[tuple[int, int]]) -> None:
        """Kept chunks land: held from the next tick on."""
        held, copies, count = self.held, self.copies, self.count
        for receiver, chunk in arrived:
            mine = held[receiver]
            if chunk in mine:
                continue  # two senders sent it in the same tick
            mine.add(chunk)
            if len(mine) == count:
                self.complete += 1
            copies[chunk] += 1
            if copies[chunk] == 1:
                self.covered += 1

    def corrupted(self, tick: int, sender: int, receiver: int, chunk: int, data: bytes) -> bytes | None:
        """The copy that arrives, if ``sender`` corrupts this transfer: a fixed function of
        the seed, the tick and the transfer."""
        p = self.corrupting.get(sender)
        if p is None:
            return None
        rng = random.Random(f"{self.swarm.seed}/{tick}/{sender}/{receiver}/{chunk}")
        if rng.random() >= p:
            return None
        copy = bytearray(data)
        copy[rng.randrange(len(copy))] ^= rng.randrange(1, 256)
        return bytes(copy)


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def replay_lines(swarm: Swarm, stage: int | None) -> str:
    """Lines that rerun ``swarm`` against the learner's solution."""
    if stage is not None:
        make = f"swarm = family({stage})[{swarm.name!r}]"
        names = "family, simulate"
    else:
        make = f"swarm = {swarm!r}"
        names = "Swarm, simulate"
    return "\n".join(
        f"    {line}"
        for line in (
            IMPORT,
            f"from stages.support.p2p_swarm import {names}",
            make,
            "print(simulate(swarm, Manifest, Scheduler).check().summary())",
        )
    )


def simulate(swarm: Swarm, manifest_cls: type, scheduler_cls: type, *, stage: int | None = None) -> Run:
    """Run ``scheduler_cls`` on ``swarm`` until every online peer holds every chunk, or the bound.

    Raises ``Failed`` at the first broken rule (naming tick, transfer and
    rule), at an exception from the solution, or when the large swarm's
    time allowance is spent. ``stage`` says which ``family`` the swarm
    comes from, for the replay lines.
    """
    limit = swarm.limit()
    run = Run(swarm, limit, replay=replay_lines(swarm, stage))
    started = time.perf_counter()
    data = swarm.data()
    chunks = chunks_of(data, swarm.chunk_bytes)
    manifest = _solution_call(run, "Manifest.build(data, chunk_size)", lambda: manifest_cls.build(data, swarm.chunk_bytes))
    scheduler = _solution_call(run, "Scheduler(manifest)", lambda: scheduler_cls(manifest))
    net = Network(swarm)
    view = View(net)
    events: dict[int, tuple[tuple[int, ...], tuple]] = {}
    for tick, leave, join in swarm.events:  # two events at one tick are one event
        before = events.get(tick, ((), ()))
        events[tick] = (before[0] + tuple(leave), before[1] + tuple(join))
    t_last = swarm.t_last() if swarm.events else -1
    count = swarm.chunks
    plan_method = _solution_call(run, "scheduler.plan", lambda: scheduler.plan)
    receive = _solution_call(run, "scheduler.receive", lambda: scheduler.receive)
    solution = 0.0
    clock = time.perf_counter
    setup = clock() - started
    started = clock()
    peers = frozenset(net.online)
    if net.covered == count:
        run.all_held_at = 0
    for tick in range(limit.tick + 1):
        left: tuple[int, ...] = ()
        joined: tuple[int, ...] = ()
        if tick in events:
            leave, join = events[tick]
            run.lost_pairs += net.leave(leave)
            left = tuple(leave)
            joined = tuple(net.join(spec) for spec in join)
            peers = frozenset(net.online)
        if tick >= t_last and net.complete == len(net.online):
            run.finished_at = tick
            break
        if tick == limit.tick:
            break
        view.tick, view.peers, view.joined, view.left = tick, peers, joined, left
        run.ticks = tick + 1
        transfers, seconds = _plan(run, plan_method, view)
        solution += seconds
        senders = _check_plan(net, run, tick, transfers)
        run.transfers += len(transfers)
        run.from_source += senders.get(SOURCE, 0)
        if net.racked:
            rack = net.rack
            run.cross_rack += sum(rack[s] != rack[r] for s, r, _ in transfers)
        # deliveries, in plan order; kept chunks are held from the next tick
        arrived = []
        corrupting = net.corrupting
        for sender, receiver, chunk in transfers:
            copy = net.corrupted(tick, sender, receiver, chunk, chunks[chunk]) if sender in corrupting else None
            begin = clock()
            try:
                kept = receive(sender, receiver, chunk, chunks[chunk] if copy is None else copy)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                solution += clock() - begin
                raise Failed(run.explain(
                    f"scheduler.receive({sender}, {receiver}, {chunk}, data) at tick {tick} raised"
                    f" {type(exc).__name__}: {exc}{where(exc)}"
                )) from None
            solution += clock() - begin
            if copy is None and kept is True:
                arrived.append((receiver, chunk))
            else:
                _check_receipt(net, run, tick, (sender, receiver, chunk), copy, kept)
        net.deliver(arrived)
        if run.all_held_at is None and net.covered == count:
            run.all_held_at = tick + 1
        if swarm.timed:
            _check_speed(run, solution, clock() - started - solution, tick + 1)
    run.solution_seconds = solution
    run.simulator_seconds = clock() - started - solution + setup
    if swarm.timed:
        _check_speed(run, solution, run.simulator_seconds, run.ticks, final=True)
    return run


def _plan(run: Run, plan_method: Callable[[View], Any], view: View) -> tuple[list, float]:
    """The tick's plan as a list, and the time spent in plan and in iterating its result."""
    clock = time.perf_counter
    begin = clock()
    try:
        result = plan_method(view)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - one line saying where it came from
        raise Failed(run.explain(
            f"scheduler.plan(view) at tick {view.tick} raised {type(exc).__name__}: {exc}{where(exc)}"
        )) from None
    if not _iterable(result) or isinstance(result, (str, bytes, dict)):
        raise Failed(run.explain(f"scheduler.plan(view) at tick {view.tick} returned {_short(result)}: {ITERABLE}"))
    try:
        transfers = list(result)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise Failed(run.explain(
            f"iterating the result of scheduler.plan(view) at tick {view.tick} raised"
            f" {type(exc).__name__}: {exc}{where(exc)}"
        )) from None
    return transfers, clock() - begin


def _check_speed(run: Run, solution: float, simulator: float, ticks: int, final: bool = False) -> None:
    """Fail once plan and receive have used more than their allowance.

    Mid-run, the simulator's time so far is projected to the bound's number
    of ticks, so a slow scheduler is stopped early instead of run to the end.
    """
    projected = simulator if final else simulator * run.limit.tick / max(ticks, 1)
    allowance = max(ALLOWANCE_SECONDS, ALLOWANCE_FACTOR * projected)
    if solution > allowance:
        run.solution_seconds = solution
        raise Failed(run.explain(
            f"too slow: plan and receive took {solution:.1f} s over {ticks} ticks; the allowance"
            f" on this swarm is {ALLOWANCE_SECONDS:g} s or {ALLOWANCE_FACTOR} times the simulator's"
            f" own time ({simulator:.2f} s{'' if final else ', projected to the bound'}), whichever"
            " is larger. Keep your own picture of who holds what, updated in receive, instead of"
            " asking view.holds for every peer and chunk"
        ))


def _check_receipt(net: Network, run: Run, tick: int, transfer: tuple[int, int, int], copy: bytes | None, kept: Any) -> None:
    """``receive`` answered ``kept`` for ``copy`` (None: intact); count strikes, fail on a wrong answer."""
    sender, receiver, chunk = transfer
    call = f"scheduler.receive({sender}, {receiver}, {chunk}, data) at tick {tick}"
    if copy is None:
        raise Failed(run.explain(
            f"{call} returned {_short(kept)} for an intact copy of chunk {chunk}; expected True: {KEEP}"
        ))
    run.corrupt_copies += 1
    strikes = net.strikes[sender] = net.strikes.get(sender, 0) + 1
    if strikes == STRIKES:
        net.banned_from[sender] = tick + 1
    if kept is not False:
        raise Failed(run.explain(
            f"{call} returned {_short(kept)} for a corrupt copy of chunk {chunk} (peer {sender}"
            f" corrupts uploads; this copy has one byte changed); expected False: {DISCARD}"
        ))


def _check_plan(net: Network, run: Run, tick: int, transfers: list) -> Counter:
    """Fail at the first transfer that breaks a rule, before any delivery; count each sender's.

    The common case (a valid plan) is checked in one pass of cheap tests and
    counted in C; only a plan that fails them is walked transfer by transfer
    to name the first one at fault.
    """
    online, held, count = net.online, net.held, net.count
    banned = {peer for peer, since in net.banned_from.items() if tick >= since}
    valid = True
    for transfer in transfers:
        if type(transfer) is not tuple and type(transfer) is not list or len(transfer) != 3:
            valid = False
            break
        sender, receiver, chunk = transfer
        if not (
            type(sender) is int and type(receiver) is int and type(chunk) is int
            and (sender == SOURCE or (sender in online and chunk in held[sender]))
            and receiver in online and 0 <= chunk < count and chunk not in held[receiver]
            and sender not in banned
        ):
            valid = False
            break
    if valid:
        senders = Counter(map(itemgetter(0), transfers))
        receivers = Counter(map(itemgetter(1), transfers))
        upload, download = net.upload, net.download
        if (
            len(set(map(tuple, transfers))) == len(transfers)
            and all(n <= upload[p] for p, n in senders.items())
            and all(n <= download[p] for p, n in receivers.items())
        ):
            return senders
    _name_the_first_broken_rule(net, run, tick, transfers, banned)
    raise AssertionError("unreachable: the quick checks failed, so some transfer breaks a rule")


def _name_the_first_broken_rule(net: Network, run: Run, tick: int, transfers: list, banned: set[int]) -> None:
    online, held, count = net.online, net.held, net.count
    sent: dict[int, int] = {}
    got: dict[int, int] = {}
    seen = set()
    for number, transfer in enumerate(transfers):
        rule = None
        if type(transfer) not in (tuple, list) or len(transfer) != 3 or any(
            type(x) is not int for x in transfer
        ):
            rule = TRIPLE
        else:
            sender, receiver, chunk = transfer
            if sender != SOURCE and sender not in online:
                rule = SENDER + (" (that peer left)" if sender in net.upload else "")
            elif receiver not in online:
                rule = RECEIVER + (" (that peer left)" if receiver in net.upload and receiver != SOURCE else "")
            elif not 0 <= chunk < count:
                rule = f"{CHUNK_RANGE} (count is {count})"
            elif sender != SOURCE and chunk not in held[sender]:
                rule = NOT_SENDERS
            elif chunk in held[receiver]:
                rule = RECEIVERS
            elif (sender, receiver, chunk) in seen:
                rule = REPEATS
            elif sender in banned:
                rule = f"{BANNED} (peer {sender} is banned since tick {net.banned_from[sender]})"
            else:
                seen.add((sender, receiver, chunk))
                sent[sender] = sent.get(sender, 0) + 1
                got[receiver] = got.get(receiver, 0) + 1
                if sent[sender] > net.upload[sender]:
                    rule = f"{UPLOAD} (upload({sender}) is {net.upload[sender]})"
                elif got[receiver] > net.download[receiver]:
                    rule = f"{DOWNLOAD} (download({receiver}) is {net.download[receiver]})"
        if rule is not None:
            raise Failed(run.explain(
                f"scheduler.plan(view) at tick {tick} returned an invalid plan: transfer #{number}"
                f" {_short(transfer)} of {len(transfers)} breaks the rule: {rule}"
            ))


def _solution_call(run: Run, call: str, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise Failed(run.explain(f"{call} raised {type(exc).__name__}: {exc}{where(exc)}")) from None


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


# --------------------------------------------------------------------------- the API under test


def scheduler_of(manifest_cls: type) -> type:
    """The solution's ``Scheduler``: the sibling of the loaded ``Manifest`` in the kata's module.

    The harness loads the class that ``katas.toml`` declares (``Manifest``);
    the contract puts ``Scheduler`` in the same module, ``p2p_swarm.py``.
    """
    package = manifest_cls.__module__.partition(".")[0]
    module = sys.modules.get(f"{package}.p2p_swarm") or sys.modules[manifest_cls.__module__]
    scheduler = getattr(module, "Scheduler", None)
    if not isinstance(scheduler, type):
        raise Failed(
            "p2p_swarm.py defines no class Scheduler: from stage 2 on, the module exposes"
            " Manifest and Scheduler (class Scheduler: __init__(manifest), plan(view),"
            " receive(sender, receiver, chunk, data))"
        )
    return scheduler


def run_swarm(manifest_cls: type, swarm: Swarm, stage: int | None = None) -> Run:
    """Simulate ``swarm`` with the solution and hold it to its bound."""
    return simulate(swarm, manifest_cls, scheduler_of(manifest_cls), stage=stage).check()


# --------------------------------------------------------------------------- the families


def lower_bound_ok_for_stage2(swarm: Swarm) -> bool:
    """Stage 2 keeps the source off the critical path: 2·⌈F/u_s⌉ < LB, strictly."""
    terms = swarm.terms()
    return 2 * terms.values()[0] < terms.lb()


def _stage2_swarm(name: str, seed: int, n: int, chunks: tuple[int, int], kind: str) -> Swarm:
    """A stage 2 swarm drawn from ``seed``: redrawn until the source is off the critical path."""
    rng = random.Random(seed)
    while True:
        f = rng.randint(*chunks)
        if kind == "homogeneous":
            up = rng.randint(1, 4)
            down = rng.randint(up, 3 * up)
            peers = tuple((up, down, 0) for _ in range(n))
        else:  # free riders and slow downloaders
            peers = tuple(
                (0 if rng.random() < 0.15 else rng.randint(1, 6),
                 rng.randint(1, 2) if rng.random() < 0.15 else rng.randint(3, 16), 0)
                for _ in range(n)
            )
        swarm = Swarm(name, seed, f, rng.randint(16, 64), rng.randint(2, 32), peers)
        if lower_bound_ok_for_stage2(swarm):
            return swarm


LARGE = Swarm(
    "large-1000", 1000, 256, 16, 16, tuple((4, 16, 0) for _ in range(1000)), timed=True
)


def _with_corrupting(swarm: Swarm, name: str, share: float, p: float, seed: int) -> Swarm:
    """``swarm`` with ``share`` of its peers corrupting, the largest uploaders among them."""
    rng = random.Random(seed)
    by_upload = sorted(range(1, swarm.n + 1), key=lambda peer: (-swarm.peers[peer - 1][0], peer))
    k = max(1, round(share * swarm.n))
    chosen = set(by_upload[: max(1, k // 3)])  # the largest uploaders ...
    chosen |= set(rng.sample(sorted(set(by_upload) - chosen), k - len(chosen)))  # ... and others
    return replace(swarm, name=name, corrupt=tuple((peer, p) for peer in sorted(chosen)), rule="corrupt")


def _source_bound(name: str, seed: int, n: int, f: int, up: int = 1, source: int = 1) -> Swarm:
    return Swarm(name, seed, f, 16, source, tuple((up, up, 0) for _ in range(n)), rule="source-bound")


def _racked(name: str, seed: int, racks: int, per_rack: int, f: int, leave_at: int, join_at: int) -> Swarm:
    """A stage 4 swarm: racks of peers uploading 1-4, 30% leaving at once, then joins.

    Every rack draws its uploads from the same shuffled multiset, and the
    departures and arrivals are redrawn until each rack's mean upload stays
    within 25% of the swarm's and no rack is emptied.
    """
    rng = random.Random(seed)
    peers = []
    for rack in range(1, racks + 1):
        uploads = [1 + i % 4 for i in range(per_rack)]
        rng.shuffle(uploads)
        peers += [(u, rng.randint(4, 12), rack) for u in uploads]
    ids = range(1, len(peers) + 1)
    while True:
        leaving = tuple(sorted(rng.sample(ids, int(0.3 * len(peers)))))  # drawn uniformly
        joins = tuple((rng.randint(1, 4), rng.randint(4, 12), rng.randint(1, racks)) for _ in range(racks * 2))
        swarm = Swarm(
            name, seed, f, 24, 4, tuple(peers), events=((leave_at, leaving, ()), (join_at, (), joins)),
            rule="churn", racks_counted=True,
        )
        if _racks_balanced(swarm, swarm.final_peers()) and _racks_balanced(
            swarm, {p: s for p, s in enumerate(peers, 1) if p not in leaving}
        ):
            return swarm


def _racks_balanced(swarm: Swarm, online: dict[int, tuple[int, int, int]]) -> bool:
    """Every rack has peers, and its mean upload is within 25% of the swarm's."""
    mean = sum(u for u, _, _ in online.values()) / len(online)
    for rack in swarm.racks():
        members = [u for u, _, r in online.values() if r == rack]
        if not members or abs(sum(members) / len(members) - mean) > 0.25 * mean:
            return False
    return True


@cache
def family(stage: int) -> dict[str, Swarm]:
    """The swarms a stage adds, by name (fixed from seeds)."""
    if stage == 2:
        swarms = [
            _stage2_swarm("one-peer", 21, 1, (8, 128), "heterogeneous"),
            _stage2_swarm("homogeneous-4", 22, 4, (1, 128), "homogeneous"),
            _stage2_swarm("homogeneous-13", 23, 13, (1, 40), "homogeneous"),
            _stage2_swarm("free-riders-13", 24, 13, (8, 64), "heterogeneous"),
            _stage2_swarm("homogeneous-80", 25, 80, (16, 64), "homogeneous"),
            _stage2_swarm("free-riders-150", 26, 150, (16, 48), "heterogeneous"),
            _stage2_swarm("homogeneous-300", 27, 300, (16, 32), "homogeneous"),
            LARGE,
        ]
    elif stage == 3:
        swarms = [
            _with_corrupting(_stage2_swarm("", 31, 60, (24, 48), "homogeneous"), "corrupt-60-p1", 0.15, 1.0, 31),
            _with_corrupting(_stage2_swarm("", 32, 120, (16, 40), "heterogeneous"), "corrupt-120-p0.5", 0.2, 0.5, 32),
            _with_corrupting(_stage2_swarm("", 33, 250, (16, 24), "heterogeneous"), "corrupt-250-p0.3", 0.1, 0.3, 33),
            _source_bound("source-bound-100", 34, 100, 16),
            _source_bound("source-bound-1000", 35, 1000, 32),
            _source_bound("source-bound-40-wide", 36, 40, 48, up=2, source=2),
        ]
    elif stage == 4:
        swarms = [
            _racked("racks-4x12", 41, 4, 12, 24, leave_at=4, join_at=7),
            _racked("racks-8x15", 42, 8, 15, 32, leave_at=5, join_at=8),
            _racked("racks-20x10", 43, 20, 10, 16, leave_at=3, join_at=9),
        ]
    else:
        return {}
    return {swarm.name: swarm for swarm in swarms}


# --------------------------------------------------------------------------- small swarms


def properties(share: int = 1) -> settings:
    """The active profile's settings for a property test that takes the ``solution`` fixture
    (a class, the same for every example: nothing to reset between them).

    ``share``: run 1/share of the profile's examples (at least 20). Each small swarm
    is a whole simulation, so the swarm properties take a quarter, to keep a
    learner's run short; the grading profile still runs 75 per stage.
    """
    return settings(
        max_examples=max(20, settings.default.max_examples // share),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def small_swarm(
    integer: Callable[[int, int], int],
    sample: Callable[[list], Any],
    subset: Callable[[list, int], set],
    *,
    corrupting: bool = False,
    churn: bool = False,
) -> Swarm:
    """Up to 6 peers and 8 chunks (stage 2); corrupting peers (stage 3); racks and events (stage 4).

    The choices come from ``integer(lo, hi)``, ``sample(items)`` and
    ``subset(items, max_size)``: hypothesis's draws in the suites
    (``small_swarms``), a seeded random source in the outside judge.
    """
    n = integer(1, 6)
    racks = integer(1, 3) if churn else 1

    def peer() -> tuple[int, int, int]:
        return (integer(0, 3), integer(1, 3), integer(1, racks) if churn else 0)

    peers = tuple(peer() for _ in range(n))
    corrupt: tuple[tuple[int, float], ...] = ()
    events: tuple = ()
    if churn:
        rack_of = {i + 1: spec[2] for i, spec in enumerate(peers)}
        online = set(rack_of)
        evs = []
        for tick in sorted(subset(list(range(1, 11)), 3)):
            leave = tuple(sorted(subset(sorted(online), len(online) - 1)))
            online -= set(leave)
            present = sorted({rack_of[p] for p in online})
            join = tuple((integer(0, 3), integer(1, 3), sample(present)) for _ in range(integer(0, 2)))
            for spec in join:
                rack_of[len(rack_of) + 1] = spec[2]
                online.add(len(rack_of))
            evs.append((tick, leave, join))
        events = tuple(evs)
    all_ids = range(1, n + 1 + sum(len(join) for _, _, join in events))
    if corrupting or churn:
        chosen = subset(list(all_ids), len(all_ids))
        corrupt = tuple((p, sample([0.3, 0.5, 1.0])) for p in sorted(chosen))
    return Swarm(
        name="small",
        seed=integer(0, 2**16),
        chunks=integer(1, 8),
        chunk_bytes=integer(1, 8),
        source_upload=integer(1, 3),
        peers=peers,
        corrupt=corrupt,
        events=events,
        source_rack=0,
        rule="small",
    )


@st.composite
def small_swarms(draw: Callable, *, corrupting: bool = False, churn: bool = False) -> Swarm:
    """``small_swarm`` drawn by hypothesis (it shrinks a failing swarm to a smaller one)."""
    return small_swarm(
        lambda lo, hi: draw(st.integers(lo, hi)),
        lambda items: draw(st.sampled_from(items)),
        lambda items, max_size: draw(st.sets(st.sampled_from(items), max_size=max_size)) if items else set(),
        corrupting=corrupting,
        churn=churn,
    )
