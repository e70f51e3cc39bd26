"""Stage 2 of the P2P swarm: a Scheduler that plans each tick's transfers in the simulator.

The simulator (``stages/support/p2p_swarm.py``) is the network and the only
judge: every plan is checked against the contract's rules before any
delivery, ``receive`` must keep every intact chunk, and T must meet the
Kurose–Ross bound ⌈1.3·LB⌉ + ⌈log₂(N+1)⌉ on a fixed family of swarms (the
large one timed too), and 4·(LB + ⌈log₂(N+1)⌉) on small random ones.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from stages.support.p2p_swarm import family, run_swarm, scheduler_of, properties, small_swarms

STAGE = 2
SWARMS = family(STAGE)


def test_the_module_exposes_a_scheduler_class(solution):
    scheduler_of(solution)


# The large swarm may take a while on a loaded machine; the simulator's own speed
# check (10 s or 30 times its time in plan and receive) is what fails a slow scheduler.
@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", SWARMS)
def test_the_swarm_finishes_within_the_bound_with_every_plan_valid(solution, name):
    run_swarm(solution, SWARMS[name], STAGE)


@properties(share=4)
@given(swarm=small_swarms())
def test_any_small_swarm_finishes_within_four_times_its_bound(solution, swarm):
    run_swarm(solution, swarm)
