"""Benchmarks: the reference solutions beside the libraries people use, and the suites' speed.

Run everything with ``python -m benchmarks`` (see ``docs/benchmarks.md``);
``python -m benchmarks --quick`` is a seconds-long smoke run of the same code.
One module per concern: ``lru`` and ``db`` (workloads and contenders),
``growth`` (time per operation against size, and the plot), ``suites``
(wall time of the stage suites), ``targets`` (the issue's targets as
checks), ``table`` (the renderer), ``timing`` (interleaved measurement),
``run`` (the command line). ``tuned/`` holds the stage 4 solutions tuned
for speed (not for copying), measured beside the references.
"""
