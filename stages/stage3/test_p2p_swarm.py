"""Stage 3 of the P2P swarm: corrupting peers, bans, and a scarce source.

Some peers corrupt what they upload: ``receive`` must discard every corrupt
copy and keep every intact one, and a sender may not appear in a plan from
the tick after its third corrupt delivery. Swarms with corrupting peers
must finish within ⌈1.5·LB_h⌉ + ⌈log₂(N+1)⌉; source-bound swarms within
⌈1.2·LB_h⌉ + ⌈log₂(N+1)⌉, which rarest first meets and random piece choice
misses.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from stages.support.p2p_swarm import family, run_swarm, properties, small_swarms

STAGE = 3
SWARMS = family(STAGE)


@pytest.mark.parametrize("name", [n for n, s in SWARMS.items() if s.rule == "corrupt"])
def test_a_swarm_with_corrupting_peers_finishes_within_the_bound(solution, name):
    run_swarm(solution, SWARMS[name], STAGE)


@pytest.mark.parametrize("name", [n for n, s in SWARMS.items() if s.rule == "source-bound"])
def test_a_source_bound_swarm_finishes_within_the_tighter_bound(solution, name):
    run_swarm(solution, SWARMS[name], STAGE)


@properties(share=4)
@given(swarm=small_swarms(corrupting=True))
def test_any_small_swarm_with_corrupting_peers_finishes_within_four_times_its_bound(solution, swarm):
    run_swarm(solution, swarm)
