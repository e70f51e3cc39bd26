"""The ``p2p_swarm`` judge's helpers inside the worker: the solution's ``Scheduler``, tick by tick.

Sent as source text by the judge (``Judge.worker``) and run inside the
worker, beside the solution, so as untrusted as it. The judge's own
simulator decides everything: which transfers are valid, which copies are
corrupt, when the swarm is done. These helpers keep the copy of the view
that ``plan`` reads (capacities, who is online, what each peer holds, as
the judge reports it), call the solution, and send back what it answered
as plain values.
"""

from __future__ import annotations

import base64
import sys

from dojo.judge.dispatch import exception_message, exception_names
from dojo.judge.wire import encode
from dojo.origin import where

SOURCE = 0
STATE: dict = {}


class View:
    """What ``plan`` reads, as the simulator's ``View`` answers it."""

    def __init__(self, count: int) -> None:
        self.tick = 0
        self.source = SOURCE
        self.peers: frozenset[int] = frozenset()
        self.joined: tuple[int, ...] = ()
        self.left: tuple[int, ...] = ()
        self.count = count
        self.capacity: dict[int, tuple[int, int, int]] = {}
        self.held: dict[int, set[int]] = {}

    def upload(self, peer: int) -> int:
        return self.capacity[peer][0]

    def download(self, peer: int) -> int:
        return self.capacity[peer][1]

    def rack(self, peer: int) -> int:
        return self.capacity[peer][2]

    def holds(self, peer: int, chunk: int) -> bool:
        if peer == SOURCE:
            return 0 <= chunk < self.count
        held = self.held.get(peer)
        return held is not None and chunk in held

    def __repr__(self) -> str:
        return f"<view of tick {self.tick}: {len(self.peers)} peers online>"


def _raised(exc: BaseException) -> dict:
    return {
        "raised": exception_names(exc) or ["Exception"],
        "message": exception_message(exc),
        "where": where(exc),
    }


def has_scheduler() -> bool:
    """Does the solution's module (``p2p_swarm.py``) define a class ``Scheduler``?"""
    return isinstance(_scheduler_class(), type)


def _scheduler_class():
    package = solution_class.__module__.partition(".")[0]  # type: ignore[name-defined]  # noqa: F821
    module = sys.modules.get(f"{package}.p2p_swarm") or sys.modules[solution_class.__module__]  # type: ignore[name-defined]  # noqa: F821
    return getattr(module, "Scheduler", None)


def build(data: str, chunk_size: int) -> dict:
    """``Manifest.build(data, chunk_size)``, kept for the scheduler; the file's chunks kept to send."""
    raw = base64.b64decode(data)
    STATE.clear()
    STATE["chunks"] = [raw[i : i + chunk_size] for i in range(0, len(raw), chunk_size)]
    try:
        STATE["manifest"] = solution_class.build(raw, chunk_size)  # type: ignore[name-defined]  # noqa: F821
    except Exception as exc:  # noqa: BLE001 - the answer
        return _raised(exc)
    return {}


def scheduler() -> dict:
    """``Scheduler(manifest)``."""
    try:
        made = _scheduler_class()(STATE["manifest"])
        STATE["receive"] = made.receive
        STATE["plan"] = made.plan
    except Exception as exc:  # noqa: BLE001 - the answer
        return _raised(exc)
    STATE["view"] = View(len(STATE["chunks"]))
    return {}


def plan(tick: int, online: list | None, known: list, arrived: list, left: list, joined: list) -> dict:
    """Bring the view to this tick (who is online at the first tick, capacities of new ids,
    the last tick's kept chunks, who left and joined) and call ``plan``: its transfers, or
    what went wrong."""
    view: View = STATE["view"]
    if online is not None:
        view.held = {peer: set() for peer in online}
    for peer, up, down, rack in known:
        view.capacity[peer] = (up, down, rack)
    for receiver, chunk in arrived:
        view.held[receiver].add(chunk)
    for peer in left:
        view.held.pop(peer, None)
    for peer in joined:
        view.held.setdefault(peer, set())
    view.tick, view.left, view.joined = tick, tuple(left), tuple(joined)
    view.peers = frozenset(view.held)
    try:
        result = STATE["plan"](view)
    except Exception as exc:  # noqa: BLE001 - the answer
        return _raised(exc)
    try:
        iterator = None if isinstance(result, (str, bytes, dict)) else iter(result)
    except TypeError:
        iterator = None
    if iterator is None:
        try:
            shown = repr(result)[:120]
        except Exception:  # noqa: BLE001 - a hostile __repr__
            shown = f"<a {type(result).__name__} object>"
        return {"returned": shown}
    try:
        transfers = list(iterator)
    except Exception as exc:  # noqa: BLE001 - the answer
        return {"iterating": True, **_raised(exc)}
    STATE["transfers"] = transfers
    if all(type(t) in (tuple, list) and len(t) == 3 and all(type(x) is int for x in t) for t in transfers):
        return {"plain": [list(t) for t in transfers]}  # the usual case, sent without tags
    return {"encoded": [encode(t) for t in transfers]}


def receive(corrupt: list) -> dict:
    """``receive`` for each transfer of the last plan, in plan order: the intact chunk, or
    the corrupt copy the judge sent for that position. The answers, up to any exception."""
    copies = {index: base64.b64decode(copy) for index, copy in corrupt}
    chunks, method = STATE["chunks"], STATE["receive"]
    answers = []
    for index, (sender, receiver, chunk) in enumerate(STATE["transfers"]):
        try:
            answers.append(method(sender, receiver, chunk, copies.get(index, chunks[chunk])))
        except Exception as exc:  # noqa: BLE001 - the answer
            return {"answers": [encode(a) for a in answers], **_raised(exc)}
    if all(a is True for a in answers):
        return {"kept": len(answers)}
    return {"answers": [encode(a) for a in answers]}
