"""Stage 4 of the P2P swarm: churn and racks.

Peers leave (their chunks lost) and join (empty) on a schedule the
scheduler does not know; T must meet t_last + ⌈1.5·LB_end⌉ +
⌈log₂(N_end+1)⌉, and X, the cross-rack transfers, ⌈1.25·F·R⌉ plus the
(rack, chunk) pairs lost to departures. Small random swarms mix events,
racks and corrupting peers, with X unbounded.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from stages.support.p2p_swarm import family, run_swarm, properties, small_swarms

STAGE = 4
SWARMS = family(STAGE)


@pytest.mark.parametrize("name", SWARMS)
def test_a_racked_swarm_with_churn_finishes_within_the_bound_and_keeps_traffic_in_racks(solution, name):
    run_swarm(solution, SWARMS[name], STAGE)


@properties(share=4)
@given(swarm=small_swarms(churn=True))
def test_any_small_swarm_with_churn_racks_and_corrupting_peers_finishes_within_its_bound(solution, swarm):
    run_swarm(solution, swarm)
