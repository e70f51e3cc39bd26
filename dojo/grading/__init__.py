"""Grading forks in CI: ``dojo grade`` and ``dojo grade-many``.

One concept per module:

- ``isolation``: the walls around a graded process (Linux namespaces through
  bubblewrap, or the process fallback) and the level used;
- ``sandbox``: run one command inside those walls with resource limits, a
  wall-clock limit and capped output (``run``), or start a worker whose pipes
  the caller drives (``spawn``);
- ``files``: copies, hashes and cleanup that never follow a planted symlink,
  never block on a FIFO and never recurse;
- ``guard``: the grader's own process: non-dumpable, SIGTERM/SIGHUP keep the
  report, GitHub's output files cut back to what they held;
- ``verify``: ``dojo grade --verify``, re-grade and compare with a report;
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

# Exit codes of ``dojo grade`` and ``dojo grade-many`` (documented in docs/instructors.md).
GRADED_ALL_PASS = 0  # every graded kata passed every stage, suites intact
GRADED_NOT_ALL = 1  # graded; some stage failed, timed out, crashed, or the suite was modified
USAGE = 2  # bad options or arguments
CANNOT_GRADE = 3  # the suite could not be read or run at all
