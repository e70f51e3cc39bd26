"""Hypothesis profiles: ``dojo`` (quick, the default) and ``grade`` (for CI).

Select one with hypothesis's own option: ``pytest --hypothesis-profile grade``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

from dojo import shrinking

DEFAULT_PROFILE = "dojo"
GRADE_PROFILE = "grade"

# The explain phase costs seconds per failure and adds little for a learner.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
# A noisy shared machine must never fail a test for being slow.
_QUIET: dict[str, Any] = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

settings.register_profile(DEFAULT_PROFILE, max_examples=100, phases=_PHASES, **_QUIET)
settings.register_profile(
    GRADE_PROFILE,
    max_examples=300,
    derandomize=True,
    database=None,
    phases=_PHASES,
    print_blob=False,
    **_QUIET,
)

# Seconds a failure may shrink, by profile (none named: Hypothesis's own limit). A
# learner sees a failure after two seconds of shrinking at most; the grader's report
# shows the shortest calls Hypothesis finds.
SHRINK_SECONDS: dict[str, float] = {DEFAULT_PROFILE: 2.0}


def load_default_unless_chosen(chosen: str | None) -> None:
    """Load ``dojo`` unless the run named a profile (hypothesis's CI profile included),
    and set the loaded profile's shrink budget."""
    if chosen is None:
        settings.load_profile(DEFAULT_PROFILE)
    shrinking.set_budget(SHRINK_SECONDS.get(chosen or DEFAULT_PROFILE))
