"""Hypothesis profiles: ``dojo`` (quick, the default) and ``grade`` (for CI).

Select one with hypothesis's own option: ``pytest --hypothesis-profile grade``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

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


def load_default_unless_chosen(chosen: str | None) -> None:
    """Load ``dojo`` unless the run named a profile (hypothesis's CI profile included)."""
    if chosen is None:
        settings.load_profile(DEFAULT_PROFILE)
