"""The kata author's toolkit: everything stage suites and kata support modules import from dojo.

Suites import this module and nothing else of ``dojo``; the rest of the
package (plugin, grader, CLI) may change shape without touching a suite.
``tests/test_code_quality.py`` holds suites to that.

- Calls and repros: ``CallLog`` records the calls a test made and fails
  its checks (``attempt``, ``expect``, ``returned``, ``raises``) with them
  as a snippet that runs when pasted; ``returns`` and ``raises`` are the
  same checks for a test that records no calls. ``code``, ``arguments``
  and ``source`` write a call as the learner would type it; ``where``
  names the line of the learner's code an exception came from;
  ``display`` shows a path the way the learner typed it.
- Model tests: ``ModelMachine`` (a Hypothesis state machine with a
  ``CallLog``), subclassed once per stage; ``drawn`` lets a stage's subclass
  draw other keys or values; ``run_machine`` runs one against a solution.
- Time: ``FakeClock`` (and the plugin's ``fake_clock`` fixture) for
  solutions that take an injected clock.
- Cost: ``assert_scales`` (the same workload at two sizes, as a ratio),
  ``Prepared`` (a large state handed from one passing check to the next)
  and ``SolutionMemory`` (what the solution's own code holds).
- Threads: ``run_threads`` (start together, report one line), ``start_daemon``
  and ``wait_until``, and the deadlock ``WATCHDOG`` with its ``Hung`` error.
- Typed equality and diffs: ``same`` (``True`` is not ``1``; floats exact, or
  within a tolerance for a float the solution computes), ``mismatch`` and
  ``first_difference`` (where a wrong value first differs), ``short`` (a repr
  cut to fit a message).
- Forbidden structures in the source: ``scan_source`` (with ``ScanRules``)
  finds each use of a forbidden module or name in a solution's files, as
  ``Finding``s; ``forbidden_by`` says what a dotted name is, if forbidden.
- Forbidden structures at run time: ``forbidden_at_run_time`` finds what the
  solution loaded and holds of them; ``reachable`` and ``inside`` walk what a
  solution object holds, for a kata's own checks.
"""

from __future__ import annotations

from dojo.calls import CallLog, arguments, code, raises, returns, source
from dojo.complexity import Prepared, assert_scales
from dojo.concurrency import run_threads, start_daemon, wait_until
from dojo.equality import same
from dojo.fakeclock import FakeClock
from dojo.forbidden import SAFE_YAML_LOADERS, Finding, ScanRules, forbidden_by, scan_source
from dojo.forbidden_at_run_time import forbidden_at_run_time
from dojo.loader import display
from dojo.machine import ModelMachine, drawn, run_machine
from dojo.memory import SolutionMemory
from dojo.mismatch import first_difference, mismatch, short
from dojo.origin import where
from dojo.reachable import inside, reachable
from dojo.watchdog import WATCHDOG, Hung

__all__ = [
    "SAFE_YAML_LOADERS",
    "WATCHDOG",
    "CallLog",
    "FakeClock",
    "Finding",
    "Hung",
    "ModelMachine",
    "Prepared",
    "ScanRules",
    "SolutionMemory",
    "arguments",
    "assert_scales",
    "code",
    "display",
    "drawn",
    "first_difference",
    "forbidden_at_run_time",
    "forbidden_by",
    "inside",
    "mismatch",
    "raises",
    "reachable",
    "returns",
    "run_machine",
    "run_threads",
    "same",
    "scan_source",
    "short",
    "source",
    "start_daemon",
    "wait_until",
    "where",
]
