"""Grading forks in CI: ``dojo grade`` and ``dojo grade-many``.

One concept per module:

- ``sandbox``: run one command in a subprocess with resource limits, a
  wall-clock limit, capped output and a private working folder;
- ``channel``: the tiny pytest plugin loaded in the graded process that
  streams signed per-test events to a pipe the grader opened;
- ``observe``: the grade of one kata, built from what the grader observed
  (the event stream, the exit status, the clock), never from files the
  graded process wrote;
- ``manifest``: hashes of the suites, checked against ``suite-hashes.json``;
- ``points``: the ``--points`` specification and the score;
- ``report``: the versioned JSON report (``schema/grade-v1.json``);
- ``junit``, ``markdown``, ``classroom``: the other output formats;
- ``roster``: the table of ``grade-many``;
- ``grader``: the whole grade of one solution, kata by kata;
- ``cli``: the click commands, thin wiring over the above.
"""

# Exit codes of ``dojo grade`` and ``dojo grade-many`` (documented in the README, for instructors).
GRADED_ALL_PASS = 0  # every graded kata passed every stage, suites intact
GRADED_NOT_ALL = 1  # graded; some stage failed, timed out, crashed, or the suite was modified
USAGE = 2  # bad options or arguments
CANNOT_GRADE = 3  # the suite could not be read or run at all
