"""The state-machine runner: a kata's model test, as one idiom for every kata.

A model test runs random calls on the learner's object and on an
obviously-correct model side by side, and fails on the first answer that
differs, with the shortest sequence of calls as code that runs when pasted
(Hypothesis shrinks it; the machine's :class:`~dojo.calls.CallLog` writes
it). A kata's support module subclasses :class:`ModelMachine` once per
stage, each stage adding its calls to the previous one's::

    class Stage1Machine(ModelMachine):
        keys = st.integers(0, 5)       # a later stage may draw other keys

        def __init__(self):
            super().__init__("from katas.k import K", "k = K()")
            self.model, self.k = Model(), self.solution()

        @rule(key=drawn("keys"))
        def get(self, key):
            text = code("k.get", key)
            self.log.returned(text, lambda: self.k.get(key), self.model.get(key), "get returns ...")

    def test_k_behaves_like_the_model(solution):
        run_machine(Stage1Machine, solution, steps=25)

The active Hypothesis profile (the plugin's ``dojo`` or ``grade``) sets how
many runs; ``steps`` is how many calls each run makes.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from dojo import shrinking
from dojo.calls import SHORTENED, SHORTEST, CallLog

__tracebackhide__ = True


class ModelMachine(RuleBasedStateMachine):
    """A state machine that records its calls in ``self.log``; ``solution`` is the class under test."""

    solution: ClassVar[Any] = None  # set by run_machine

    def __init__(self, *setup: str, tolerance: float = 0.0) -> None:
        super().__init__()
        # Under a shrink budget, the calls shown may have been cut short, in this run or in
        # the run whose failure Hypothesis's database replays: never call them the shortest.
        header = SHORTENED.format(seconds=shrinking.budget()) if shrinking.has_budget() else SHORTEST
        self.log = CallLog(*setup, tolerance=tolerance, header=header)

    def fail(self, message: str) -> NoReturn:
        self.log.fail(message)


def drawn(attribute: str) -> st.SearchStrategy[Any]:
    """Draw from the strategy the running machine's class names ``attribute``.

    A rule's strategies are fixed where the rule is written; this one is
    looked up on the machine, so a stage's subclass can draw other keys or
    values (``keys = st.sampled_from(...)``) without writing its rules again.
    """
    return st.runner().flatmap(lambda machine: getattr(machine, attribute))


def run_machine(machine: type[ModelMachine], solution: Any, *, steps: int) -> None:
    """Run ``machine`` against ``solution``, ``steps`` calls a run, runs as the profile says."""
    bound = type(machine.__name__, (machine,), {"solution": solution})
    try:
        run_state_machine_as_test(
            bound, settings=settings(stateful_step_count=steps, report_multiple_bugs=False)
        )
    except AssertionError as failure:
        # The message holds the shortest calls as code; Hypothesis's frames and
        # its own notes on how to replay the run say nothing more to a learner.
        failure.__traceback__ = None
        failure.__notes__ = []
        raise failure from None
