"""dojo.complexity: the complexity checks compare two sizes in one run."""

from __future__ import annotations

import re
import time

import pytest

from dojo.complexity import assert_scales


def sleeping(n):
    """Ten rounds that each sleep 2 ms at the large size, and do nothing at the small one."""
    pause = 0.002 if n > 1_000 else 0.0

    def run():
        for _ in range(10):
            if pause:
                time.sleep(pause)

    return run


def constant(n):
    numbers = list(range(n))

    def run():
        for _ in range(2_000):
            numbers[-1]

    return run


def test_a_workload_whose_cost_does_not_grow_passes():
    ratio = assert_scales(constant, small=1_000, large=100_000, factor=10, what="x", expected="O(1)")
    assert ratio < 10


def test_a_workload_that_grows_fails_with_the_time_of_one_round_at_each_size():
    with pytest.raises(AssertionError) as failure:
        assert_scales(
            sleeping, small=1_000, large=100_000, factor=10, rounds=10,
            what="one round", expected="a round that costs the same at any size",
        )
    message = str(failure.value)
    assert re.fullmatch(
        r"one round: \S+ s each time at size 100,000 vs \S+ s at size 1,000"
        r" \([\d.]+x slower; expected within 10x, as for a round that costs the same at any size\)",
        message,
    ), message
    large = float(re.search(r"([\d.e-]+) s each time", message).group(1))
    # Ten rounds of at least 2 ms take at least 20 ms; one round, a little over 2 ms.
    assert 0.0019 < large < 0.015, f"{large} s is not the time of one round: {message}"
