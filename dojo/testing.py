"""The kata author's toolkit: everything stage suites and kata support modules import from dojo.

Suites import this module and nothing else of ``dojo``; the rest of the
package (plugin, grader, CLI) may change shape without touching a suite.
``tests/test_code_quality.py`` holds suites to that.

- Calls and repros: ``CallLog`` records the calls a test made and renders
  them as a snippet that runs when pasted; ``where`` names the line of the
  learner's code an exception came from; ``display`` shows a path the way
  the learner typed it.
- Time: ``FakeClock`` (and the plugin's ``fake_clock`` fixture) for
  solutions that take an injected clock.
- Cost: ``assert_scales`` (the same workload at two sizes, as a ratio) and
  ``SolutionMemory`` (what the solution's own code holds).
- Threads: ``run_threads`` (start together, report one line), ``start_daemon``
  and ``wait_until``, and the deadlock ``WATCHDOG`` with its ``Hung`` error.
- Forbidden structures at run time: ``reachable`` and ``inside`` walk what a
  solution object holds.
"""

from __future__ import annotations

from dojo.calls import CallLog
from dojo.complexity import assert_scales
from dojo.concurrency import run_threads, start_daemon, wait_until
from dojo.fakeclock import FakeClock
from dojo.loader import display
from dojo.memory import SolutionMemory
from dojo.origin import where
from dojo.reachable import inside, reachable
from dojo.watchdog import WATCHDOG, Hung

__all__ = [
    "WATCHDOG",
    "CallLog",
    "FakeClock",
    "Hung",
    "SolutionMemory",
    "assert_scales",
    "display",
    "inside",
    "reachable",
    "run_threads",
    "start_daemon",
    "wait_until",
    "where",
]
