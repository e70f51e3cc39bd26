"""The outside judge: a second opinion on every stage that the graded code cannot forge.

The in-process suites run inside the interpreter that runs the learner's
code, so a solution can patch pytest, the grade channel or the clock that
the complexity checks read. The judge runs in the grader's own process and
talks to the solution only through a worker process (``worker``) over a
line-based JSON protocol of plain values (``wire``); every byte from the
worker is treated as hostile. Each kata declares its judge next to its
suites, in ``stages/judges/<kata>.py``: a tiny obviously-correct model and
the checks of each stage, written with the toolkit in ``declare``. The
engine (``engine``) finds that declaration by convention, runs it and says,
per stage, whether the judge agrees.

Modules: ``wire`` (values and lines), ``worker`` (the untrusted side),
``session`` (the trusted side of one worker), ``declare`` (what a kata's
judge is written with), ``engine`` (``judge_kata`` and the grader's hook).
"""
