"""The p2p_swarm simulator against the contract, and the swarm families it runs.

The simulator is the only judge of the later stages, so it is proven here:
each rule of a plan, each wrong answer of ``receive``, the view's answers,
and the families' promises (the source off the critical path in stage 2,
the corrupting share, the racks' sizes and means in stage 4). (The staged
runs of the references and the stub are in ``tests/test_references.py``.)
"""

from __future__ import annotations

import time

import pytest

from stages.support.p2p_swarm import (
    LARGE,
    Failed,
    Swarm,
    family,
    lower_bound_ok_for_stage2,
    simulate,
)

# --------------------------------------------------------------------------- the simulator


class Manifest:
    """Just enough of a manifest for the simulator's tests."""

    def __init__(self, count: int) -> None:
        self.count = count

    @classmethod
    def build(cls, data: bytes, chunk_size: int) -> Manifest:
        return cls(-(-len(data) // chunk_size))


def scripted(plans: dict[int, list], answer=lambda sender, receiver, chunk, data: True):
    """A scheduler class that returns ``plans[tick]`` (empty otherwise) and ``answer`` to receive."""

    class Scripted:
        views: list = []

        def __init__(self, manifest):
            pass

        def plan(self, view):
            Scripted.views.append((view.tick, view.peers, view.left, view.joined))
            self.view = view
            return plans.get(view.tick, [])

        def receive(self, sender, receiver, chunk, data):
            return answer(sender, receiver, chunk, data)

    return Scripted


def tiny(**changes) -> Swarm:
    """Two peers (upload 1, download 1), two chunks of 4 bytes, source upload 2."""
    base = dict(name="tiny", seed=1, chunks=2, chunk_bytes=4, source_upload=2, peers=((1, 1, 0), (1, 1, 0)))
    return Swarm(**(base | changes))


def fails_with(swarm: Swarm, scheduler: type, *words: str) -> str:
    with pytest.raises(Failed) as caught:
        simulate(swarm, Manifest, scheduler).check()
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in:\n{message}"
    return message


BROKEN_PLANS = {
    "a transfer that is not a triple": ([(0, 1)], "a transfer is a tuple or list of three ints"),
    "a bool for an int": ([(0, True, 0)], "bool is not an int"),
    "a str chunk": ([(0, 1, "0")], "three ints"),
    "an unknown sender": ([(7, 1, 0)], "the sender is the source or an online peer"),
    "the source as receiver": ([(1, 0, 0)], "the receiver is an online peer"),
    "a chunk out of range": ([(0, 1, 2)], "the chunk is in range(count)"),
    "a chunk the sender lacks": ([(1, 2, 0)], "the sender holds the chunk at the tick's start"),
    "a repeated transfer": ([(0, 1, 0), (0, 1, 0)], "a plan does not repeat a transfer"),
    "over the sender's upload": ([(0, 1, 0), (0, 2, 0), (0, 1, 1)], "at most upload(sender)"),
    "over the receiver's download": ([(0, 1, 0), (0, 1, 1)], "at most download(receiver)"),
}


@pytest.mark.parametrize("plan", BROKEN_PLANS.values(), ids=BROKEN_PLANS.keys())
def test_the_simulator_fails_an_invalid_plan_naming_tick_transfer_and_rule(plan):
    transfers, rule = plan
    message = fails_with(tiny(), scripted({0: transfers}), "at tick 0", "transfer #", rule, "To replay it")
    assert "swarm 'tiny' (seed 1)" in message


def test_a_chunk_that_arrives_this_tick_cannot_be_forwarded_this_tick():
    fails_with(tiny(), scripted({0: [(0, 1, 0), (1, 2, 0)]}), "transfer #1", "held from the next")


def test_a_chunk_already_held_cannot_be_sent_again():
    fails_with(tiny(), scripted({0: [(0, 1, 0)], 1: [(0, 1, 0)]}), "at tick 1", "not already the receiver's")


def test_receive_must_return_exactly_true_for_an_intact_chunk():
    fails_with(tiny(), scripted({0: [(0, 1, 0)]}, lambda *a: 1), "returned 1 for an intact copy", "expected True")


def test_a_good_plan_finishes_at_the_first_tick_everyone_holds_everything():
    plans = {0: [(0, 1, 0), (0, 2, 1)], 1: [(1, 2, 0), (2, 1, 1)]}
    run = simulate(tiny(), Manifest, scripted(plans)).check()
    assert (run.finished_at, run.transfers, run.from_source) == (2, 4, 2)


def test_keeping_a_corrupt_copy_fails_at_once_and_the_third_strike_bans_the_sender():
    swarm = tiny(peers=((1, 1, 0), (1, 1, 0), (1, 1, 0)), corrupt=((1, 1.0),), chunks=1, rule="small")
    fails_with(swarm, scripted({0: [(0, 1, 0)], 1: [(1, 2, 0)]}), "corrupt copy of chunk 0", "expected False")
    plans = {0: [(0, 1, 0)], 1: [(1, 2, 0)], 2: [(1, 2, 0)], 3: [(1, 3, 0)], 4: [(1, 3, 0)]}
    message = fails_with(swarm, scripted(plans, lambda s, r, c, data: s != 1), "at tick 4", "banned since tick 4")
    assert "3 corrupt copies arrived" in message


class Asking(scripted({0: [(0, 1, 0)]})):
    """Records, at each tick, the view's answers about the source and every id seen so far."""

    answers: dict = {}

    def plan(self, view):
        ids = range(0, 4)
        Asking.answers[view.tick] = {
            "peers": view.peers, "left": view.left, "joined": view.joined,
            "download(source)": view.download(view.source),
            "rack": {p: view.rack(p) for p in ids if p in view.peers or p == view.source},
            "holds(1, 0)": view.holds(1, 0), "holds(source, 1)": view.holds(view.source, 1),
            "upload(1)": view.upload(1),
        }
        return [(0, 1, 0)] if view.tick == 0 else []


def test_the_view_answers_for_ids_it_does_not_describe():
    swarm = tiny(peers=((1, 1, 1), (1, 1, 2)), events=((1, (1,), ((1, 1, 2),)),), rule="churn")
    Asking.answers = {}
    with pytest.raises(Failed):
        simulate(swarm, Manifest, Asking).check()
    first, second = Asking.answers[0], Asking.answers[1]
    assert (first["peers"], first["left"], first["joined"]) == (frozenset({1, 2}), (), ())
    assert (second["peers"], second["left"], second["joined"]) == (frozenset({2, 3}), (1,), (3,))
    assert first["download(source)"] == 0 and first["holds(source, 1)"] is True
    assert first["holds(1, 0)"] is False and second["holds(1, 0)"] is False, "a peer that left holds nothing"
    assert second["upload(1)"] == 1, "upload(p) answers for any id ever seen"
    assert second["rack"] == {0: 0, 2: 2, 3: 2}


def test_before_stage_4_every_id_is_in_rack_0_and_left_and_joined_are_empty():
    Asking.answers = {}
    simulate(tiny(), Manifest, Asking)  # stops at its bound: only chunk 0 is ever sent
    assert all(a["left"] == () and a["joined"] == () for a in Asking.answers.values())
    assert all(set(a["rack"].values()) == {0} for a in Asking.answers.values())


def test_the_time_allowance_stops_a_slow_scheduler_on_the_large_swarm(monkeypatch):
    import stages.support.p2p_swarm as simulator

    monkeypatch.setattr(simulator, "ALLOWANCE_SECONDS", 0.05)
    monkeypatch.setattr(simulator, "ALLOWANCE_FACTOR", 0.0)

    class Slow(scripted({})):
        def plan(self, view):
            # Sleeping lasts at least its time on every machine; a busy loop of fixed
            # size does not (a fast CI machine ran 4 ticks of one inside the allowance).
            time.sleep(0.03)
            return []

    swarm = Swarm("slow", 1, 2, 4, 1, ((1, 1, 0),), timed=True)
    fails_with(swarm, Slow, "too slow", "projected to the bound")


# --------------------------------------------------------------------------- the families


def test_every_stage2_swarm_keeps_the_source_off_the_critical_path():
    for swarm in family(2).values():
        assert lower_bound_ok_for_stage2(swarm), swarm.describe()
    sizes = sorted(s.n for s in family(2).values())
    assert any(n <= 13 for n in sizes) and any(50 <= n <= 300 for n in sizes) and 1000 in sizes
    assert all(1 <= s.chunks <= 128 for s in family(2).values() if s is not LARGE)
    assert any(0 in [u for u, _, _ in s.peers] for s in family(2).values()), "free riders"


def test_the_large_swarm_is_the_contracts_and_unicast_needs_16000_ticks():
    assert (LARGE.n, LARGE.chunks, LARGE.source_upload) == (1000, 256, 16)
    assert set(LARGE.peers) == {(4, 16, 0)}
    assert LARGE.limit().tick == 94 and LARGE.n * LARGE.chunks // LARGE.source_upload == 16_000


def test_stage3_swarms_corrupt_10_to_20_percent_including_the_largest_uploaders():
    for swarm in family(3).values():
        if swarm.rule == "corrupt":
            share = len(swarm.corrupt) / swarm.n
            assert 0.1 <= share <= 0.2 and swarm.n <= 300, swarm.describe()
            top = max(u for u, _, _ in swarm.peers)
            corrupting = {p for p, _ in swarm.corrupt}
            assert any(swarm.peers[p - 1][0] == top for p in corrupting), swarm.describe()
        else:
            terms = swarm.terms()
            assert terms.values()[0] == terms.lb(), swarm.describe()
    names = {(s.n, s.chunks) for s in family(3).values() if s.rule == "source-bound"}
    assert {(100, 16), (1000, 32)} <= names


def test_stage4_swarms_have_the_contracts_racks_and_churn():
    for swarm in family(4).values():
        racks = swarm.racks()
        assert 4 <= len(racks) <= 20 and swarm.source_rack not in racks, swarm.describe()
        assert all(u >= 1 for u, _, _ in swarm.peers), swarm.describe()
        online = {i + 1: spec for i, spec in enumerate(swarm.peers)}
        for snapshot in ("start", "end"):
            if snapshot == "end":
                online = swarm.final_peers()
            mean = sum(u for u, _, _ in online.values()) / len(online)
            for rack in racks:
                members = [u for u, _, r in online.values() if r == rack]
                assert members, f"rack {rack} emptied: {swarm.describe()}"
                assert abs(sum(members) / len(members) - mean) <= 0.25 * mean, (
                    f"rack {rack}'s mean upload is not within 25% of the swarm's at the {snapshot}:"
                    f" {swarm.describe()}"
                )
        assert all(sum(1 for _, _, r in swarm.peers if r == rack) >= 10 for rack in racks)
        n = swarm.n
        for _, leave, _ in swarm.events:
            assert len(leave) <= 0.3 * n
